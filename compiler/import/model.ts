/**
 * What an importer makes of a GitLab CI or GitHub Actions file before it is printed: plain data close
 * to pipec's DSL, with the TODOs (what did not carry over) attached where they belong. The printers
 * (emit-ts.ts, emit-yaml.ts) turn it into text; nothing here knows the source format.
 */

/**
 * A value a condition reads: `git.branch`, `vars.X`, `matrix.k`, `env.X`. `git.ref` is the branch, or
 * the tag on a tag run (GitHub's `github.ref_name`, GitLab's `$CI_COMMIT_REF_NAME`): `git.branch || git.tag`.
 */
export type CondRef = { readonly root: "git"; readonly name: "branch" | "tag" | "sha" | "ref" } | { readonly root: "vars" | "env" | "matrix"; readonly name: string };
export type CondOperand = CondRef | string | null;

/** A job condition in the shape of the `when.*` builders. */
export type Cond =
  | { readonly kind: "status"; readonly status: "always" | "failure" | "success" }
  | { readonly kind: "eq" | "ne"; readonly left: CondOperand; readonly right: CondOperand }
  | { readonly kind: "and" | "or"; readonly all: readonly Cond[] }
  | { readonly kind: "not"; readonly operand: Cond }
  | { readonly kind: "truthy"; readonly ref: CondRef }
  | { readonly kind: "call"; readonly name: "startsWith" | "endsWith" | "contains"; readonly subject: CondRef; readonly text: string }
  | { readonly kind: "false" };

export interface ImportedStep {
  readonly name?: string;
  /** Where each entry of `run` is in the source, for the TODOs about it. */
  readonly sources?: readonly { readonly file: string; readonly line: number }[];
  readonly run: readonly string[];
  readonly if?: "always" | "failure";
  readonly continueOnFailure?: boolean;
  readonly env?: Readonly<Record<string, string>>;
  readonly timeout?: string;
  readonly workingDirectory?: string;
  /** Printed as comments above the step. */
  readonly todos?: readonly string[];
}

export interface ImportedOutput {
  readonly paths: readonly string[];
  readonly exclude?: readonly string[];
  readonly expireIn?: string;
  readonly optional?: boolean;
}

export interface ImportedInput {
  readonly job: string;
  readonly output: string;
  readonly optional?: boolean;
}

export interface ImportedService {
  readonly name: string;
  readonly image: string;
  readonly command?: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  readonly readyCommand?: readonly string[];
}

export interface ImportedCache {
  /** Literal parts and `{ files }` parts, as `CacheOptions.key`. */
  readonly key: readonly (string | { readonly files: readonly string[] })[];
  readonly paths: readonly string[];
  readonly policy?: "pull-push" | "pull" | "push";
}

export interface ImportedMatrix {
  readonly axes: Readonly<Record<string, readonly string[]>>;
  readonly include?: readonly Readonly<Record<string, string>>[];
  readonly exclude?: readonly Readonly<Record<string, string>>[];
  /** Matrix values exported to the job's environment under these names (GitLab's matrix variables). */
  readonly asEnv?: readonly string[];
}

export interface ImportedJob {
  /** The pipec job name (valid job id). */
  readonly name: string;
  /** `image` may hold `{{matrix.KEY}}`, printed as a function of the matrix. */
  /** Where the job is in the source (the imported file or a file it includes). */
  readonly where: { readonly file: string; readonly line: number };
  readonly image?: string;
  readonly needs: readonly string[];
  /** Other jobs' outputs this job takes; `optional`: the job runs without one that is not there. */
  readonly inputs: readonly ImportedInput[];
  readonly matrix?: ImportedMatrix;
  readonly env: Readonly<Record<string, string>>;
  /** Secrets the job reads (GitHub's `secrets.X`), exposed as environment variables. */
  readonly secrets?: readonly string[];
  readonly steps: readonly ImportedStep[];
  readonly if?: Cond;
  readonly outputs: Readonly<Record<string, ImportedOutput>>;
  readonly services: readonly ImportedService[];
  readonly caches: readonly ImportedCache[];
  readonly timeout?: string;
  readonly retry?: { readonly max: number; readonly on?: readonly ("exit-code" | "timeout" | "infrastructure")[]; readonly exitCodes?: readonly number[] };
  readonly allowFailure?: boolean;
  /** Printed as comments above the job. */
  readonly todos: readonly string[];
}

export interface ImportedVar {
  readonly default: string;
  readonly description?: string;
}

export interface ImportedPipeline {
  readonly name: string;
  /** The source file's name, for the header comment. */
  readonly source: string;
  readonly from: "gitlab" | "github";
  readonly image?: string;
  readonly env: Readonly<Record<string, string>>;
  readonly vars: Readonly<Record<string, ImportedVar>>;
  readonly jobs: readonly ImportedJob[];
  readonly todos: readonly string[];
}
