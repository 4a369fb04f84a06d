import { relative, sep } from "node:path";

/** A file as plans and messages show it: relative to the pipeline's folder, with "/" separators, never a machine path. */
export function displayPath(absolute: string, root: string): string {
  const rel = relative(root, absolute);
  return (rel === "" ? "." : rel).split(sep).join("/");
}
