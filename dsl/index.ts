/**
 * pipec: pipelines as code. Import from "pipec" in `ci.pipeline.ts`:
 *
 *   import { pipeline, job, output } from "pipec";
 *   const build = job("build", { image: "node:20", steps: ["npm ci", "npm run build"], outputs: { dist: output("dist/**") } });
 *   const test = job("test", { image: "node:20", inputs: [build.outputs.dist], steps: ["npm test"] });
 *   export default pipeline("ci", { jobs: [build, test] });
 */
export { pipeline, type Pipeline, type PipelineOptions, type TriggerOptions, type BranchFilter, type NotifyOptions, type NotifyEvent } from "./pipeline.ts";
export { job, files, type Job, type AnyJob, type JobOptions, type JobContext, type MatrixInput, type MatrixOf, type ServiceOptions, type CacheOptions, type ApprovalOptions } from "./job.ts";
export { step, type Step, type StepOptions, type StepLike } from "./step.ts";
export { output, input, type Output, type OutputOptions, type OutputRef, type InputOptions } from "./output.ts";
export { secret, type Secret, type Env, type EnvValue } from "./secret.ts";
export { when, type Condition, type ConditionLike } from "./condition.ts";
export { deploy, docker, processTarget, type Deployment, type CanaryStep, type Analysis, type Metric, type HealthCheck, type Target } from "./deploy.ts";
export { targets, type TargetsProfile } from "./targets.ts";
export type { RetryOptions } from "./retry.ts";
export type { Duration, MatrixValue } from "./types.ts";
