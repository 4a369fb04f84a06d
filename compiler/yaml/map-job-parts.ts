/** The parts of a job that need no matrix substitution: artifacts, services, caches, resources, retry. */
import type { PlanPath } from "../draft.ts";
import type { JobInput } from "../../runtime/plan/schema.ts";
import type { AuthoringJob } from "./authoring-schema.ts";
import { durationMs, record, recordTree, type MapContext } from "./map-context.ts";
import { mapEnv } from "./map-env.ts";
import { parseMemory, setOwn, toCommand, toList } from "./values.ts";

type Outputs = NonNullable<JobInput["outputs"]>;

/** `artifacts` to `outputs`: `dist: dist/` and `dist: [a, b]` are shorthand for `{ paths }`. */
export function mapOutputs(artifacts: NonNullable<AuthoringJob["artifacts"]>, planPath: PlanPath, docPath: PlanPath, context: MapContext): Outputs {
  record(context, planPath, docPath);
  const outputs: Outputs = {};
  for (const [name, artifact] of Object.entries(artifacts)) {
    const plan = [...planPath, name];
    const doc = [...docPath, name];
    record(context, plan, doc);
    if (typeof artifact === "string" || Array.isArray(artifact)) {
      setOwn(outputs, name, { paths: toList(artifact) });
      recordTree(context, [...plan, "paths"], doc, artifact);
      continue;
    }
    const output: Outputs[string] = { paths: toList(artifact.paths) };
    recordTree(context, [...plan, "paths"], [...doc, "paths"], artifact.paths);
    if (artifact.exclude !== undefined) {
      output.exclude = toList(artifact.exclude);
      recordTree(context, [...plan, "exclude"], [...doc, "exclude"], artifact.exclude);
    }
    if (artifact.optional !== undefined) {
      output.optional = artifact.optional;
      record(context, [...plan, "optional"], [...doc, "optional"]);
    }
    if (artifact.expire_in !== undefined) {
      output.expireInMs = durationMs(artifact.expire_in, [...doc, "expire_in"], context);
      record(context, [...plan, "expireInMs"], [...doc, "expire_in"]);
    }
    setOwn(outputs, name, output);
  }
  return outputs;
}

export function mapServices(services: NonNullable<AuthoringJob["services"]>, planPath: PlanPath, docPath: PlanPath, context: MapContext): NonNullable<JobInput["services"]> {
  record(context, planPath, docPath);
  return services.map((service, index) => {
    const plan = [...planPath, index];
    const doc = [...docPath, index];
    record(context, plan, doc);
    record(context, [...plan, "name"], [...doc, "name"]);
    record(context, [...plan, "image"], [...doc, "image"]);
    const out: NonNullable<JobInput["services"]>[number] = { name: service.name, image: service.image };
    if (service.command !== undefined) {
      out.command = toCommand(service.command);
      record(context, [...plan, "command"], [...doc, "command"]);
    }
    if (service.ready_command !== undefined) {
      out.readyCommand = toCommand(service.ready_command);
      record(context, [...plan, "readyCommand"], [...doc, "ready_command"]);
    }
    if (service.environment !== undefined) out.env = mapEnv(service.environment, [...plan, "env"], [...doc, "environment"], null, context);
    return out;
  });
}

export function mapCaches(caches: NonNullable<AuthoringJob["cache"]>, planPath: PlanPath, docPath: PlanPath, context: MapContext): NonNullable<JobInput["caches"]> {
  record(context, planPath, docPath);
  return caches.map((cache, index) => {
    const plan = [...planPath, index];
    const doc = [...docPath, index];
    record(context, plan, doc);
    const parts = Array.isArray(cache.key) ? cache.key : [cache.key];
    const keyDoc = Array.isArray(cache.key) ? (n: number) => [...doc, "key", n] : () => [...doc, "key"];
    record(context, [...plan, "key"], [...doc, "key"]);
    parts.forEach((_, n) => record(context, [...plan, "key", n], keyDoc(n)));
    recordTree(context, [...plan, "paths"], [...doc, "paths"], cache.paths);
    const out: NonNullable<JobInput["caches"]>[number] = {
      key: parts.map((part) => (typeof part === "string" ? { value: part } : { files: toList(part.files) })),
      paths: toList(cache.paths),
    };
    if (cache.policy !== undefined) {
      out.policy = cache.policy;
      record(context, [...plan, "policy"], [...doc, "policy"]);
    }
    return out;
  });
}

export function mapResources(resources: NonNullable<AuthoringJob["resources"]>, planPath: PlanPath, docPath: PlanPath, context: MapContext): NonNullable<JobInput["resources"]> {
  record(context, planPath, docPath);
  const out: NonNullable<JobInput["resources"]> = {};
  if (resources.cpus !== undefined) {
    out.cpus = resources.cpus;
    record(context, [...planPath, "cpus"], [...docPath, "cpus"]);
  }
  if (resources.memory !== undefined) {
    const bytes = parseMemory(resources.memory);
    if (bytes !== undefined) out.memoryBytes = bytes;
    record(context, [...planPath, "memoryBytes"], [...docPath, "memory"]);
  }
  if (resources.pids !== undefined) {
    out.pids = resources.pids;
    record(context, [...planPath, "pids"], [...docPath, "pids"]);
  }
  return out;
}

/** `retry: 2` is `{ max: 2 }`; the mapping form renames `when` to `on` and `exit_codes` to `exitCodes`. */
export function mapRetry(retry: NonNullable<AuthoringJob["retry"]>, planPath: PlanPath, docPath: PlanPath, context: MapContext): NonNullable<JobInput["retry"]> {
  record(context, planPath, docPath);
  if (typeof retry === "number") {
    record(context, [...planPath, "max"], docPath);
    return { max: retry };
  }
  const out: NonNullable<JobInput["retry"]> = {};
  if (retry.max !== undefined) {
    out.max = retry.max;
    record(context, [...planPath, "max"], [...docPath, "max"]);
  }
  if (retry.when !== undefined) {
    out.on = [...retry.when];
    recordTree(context, [...planPath, "on"], [...docPath, "when"], retry.when);
  }
  if (retry.exit_codes !== undefined) {
    out.exitCodes = [...retry.exit_codes];
    recordTree(context, [...planPath, "exitCodes"], [...docPath, "exit_codes"], retry.exit_codes);
  }
  return out;
}
