/**
 * Variables the runtime sets in every job. Templates may use them without declaring them, and the
 * runtime must set exactly these (the scheduler's job environment is built from this list).
 */
export const SYSTEM_VARIABLES = [
  "CI",
  "HOME",
  "PATH",
  "PIPEC",
  "PIPEC_RUN_ID",
  "PIPEC_PIPELINE",
  "PIPEC_JOB",
  "PIPEC_JOB_NAME",
  "PIPEC_WORKSPACE",
  "PIPEC_GIT_BRANCH",
  "PIPEC_GIT_SHA",
  "PIPEC_GIT_TAG",
] as const;
