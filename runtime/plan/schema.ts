/**
 * The plan: the one contract between the compiler and the runtime.
 *
 * `z.input<typeof PlanSchema>` is what a front end (TypeScript DSL, YAML) may hand over: most fields
 * optional. `z.output<typeof PlanSchema>` is the canonical form: every default written out. Durations
 * are whole milliseconds (`...Ms`), sizes whole bytes, so the runtime never parses units.
 */
import { z } from "zod";

export const PLAN_API_VERSION = "pipec/v1";

const int = (min = 0) => z.number().int().min(min);
const ms = () => int(0);
/** Job ids are used in `needs`, file names and container labels, so they stay in a safe alphabet. */
export const JOB_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
export const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
export const SECRET_NAME = ENV_NAME;
export const OUTPUT_NAME = /^[A-Za-z_][A-Za-z0-9_-]*$/;

export const SourceLocationSchema = z.object({
  file: z.string().min(1),
  line: int(1),
  column: int(1),
});

export const JobIdSchema = z.string().regex(JOB_ID, "a job id uses letters, digits, '_', '.' and '-', starting with a letter or digit").brand<"JobId">();
export const SecretRefSchema = z.object({ secret: z.string().regex(SECRET_NAME, "a secret name is like NPM_TOKEN") }).strict();
/** An env value is a template (`${VAR}`, `${VAR:-default}`, `${VAR:+alt}` resolved at run time) or a secret reference. */
export const EnvValueSchema = z.union([z.string(), SecretRefSchema]);
export const EnvSchema = z.record(z.string().regex(ENV_NAME, "an environment variable name is like NODE_ENV"), EnvValueSchema).default({});

/** Which failures a retry covers: a non-zero exit, a timeout, or the infrastructure (lost container, engine error). */
export const RetryOnSchema = z.enum(["exit-code", "timeout", "infrastructure"]);
export const RetrySchema = z
  .object({
    max: int(0).max(10).default(0),
    on: z.array(RetryOnSchema).default(["exit-code", "timeout", "infrastructure"]),
    /** With `exit-code`: only these exit codes are retried; empty means any non-zero code. */
    exitCodes: z.array(int(1).max(255)).default([]),
    backoff: z
      .object({
        initialMs: ms().default(1000),
        factor: z.number().min(1).max(10).default(2),
        maxMs: ms().default(60_000),
        jitter: z.boolean().default(true),
      })
      .strict()
      .prefault({}),
  })
  .strict();

export const StepSchema = z
  .object({
    name: z.string().min(1),
    /** A shell script, run by `sh -e`. Multi-line scripts are one string. */
    run: z.string().min(1),
    image: z.string().nullable().default(null),
    env: EnvSchema,
    if: z.string().nullable().default(null),
    timeoutMs: ms().max(7 * 86_400_000).nullable().default(null),
    /** Step-level retries; null: the step is not retried on its own (the job's retry still applies). */
    retry: RetrySchema.nullable().default(null),
    continueOnFailure: z.boolean().default(false),
    workingDirectory: z.string().nullable().default(null),
    source: SourceLocationSchema.nullable().default(null),
  })
  .strict();

export const OutputSchema = z
  .object({
    paths: z.array(z.string().min(1)).min(1),
    exclude: z.array(z.string().min(1)).default([]),
    optional: z.boolean().default(false),
    expireInMs: ms().nullable().default(null),
  })
  .strict();

export const InputSchema = z
  .object({
    job: z.string().min(1),
    output: z.string().min(1),
    /**
     * The job runs without this input when it is not there (its producer finished without the
     * optional output, failed or was skipped): nothing is restored. A damaged artifact still fails.
     */
    optional: z.boolean().default(false),
  })
  .strict();

export const ServiceSchema = z
  .object({
    name: z.string().regex(JOB_ID),
    image: z.string().min(1),
    command: z.array(z.string()).nullable().default(null),
    env: EnvSchema,
    /** A command run in the service until it exits 0, before the job's steps start. */
    readyCommand: z.array(z.string()).nullable().default(null),
  })
  .strict();

export const CacheKeyPartSchema = z.union([
  z.object({ files: z.array(z.string().min(1)).min(1) }).strict(),
  z.object({ value: z.string() }).strict(),
]);
export const CacheSchema = z
  .object({
    key: z.array(CacheKeyPartSchema).min(1),
    paths: z.array(z.string().min(1)).min(1),
    policy: z.enum(["pull-push", "pull", "push"]).default("pull-push"),
  })
  .strict();

export const ResourcesSchema = z
  .object({
    cpus: z.number().positive().max(1024).nullable().default(null),
    memoryBytes: int(4 * 1024 * 1024).nullable().default(null),
    pids: int(1).nullable().default(null),
  })
  .strict();

/* ---------------------------------------------------------------- deployments */

export const HealthCheckSchema = z
  .object({
    http: z
      .object({
        path: z.string().startsWith("/"),
        expectStatus: z.tuple([int(100).max(599), int(100).max(599)]).default([200, 399]),
      })
      .strict()
      .nullable()
      .default(null),
    tcp: z.boolean().default(false),
    command: z.array(z.string()).nullable().default(null),
    intervalMs: ms().min(100).default(10_000),
    timeoutMs: ms().min(10).default(1_000),
    initialDelayMs: ms().default(0),
    failureThreshold: int(1).default(3),
    successThreshold: int(1).default(1),
  })
  .strict();

export const MetricProviderSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("builtin"), metric: z.enum(["successRate", "errorRate", "latencyAvg", "latencyP50", "latencyP95", "latencyP99", "requests"]) }).strict(),
  z
    .object({
      kind: z.literal("http"),
      url: z.string().url(),
      method: z.enum(["GET", "POST", "PUT"]).default("GET"),
      headers: z.record(z.string(), z.string()).default({}),
      body: z.string().nullable().default(null),
      jsonPath: z.string().nullable().default(null),
      timeoutMs: ms().default(10_000),
    })
    .strict(),
  z.object({ kind: z.literal("command"), run: z.array(z.string()).min(1), timeoutMs: ms().default(60_000) }).strict(),
]);

/**
 * A builtin (router) metric without `intervalMs` is measured this long after its analysis starts, over
 * that traffic (the runtime's default; the plan keeps `intervalMs: null`).
 */
export const DEFAULT_ROUTER_METRIC_INTERVAL_MS = 10_000;

export const MetricSchema = z
  .object({
    name: z.string().min(1),
    provider: MetricProviderSchema,
    threshold: z.object({ min: z.number().nullable().default(null), max: z.number().nullable().default(null) }).strict().nullable().default(null),
    successCondition: z.string().nullable().default(null),
    failureCondition: z.string().nullable().default(null),
    intervalMs: ms().min(100).nullable().default(null),
    count: int(1).nullable().default(null),
    initialDelayMs: ms().default(0),
    windowMs: ms().nullable().default(null),
    failureLimit: int(-1).default(0),
    inconclusiveLimit: int(0).default(0),
    consecutiveErrorLimit: int(0).default(4),
    /** Builtin metrics only: fewer requests than this in the window is "no data". */
    minRequests: int(0).default(20),
    noData: z.enum(["inconclusive", "fail", "pass"]).default("inconclusive"),
    dryRun: z.boolean().default(false),
  })
  .strict();

export const AnalysisSchema = z.object({ metrics: z.array(MetricSchema).min(1) }).strict();

export const CanaryStepSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("setWeight"), weight: z.number().min(0).max(100) }).strict(),
  z.object({ kind: z.literal("pause"), durationMs: ms().nullable().default(null) }).strict(),
  z.object({ kind: z.literal("analysis"), analysis: AnalysisSchema }).strict(),
  z
    .object({
      kind: z.literal("approval"),
      name: z.string().regex(JOB_ID),
      timeoutMs: ms().nullable().default(null),
      onTimeout: z.enum(["abort", "promote"]).default("abort"),
    })
    .strict(),
]);

export const TargetSchema = z.discriminatedUnion("kind", [
  z
    .object({
      kind: z.literal("docker"),
      image: z.string().min(1),
      command: z.array(z.string()).nullable().default(null),
      env: EnvSchema,
    })
    .strict(),
  z.object({ kind: z.literal("process"), command: z.array(z.string()).min(1), env: EnvSchema }).strict(),
]);

const LISTEN = /^(127\.0\.0\.1|localhost|\[::1\]):\d{1,5}$/;
export const RouterSchema = z
  .object({
    kind: z.enum(["builtin", "haproxy"]).default("builtin"),
    listen: z.string().regex(LISTEN, "a listen address is a loopback host and a port, like 127.0.0.1:8080").default("127.0.0.1:8080"),
    previewListen: z.string().regex(LISTEN).nullable().default(null),
  })
  .strict();

const IntOrPercent = z.union([int(0), z.string().regex(/^\d{1,3}%$/, "a percentage is like 25%")]);

const deploymentCommon = {
  name: z.string().regex(JOB_ID),
  target: TargetSchema,
  replicas: int(1).max(64).default(1),
  router: RouterSchema.prefault({}),
  healthCheck: HealthCheckSchema.prefault({}),
  progressDeadlineMs: ms().default(600_000),
  abortOnProgressDeadline: z.boolean().default(true),
  revisionHistoryLimit: int(1).default(10),
  drainTimeoutMs: ms().default(30_000),
  scaleDownDelayMs: ms().default(30_000),
  abortScaleDownDelayMs: ms().default(30_000),
  /** Deploy the name even when another pipeline owns it (its history and live revision pass to this one). */
  takeOver: z.boolean().default(false),
  /**
   * Whether the deployment keeps serving after the run (a supervised background process per
   * deployment, `pipec deploy status|undo|stop`); false: a preview that ends with the run.
   */
  keep: z.boolean().default(true),
};

export const DeploymentSchema = z.discriminatedUnion("strategy", [
  z
    .object({
      strategy: z.literal("canary"),
      ...deploymentCommon,
      steps: z.array(CanaryStepSchema).default([]),
      analysis: AnalysisSchema.nullable().default(null),
      onInconclusive: z.enum(["pause", "abort"]).default("pause"),
    })
    .strict(),
  z
    .object({
      strategy: z.literal("blueGreen"),
      ...deploymentCommon,
      previewReplicas: int(1).nullable().default(null),
      autoPromote: z.boolean().default(true),
      autoPromoteAfterMs: ms().nullable().default(null),
      prePromotionAnalysis: AnalysisSchema.nullable().default(null),
      postPromotionAnalysis: AnalysisSchema.nullable().default(null),
    })
    .strict(),
  z
    .object({
      strategy: z.literal("rolling"),
      ...deploymentCommon,
      maxSurge: IntOrPercent.default("25%"),
      maxUnavailable: IntOrPercent.default("25%"),
      minReadyMs: ms().default(0),
      analysis: AnalysisSchema.nullable().default(null),
    })
    .strict(),
]);

/* ---------------------------------------------------------------- test reports and quality gates */

/** Report files the job writes, parsed after it: JUnit XML, and coverage as Cobertura XML or lcov (told apart by content). */
export const ReportsSchema = z
  .object({
    junit: z.array(z.string().min(1)).default([]),
    coverage: z.array(z.string().min(1)).default([]),
  })
  .strict();

/** The metrics reports give a gate (ratios are 0..1). A gate with `file` reads a number from that JSON file instead. */
export const REPORT_METRICS = [
  "tests.total",
  "tests.passed",
  "tests.failed",
  "tests.errors",
  "tests.skipped",
  "coverage.line",
  "coverage.branch",
  "coverage.function",
] as const;

export const GateSchema = z
  .object({
    /** A report metric, or with `file` a dotted path into that JSON file (`complexity.max`). */
    metric: z.string().min(1),
    min: z.number().nullable().default(null),
    max: z.number().nullable().default(null),
    /** A JSON file the job wrote, relative to its workspace. */
    file: z.string().min(1).nullable().default(null),
  })
  .strict()
  .refine((gate) => gate.min !== null || gate.max !== null, { message: "a gate needs min or max" });

/* ---------------------------------------------------------------- manual jobs, notifications, triggers */

/** A manual job: the run waits before the job starts until `pipec approve RUN NAME` (or the timeout). */
export const ApprovalSchema = z
  .object({
    /** What `pipec approve RUN NAME` names; the job's id when the author gives none. */
    name: z.string().regex(JOB_ID, "an approval name uses letters, digits, '_', '.' and '-'"),
    /** null: wait as long as it takes (Ctrl-C and the pipeline timeout still end the wait). */
    timeoutMs: ms().nullable().default(null),
    /** At the timeout: abort fails the job (as a deployment's approval rolls back), promote runs it. */
    onTimeout: z.enum(["abort", "promote"]).default("abort"),
  })
  .strict();

/** What ends a run as far as a notification is concerned; `recovered`: success after the pipeline's previous run failed. */
export const NOTIFY_EVENTS = ["success", "failure", "cancelled", "recovered", "always"] as const;

/** An HTTP POST with a JSON body at the end of a run. It never fails the run. */
export const NotifySchema = z
  .object({
    on: z.array(z.enum(NOTIFY_EVENTS)).min(1),
    /** The URL: a template whose `${NAME}` parts are secrets (the plan holds the names, never the values). */
    webhook: z.string().min(1),
    /** Per attempt. */
    timeoutMs: ms().min(100).max(300_000).default(10_000),
    /** Attempts after the first, for a timeout, a network error or a 5xx/429 answer. */
    retries: int(0).max(10).default(2),
  })
  .strict();

const branchFilter = () =>
  z
    .object({
      /** Glob patterns (`main`, `release/*`); empty: any branch. */
      branches: z.array(z.string().min(1)).default([]),
      /** Glob patterns of changed files; empty: any change. */
      paths: z.array(z.string().min(1)).default([]),
    })
    .strict();

/** When the pipeline runs: the engines' triggers, and `pipec run --event` locally. Absent: on every event. */
export const TriggersSchema = z
  .object({
    push: branchFilter().nullable().default(null),
    /** Branches are the pull request's target branch, as in GitHub and GitLab. */
    pullRequest: branchFilter().nullable().default(null),
    /** Tag name patterns (`v*`). */
    tag: z.array(z.string().min(1)).default([]),
    /** Five-field cron expressions, in UTC. */
    schedule: z.array(z.string().min(1)).default([]),
  })
  .strict();

/* ---------------------------------------------------------------- jobs and plan */

export const JobSchema = z
  .object({
    name: z.string().min(1),
    /** The matrix values of this expansion, or null for a job without a matrix. */
    matrix: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).nullable().default(null),
    needs: z.array(z.string()).default([]),
    if: z.string().default("success()"),
    /** The job's container image; null only for deploy jobs, or when every step names its own image. */
    image: z.string().min(1).nullable().default(null),
    env: EnvSchema,
    steps: z.array(StepSchema).default([]),
    services: z.array(ServiceSchema).default([]),
    caches: z.array(CacheSchema).default([]),
    /**
     * The project files the job cache keys this job on (globs, as in caches): absent means every file
     * of the run's snapshot. Left out of the plan when absent, like `digest`.
     */
    cacheKey: z
      .object({ files: z.array(z.string().min(1)).min(1) })
      .strict()
      .optional(),
    inputs: z.array(InputSchema).default([]),
    outputs: z.record(z.string().regex(OUTPUT_NAME, "an output name is like dist or test-report"), OutputSchema).default({}),
    timeoutMs: ms().min(1000).max(7 * 86_400_000).default(3_600_000),
    retry: RetrySchema.prefault({}),
    allowFailure: z.boolean().default(false),
    workingDirectory: z.string().default("."),
    resources: ResourcesSchema.prefault({}),
    network: z.enum(["none", "host"]).default("none"),
    /** Who the steps run as in Docker: the invoking user's uid:gid, root, or the image's USER. */
    user: z.enum(["invoker", "root", "image"]).default("invoker"),
    deploy: DeploymentSchema.nullable().default(null),
    /** Test and coverage reports parsed after the job; null: none. */
    reports: ReportsSchema.nullable().default(null),
    /** Thresholds on report metrics, checked after the reports: one that fails fails the job. */
    gates: z.array(GateSchema).default([]),
    /** A manual job: the run waits for `pipec approve` before it starts; null: none. */
    approval: ApprovalSchema.nullable().default(null),
    source: SourceLocationSchema.nullable().default(null),
  })
  .strict();

export const VariableSchema = z
  .object({
    default: z.string().nullable().default(null),
    description: z.string().nullable().default(null),
  })
  .strict();

export const PlanSchema = z
  .object({
    apiVersion: z.literal(PLAN_API_VERSION).default(PLAN_API_VERSION),
    kind: z.literal("Plan").default("Plan"),
    name: z.string().min(1),
    env: EnvSchema,
    vars: z.record(z.string().regex(ENV_NAME), VariableSchema).default({}),
    timeoutMs: ms().min(1000).nullable().default(null),
    secrets: z.array(z.string().regex(SECRET_NAME)).default([]),
    jobs: z.record(z.string().regex(JOB_ID, "a job id uses letters, digits, '_', '.' and '-'"), JobSchema),
    /** HTTP notifications at the end of a run. */
    notify: z.array(NotifySchema).default([]),
    /** When the pipeline runs (`on:` as authors write it); null: on every event. */
    triggers: TriggersSchema.nullable().default(null),
    source: SourceLocationSchema.nullable().default(null),
    /** sha256 of the canonical JSON of the plan without this field. */
    digest: z.string().regex(/^sha256:[0-9a-f]{64}$/).optional(),
  })
  .strict();

export type Plan = z.output<typeof PlanSchema>;
export type PlanInput = z.input<typeof PlanSchema>;
export type Job = z.output<typeof JobSchema>;
export type JobInput = z.input<typeof JobSchema>;
export type Step = z.output<typeof StepSchema>;
export type StepInput = z.input<typeof StepSchema>;
export type EnvValue = z.output<typeof EnvValueSchema>;
export type Retry = z.output<typeof RetrySchema>;
export type Deployment = z.output<typeof DeploymentSchema>;
export type DeploymentInput = z.input<typeof DeploymentSchema>;
export type CanaryStep = z.output<typeof CanaryStepSchema>;
export type Analysis = z.output<typeof AnalysisSchema>;
export type Metric = z.output<typeof MetricSchema>;
export type SourceLocation = z.output<typeof SourceLocationSchema>;
export type Reports = z.output<typeof ReportsSchema>;
export type Gate = z.output<typeof GateSchema>;
export type Approval = z.output<typeof ApprovalSchema>;
export type Notify = z.output<typeof NotifySchema>;
export type Triggers = z.output<typeof TriggersSchema>;
