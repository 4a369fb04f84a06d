/**
 * The authoring YAML dialect: what people write by hand in `pipeline.yaml`.
 *
 * The schema only checks shapes; `map-pipeline.ts` turns a valid document into a `PlanInput`. It stays
 * free of transforms so that `z.toJSONSchema(AuthoringPipelineSchema)` gives editors the same rules.
 */
import { z } from "zod";
import { ENV_NAME, JOB_ID, OUTPUT_NAME, SECRET_NAME } from "../../runtime/plan/schema.ts";

/** Matches what `parseDuration` accepts: a number of seconds, or units like `90s`, `10m`, `1h30m`, `250ms`. */
export const DURATION_TEXT = /^\s*(?:\d+(?:\.\d+)?|(?:\d+(?:\.\d+)?(?:ms|s|m|h|d))+)\s*$/;
/** Memory as Docker writes it: bytes, or a number with `k`, `m`, `g`, `t` (binary units, optional `b`/`ib`). */
export const MEMORY_TEXT = /^\s*\d+(?:\.\d+)?\s*(?:[kmgt](?:i?b)?|b)?\s*$/i;
/** `job.output`: the job id may contain dots, the output name may not, so the last dot splits. */
export const INPUT_REF = /^([A-Za-z0-9][A-Za-z0-9_.-]*)\.([A-Za-z_][A-Za-z0-9_-]*)$/;

/** The words of the TypeScript front end's message for the same mistake (`"forever" is not a duration; ...`). */
export const DURATION_WORDS = 'is not a duration; write seconds as a number or text like "90s", "10m", "1h30m"';
const MEMORY_WORDS = 'expected bytes or a size like "512m" or "2g"';

const duration = () =>
  z.union([z.number().min(0, DURATION_WORDS), z.string().regex(DURATION_TEXT, DURATION_WORDS)], { error: DURATION_WORDS });
const strings = (what: string) => z.union([z.string().min(1), z.array(z.string().min(1)).min(1)], { error: `expected ${what} or a list of them` });
const command = () => z.union([z.string().min(1), z.array(z.string()).min(1)], { error: "expected a shell command or a list of arguments" });
const envName = () => z.string().regex(ENV_NAME, "an environment variable name is like NODE_ENV");
const secretName = () => z.string().regex(SECRET_NAME, "a secret name is like NPM_TOKEN");
const expression = () => z.string().min(1).describe("An expression such as `success() && vars.DEPLOY == 'yes'`, with or without `${{ }}`.");

export const SecretRefSchema = z.strictObject({ secret: secretName() });
export const EnvValueSchema = z.union([z.string(), z.number(), z.boolean(), SecretRefSchema], {
  error: "expected a string or { secret: NAME }",
});
export const EnvMapSchema = z.record(envName(), EnvValueSchema).describe("Environment variables: NAME: value or NAME: { secret: NAME }.");

export const StepSchema = z
  .strictObject({
    name: z.string().min(1).optional().describe("Shown in logs. Defaults to the first line of the script."),
    script: z.union([z.string(), z.array(z.string())], { error: "expected a script: a string or a list of lines" }).describe("Shell commands, run by `sh -e`; a list is joined with newlines."),
    image: z.string().min(1).optional().describe("Runs this step in another image."),
    environment: EnvMapSchema.optional(),
    timeout: duration().optional().describe("Seconds, or a duration like 10m."),
    retry_count: z.int().min(0, "must not be negative").optional().describe("Extra attempts after a failure."),
    continue_on_failure: z.boolean().optional().describe("Keep going with the next step when this one fails."),
    working_directory: z.string().min(1).optional(),
    conditional: expression().optional(),
  })
  .describe("A step: a mapping, or just the script as a string.");

export const RetryOnSchema = z.enum(["exit-code", "timeout", "infrastructure"]);
export const RetrySchema = z.union(
  [
    z.int().min(0, "must not be negative"),
    z.strictObject({
      max: z.int().min(0, "must not be negative").optional().describe("Extra attempts after a failure."),
      when: z.array(RetryOnSchema).optional().describe("Which failures are retried; all by default."),
      exit_codes: z.array(z.int().min(1).max(255)).optional().describe("With exit-code: only these codes are retried."),
    }),
  ],
  { error: "expected a number of retries or { max, when, exit_codes }" },
);

export const ArtifactSchema = z.union(
  [
    z.string().min(1),
    z.array(z.string().min(1)).min(1),
    z.strictObject({
      paths: strings("a path"),
      exclude: strings("a path").optional(),
      optional: z.boolean().optional().describe("Do not fail when no file matches."),
      expire_in: duration().optional(),
    }),
  ],
  { error: "expected a path, a list of paths or { paths, exclude, optional, expire_in }" },
);

/**
 * What the repair of a rejected document (repair-authoring.ts) puts in place of a rejected element of a
 * job's `inputs` or `depends_on` list: the mapping passes over it, so the list's other elements (and
 * their indices, so their locations) still take part in the checks. No job name or input reference can
 * be written like it, so nothing an author writes is taken for it.
 */
export const REPAIRED_HOLE = "\u0000rejected";

const inputRef = () => z.string().regex(INPUT_REF, 'an input is written job.output, like "build.dist"');
export const InputSchema = z.union(
  [
    inputRef(),
    z.strictObject({
      from: inputRef(),
      optional: z.boolean().optional().describe("Run the job without this input when it is not there (the output matched nothing, or its job failed or was skipped)."),
    }),
  ],
  { error: 'expected job.output, like "build.dist", or { from: build.dist, optional: true }' },
);

export const ServiceSchema = z.strictObject({
  name: z.string().regex(JOB_ID, "a service name uses letters, digits, '_', '.' and '-'"),
  image: z.string().min(1),
  command: command().optional().describe("A string runs through `sh -c`."),
  environment: EnvMapSchema.optional(),
  ready_command: command().optional().describe("Run until it exits 0 before the job's steps start."),
});

const cacheKeyPart = z.union([z.string(), z.strictObject({ files: strings("a file") })], {
  error: "expected a string or { files: [...] }",
});
export const CacheSchema = z.strictObject({
  key: z.union([cacheKeyPart, z.array(cacheKeyPart).min(1)]).describe("Strings and { files } parts whose content hashes make the key."),
  paths: strings("a path"),
  policy: z.enum(["pull-push", "pull", "push"]).optional(),
});

export const ResourcesSchema = z.strictObject({
  cpus: z.number().positive("must be more than 0").optional(),
  memory: z.union([z.int().min(0, "must not be negative"), z.string().regex(MEMORY_TEXT, MEMORY_WORDS)], { error: MEMORY_WORDS }).optional(),
  pids: z.int().min(1).optional(),
});

export const MatrixValueSchema = z.union([z.string(), z.number(), z.boolean()], { error: "expected a string, number or boolean" });
const combination = z.record(z.string(), MatrixValueSchema);
export const MatrixSchema = z
  .object({
    include: z.array(combination).optional().describe("Extra combinations, or values added to matching ones."),
    exclude: z.array(combination).optional().describe("Combinations to leave out."),
  })
  .catchall(z.array(MatrixValueSchema).min(1))
  .describe("Axes (name: [values]) crossed into one job per combination; use ${{ matrix.<axis> }} in scripts.");

export const JobSchema = z.strictObject({
  steps: z.array(z.union([z.string(), StepSchema], { error: "expected a step: a script string or a mapping with script" })).min(1),
  depends_on: z.union([z.string(), z.array(z.string())], { error: "expected a job name or a list of job names" }).optional(),
  image: z.string().min(1).optional().describe("Defaults to the pipeline's image."),
  environment: EnvMapSchema.optional(),
  conditional: expression().optional(),
  artifacts: z.record(z.string().regex(OUTPUT_NAME, "an output name is like dist or test-report"), ArtifactSchema).optional(),
  inputs: z.array(InputSchema).optional(),
  timeout: duration().optional(),
  retry: RetrySchema.optional(),
  allow_failure: z.boolean().optional(),
  working_directory: z.string().min(1).optional(),
  services: z.array(ServiceSchema).optional(),
  cache: z.array(CacheSchema).optional(),
  cache_key: z.strictObject({ files: strings("a file") }).optional().describe("The project files the job cache keys this job on (globs); default: every project file."),
  resources: ResourcesSchema.optional(),
  network: z.enum(["none", "host"]).optional(),
  user: z.enum(["invoker", "root", "image"]).optional().describe("Who the steps run as in Docker: you (invoker, the default), root, or the image's USER."),
  matrix: MatrixSchema.optional(),
  secrets: z.array(secretName()).optional().describe("Each secret NAME becomes the environment variable NAME."),
  reports: z
    .strictObject({ junit: z.union([z.string().min(1), z.array(z.string().min(1))]).optional(), coverage: z.union([z.string().min(1), z.array(z.string().min(1))]).optional() })
    .optional()
    .describe("JUnit XML and coverage (Cobertura XML or lcov) files the job writes, parsed after it."),
  gates: z
    .array(z.strictObject({ metric: z.string().min(1), min: z.number().optional(), max: z.number().optional(), file: z.string().min(1).optional() }))
    .optional()
    .describe("Quality gates: { metric: coverage.line, min: 0.8 }; with file: a dotted path into a JSON file the job wrote."),
  approval: z
    .strictObject({
      name: z.string().regex(JOB_ID, "an approval name uses letters, digits, '_', '.' and '-'").optional().describe("What pipec approve RUN NAME names; the job's id by default."),
      timeout: duration().optional().describe("How long to wait; no limit by default."),
      on_timeout: z.enum(["abort", "promote"]).optional().describe("abort (the default) fails the job at the timeout; promote runs it."),
    })
    .optional()
    .describe("A manual job: the run waits before it starts until pipec approve RUN NAME."),
  changes: z
    .union([z.string().min(1), z.array(z.string().min(1)).min(1)], { error: "expected a path pattern or a list of them, like services/user/**" })
    .optional()
    .describe("Run the job only when a file matching one of these patterns changed (pipec run --base REF); ${{ matrix.<axis> }} allowed."),
});

export const VariableSchema = z.union(
  [
    z.string(),
    z.number(),
    z.boolean(),
    z.strictObject({
      default: z.union([z.string(), z.number(), z.boolean()]).optional(),
      description: z.string().optional(),
    }),
  ],
  { error: "expected a default value or { default, description }" },
);

const branchFilter = () =>
  z
    .union([z.null(), z.literal(true), z.strictObject({ branches: strings("a branch pattern").optional(), paths: strings("a path pattern").optional() })], {
      error: "expected { branches, paths } (each a pattern or a list of them), or nothing for any",
    })
    .optional();

export const TriggersSchema = z
  .strictObject({
    push: branchFilter().describe("A push to a branch: { branches: [main, release/*], paths: [src/**] }; empty: any."),
    pull_request: branchFilter().describe("A pull request; branches are its target branches."),
    tag: strings("a tag pattern").optional().describe("A pushed tag matching these patterns, like v*."),
    schedule: strings("a cron expression").optional().describe("Five-field cron expressions in UTC, like 0 3 * * *."),
  })
  .describe("When the pipeline runs; pipec run --event push|pull_request|tag|schedule skips it when they do not match.");

export const NotifySchema = z.strictObject({
  on: z.array(z.enum(["success", "failure", "cancelled", "recovered", "always"])).min(1).describe("recovered: a success after the previous run failed."),
  webhook: z.union([z.string().min(1), SecretRefSchema], { error: "expected a URL (its ${NAME} parts are secrets) or { secret: NAME }" }),
  timeout: duration().optional().describe("Per attempt; 10s by default."),
  retries: z.int().min(0, "must not be negative").max(10).optional().describe("Attempts after the first; 2 by default."),
});

export const AuthoringPipelineSchema = z
  .strictObject({
    name: z.string().min(1).describe("The pipeline's name."),
    global_env: EnvMapSchema.optional(),
    vars: z.record(envName(), VariableSchema).optional().describe("Variables that `pipec run --var NAME=value` may set."),
    image: z.string().min(1).optional().describe("The image of every job that does not name one."),
    timeout: duration().optional().describe("The whole pipeline's time limit."),
    secrets: z.array(secretName()).optional().describe("The secrets this pipeline uses (informational)."),
    on: TriggersSchema.optional(),
    notify: z.array(NotifySchema).optional().describe("HTTP POSTs at the end of a run; they never fail it."),
    jobs: z.record(z.string().regex(JOB_ID, "a job id uses letters, digits, '_', '.' and '-', starting with a letter or digit"), JobSchema),
  })
  // Top-level `x-*` keys are ignored (the Docker Compose convention), a home for YAML anchors.
  .meta({ patternProperties: { "^x-": {} } })
  .describe("A pipec pipeline in the authoring YAML dialect.");

export type AuthoringPipeline = z.output<typeof AuthoringPipelineSchema>;
export type AuthoringJob = z.output<typeof JobSchema>;
export type AuthoringStep = z.output<typeof StepSchema>;
export type AuthoringEnv = z.output<typeof EnvMapSchema>;
