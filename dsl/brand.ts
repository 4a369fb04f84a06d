/**
 * DSL objects are recognised by brand, not `instanceof`: esbuild may bundle a second copy of the DSL
 * into a pipeline, and both copies must agree on what a job is.
 */
export const JOB = Symbol.for("pipec.job");
export const STEP = Symbol.for("pipec.step");
export const PIPELINE = Symbol.for("pipec.pipeline");
export const OUTPUT = Symbol.for("pipec.output");
export const OUTPUT_REF = Symbol.for("pipec.outputRef");
/** On an output reference: the job object that declares it, so that using the output includes the job. */
export const OUTPUT_JOB = Symbol.for("pipec.outputJob");
export const SECRET = Symbol.for("pipec.secret");
export const CONDITION = Symbol.for("pipec.condition");
/** Where the author called a builder: raw stack frames, mapped through the bundle's source map by the compiler. */
export const CALL_SITE = Symbol.for("pipec.callSite");

export function hasBrand(value: unknown, brand: symbol): boolean {
  return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[brand] === true;
}

/** Captures the caller's stack frames, omitting `builder` and everything inside it. */
export function captureCallSite(builder: Function): string[] {
  const holder: { stack?: string } = {};
  Error.captureStackTrace(holder, builder);
  return (holder.stack ?? "").split("\n").slice(1).map((line) => line.trim());
}
