/**
 * Notices the pipeline reading `process.env` while it loads: the value on the machine that builds the
 * plan is baked into the plan, which is rarely what the author meant. Each variable read by the
 * author's own code (not pipec's DSL, not Node) is reported once, at the first line that reads it.
 */
import type { SourceLocation } from "../../runtime/plan/schema.ts";
import type { Diagnostic } from "../diagnostic.ts";
import { warning } from "../make-diagnostic.ts";
import type { CallSiteMapper } from "./call-sites.ts";
import { framesHere } from "./thrown.ts";

export interface EnvReads {
  /** One warning per variable read, in the order first read. */
  diagnostics(): Diagnostic[];
}

/** Replaces `process.env` (in the loading thread only) with a view that records reads. */
export function traceEnvReads(sites: CallSiteMapper): EnvReads {
  const reads = new Map<string, SourceLocation>();
  const note = (name: string | symbol, trap: Function) => {
    if (typeof name !== "string" || reads.has(name)) return;
    // Only the reading frame counts: a DSL builder or Node reading the environment is not the author.
    const reader = framesHere(trap)[0];
    const where = reader ? sites.locate([reader]) : null;
    if (where) reads.set(name, where);
  };
  const traps: ProxyHandler<NodeJS.ProcessEnv> = {
    get(target, name) {
      note(name, traps.get!);
      return Reflect.get(target, name);
    },
    has(target, name) {
      note(name, traps.has!);
      return Reflect.has(target, name);
    },
  };
  process.env = new Proxy(process.env, traps);
  return {
    diagnostics: () =>
      [...reads].map(([name, where]) =>
        warning(
          "env-at-load",
          `the pipeline reads process.env.${name} while loading: its value on the machine that builds the plan is written into the plan`,
          where,
          `to choose it when the pipeline runs, declare it in the pipeline's vars (vars: { ${name}: { default: "..." } }) and write "\${${name}}" in env, image or workingDirectory; pipec run --var ${name}=... sets it`,
        ),
      ),
  };
}
