/**
 * The variables GitLab and GitHub predefine, as pipec sets them. pipec's run sets its own (see
 * runtime/plan/system-variables.ts): the workspace, the run id, the job's id and name, the git
 * branch, tag and sha. An engine variable with an equivalent is renamed; the branch-or-tag name is
 * `${PIPEC_GIT_BRANCH:-${PIPEC_GIT_TAG}}` (in a script and in variables). Any other predefined variable reads as
 * empty under pipec, which the import says with a TODO at the script's line.
 */

/** Engine variables with a pipec equivalent of the same value. */
export const EQUIVALENT: Readonly<Record<string, string>> = {
  CI_PROJECT_DIR: "PIPEC_WORKSPACE",
  CI_BUILDS_DIR: "PIPEC_WORKSPACE",
  CI_COMMIT_SHA: "PIPEC_GIT_SHA",
  CI_COMMIT_BRANCH: "PIPEC_GIT_BRANCH",
  CI_COMMIT_TAG: "PIPEC_GIT_TAG",
  CI_PIPELINE_ID: "PIPEC_RUN_ID",
  CI_JOB_NAME: "PIPEC_JOB_NAME",
  GITHUB_WORKSPACE: "PIPEC_WORKSPACE",
  GITHUB_SHA: "PIPEC_GIT_SHA",
  GITHUB_RUN_ID: "PIPEC_RUN_ID",
  GITHUB_JOB: "PIPEC_JOB",
};

/** The branch, or the tag when the run is on a tag: a shell and pipec's env templates both read it. */
export const BRANCH_OR_TAG = "${PIPEC_GIT_BRANCH:-${PIPEC_GIT_TAG}}";

/** Equivalents computed from two of pipec's variables. */
export const COMPUTED: Readonly<Record<string, string>> = {
  CI_COMMIT_REF_NAME: BRANCH_OR_TAG,
  GITHUB_REF_NAME: BRANCH_OR_TAG,
};

/** Names the engines set (CI itself pipec sets too). */
export const PREDEFINED = /^(CI|GITLAB|GITHUB|RUNNER|FF)_/;

export interface ScriptVariables {
  readonly text: string;
  /** Predefined variables the script reads that pipec does not set. */
  readonly unknown: readonly string[];
}

/**
 * Renames the predefined variables a shell script reads (`$X`, `${X}`, `${X:-...}`), outside single
 * quotes, where the shell expands nothing. `defined` are the names the pipeline itself sets: kept.
 */
export function rewriteScriptVariables(text: string, defined: ReadonlySet<string>): ScriptVariables {
  const unknown = new Set<string>();
  let out = "";
  let quote: "'" | '"' | null = null;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote === "'") {
      if (c === "'") quote = null;
      out += c;
      continue;
    }
    if (c === "\\") {
      out += text.slice(i, i + 2);
      i++;
      continue;
    }
    if (c === "'" && quote === null) quote = "'";
    else if (c === '"') quote = quote === '"' ? null : '"';
    if (c !== "$") {
      out += c;
      continue;
    }
    const m = /^\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(\}|(?=[:#%/+=?-]))|([A-Za-z_][A-Za-z0-9_]*))/.exec(text.slice(i));
    const name = m?.[1] ?? m?.[3];
    if (!m || name === undefined || defined.has(name) || !PREDEFINED.test(name)) {
      out += c;
      continue;
    }
    const braced = m[1] !== undefined;
    if (EQUIVALENT[name]) out += braced ? `\${${EQUIVALENT[name]}${m[2]}` : `\${${EQUIVALENT[name]}}`;
    else if (COMPUTED[name] && (!braced || m[2] === "}")) out += COMPUTED[name];
    else {
      unknown.add(name);
      out += m[0];
    }
    i += m[0].length - 1;
  }
  return { text: out, unknown: [...unknown].sort() };
}

/** Whether offset `at` of a shell script is inside single quotes (where `$X` is not expanded). */
export function inSingleQuotes(text: string, at: number): boolean {
  let quote: "'" | '"' | null = null;
  for (let i = 0; i < at; i++) {
    const c = text[i]!;
    if (quote === "'") {
      if (c === "'") quote = null;
    } else if (c === "\\") i++;
    else if (c === "'" && quote === null) quote = "'";
    else if (c === '"') quote = quote === '"' ? null : '"';
  }
  return quote === "'";
}
