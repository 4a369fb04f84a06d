/** pipec's version, as `pipec --version` prints it and generated files record it. */
export const VERSION = "0.1.0";
