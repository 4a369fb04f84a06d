/**
 * Argo's own schemas as strict validators (see test/fixtures/schemas/argo/SOURCES.md): the Workflow
 * JSON schema of argo-workflows (draft 2020-12) and the Rollout and AnalysisTemplate CRDs of
 * argo-rollouts (OpenAPI v3). Upstream leaves objects open; here every object schema with properties
 * and no `additionalProperties` is closed (a typo is an error), except where Kubernetes says
 * `x-kubernetes-preserve-unknown-fields`. Patches are listed in SOURCES.md and in PATCHES below.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import { Ajv2020 } from "ajv/dist/2020.js";
import { parse } from "yaml";

export const SCHEMAS = join(import.meta.dirname, "..", "..", "fixtures", "schemas", "argo");

type Json = Record<string, unknown>;

/** Patches to upstream, each with why (also in SOURCES.md). */
export const PATCHES = [
  "argo-workflows.schema.json: io.k8s.apimachinery.pkg.util.intstr.IntOrString is rendered {type: string}; Kubernetes and Argo accept an integer or a string (activeDeadlineSeconds: 30 in upstream's own examples)",
  "all: objects with properties and no additionalProperties get additionalProperties: false, unless x-kubernetes-preserve-unknown-fields",
] as const;

/** Closes every object schema that lists its properties. */
export function strictify(node: unknown): void {
  if (Array.isArray(node)) {
    for (const item of node) strictify(item);
    return;
  }
  if (node === null || typeof node !== "object") return;
  const schema = node as Json;
  if (schema.properties !== undefined && typeof schema.properties === "object" && !("additionalProperties" in schema) && schema["x-kubernetes-preserve-unknown-fields"] !== true) {
    schema.additionalProperties = false;
  }
  for (const value of Object.values(schema)) strictify(value);
}

/** The `x-kubernetes-*` annotations a schema uses: keywords Ajv must know (they constrain nothing here but preserve-unknown-fields, read by strictify). */
function extensionKeywords(node: unknown, found = new Set<string>()): Set<string> {
  if (Array.isArray(node)) for (const item of node) extensionKeywords(item, found);
  else if (node !== null && typeof node === "object") {
    for (const [key, value] of Object.entries(node)) {
      if (key.startsWith("x-")) found.add(key);
      extensionKeywords(value, found);
    }
  }
  return found;
}

export interface Validators {
  readonly workflow: ValidateFunction;
  readonly workflowTemplate: ValidateFunction;
  readonly cronWorkflow: ValidateFunction;
  readonly rollout: ValidateFunction;
  readonly analysisTemplate: ValidateFunction;
  /** Pieces of core Kubernetes kinds that Argo's schema carries (ServicePort, LabelSelector). */
  readonly servicePort: ValidateFunction;
  readonly labelSelector: ValidateFunction;
}

let cached: Validators | null = null;

export function argoValidators(): Validators {
  if (cached !== null) return cached;
  const workflows = JSON.parse(readFileSync(join(SCHEMAS, "argo-workflows.schema.json"), "utf8")) as Json & { definitions: Record<string, Json> };
  workflows.definitions["io.k8s.apimachinery.pkg.util.intstr.IntOrString"] = { anyOf: [{ type: "string" }, { type: "integer" }] };
  strictify(workflows.definitions);
  delete workflows.oneOf;
  const ajv2020 = new Ajv2020({ allErrors: true, validateFormats: false, strictTypes: false, allowUnionTypes: true });
  for (const keyword of extensionKeywords(workflows)) ajv2020.addKeyword(keyword);
  ajv2020.addSchema(workflows, "workflows");
  const ref = (name: string) => ajv2020.compile({ $ref: `workflows#/definitions/${name}` });
  const ajv = new Ajv({ allErrors: true, validateFormats: false, strictTypes: false, allowUnionTypes: true });
  const known = new Set<string>();
  const crd = (file: string) => {
    const doc = parse(readFileSync(join(SCHEMAS, file), "utf8")) as { spec: { versions: { schema: { openAPIV3Schema: Json } }[] } };
    const schema = doc.spec.versions[0]!.schema.openAPIV3Schema;
    strictify(schema);
    for (const keyword of extensionKeywords(schema)) if (!known.has(keyword)) {
      known.add(keyword);
      ajv.addKeyword(keyword);
    }
    return ajv.compile(schema);
  };
  cached = {
    workflow: ref("io.argoproj.workflow.v1alpha1.Workflow"),
    workflowTemplate: ref("io.argoproj.workflow.v1alpha1.WorkflowTemplate"),
    cronWorkflow: ref("io.argoproj.workflow.v1alpha1.CronWorkflow"),
    rollout: crd("rollout-crd.yaml"),
    analysisTemplate: crd("analysis-template-crd.yaml"),
    servicePort: ref("io.k8s.api.core.v1.ServicePort"),
    labelSelector: ref("io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector"),
  };
  return cached;
}

function messages(errors: readonly ErrorObject[] | null | undefined): string[] {
  return (errors ?? []).map((e) => `${e.instancePath || "/"} ${e.message}${e.keyword === "additionalProperties" ? `: ${String((e.params as { additionalProperty: string }).additionalProperty)}` : ""}`);
}

function run(validate: ValidateFunction, document: unknown, at = ""): string[] {
  return validate(document) ? [] : messages(validate.errors).map((m) => `${at}${m}`);
}

/** Schema findings for one document of any kind pipec emits; empty when valid. */
export function schemaFindings(document: unknown): string[] {
  const v = argoValidators();
  const doc = document as Json;
  switch (doc.kind) {
    case "Workflow":
      return run(v.workflow, doc);
    case "WorkflowTemplate":
      return run(v.workflowTemplate, doc);
    case "CronWorkflow":
      return run(v.cronWorkflow, doc);
    case "Rollout":
      return run(v.rollout, doc);
    case "AnalysisTemplate":
      return run(v.analysisTemplate, doc);
    case "Service":
      return [...envelope(doc, "v1", ["selector", "ports"]), ...((doc.spec as Json | undefined)?.ports as unknown[] | undefined ?? []).flatMap((port, i) => run(v.servicePort, port, `/spec/ports/${i}`))];
    case "NetworkPolicy": {
      const spec = (doc.spec ?? {}) as Json;
      return [...envelope(doc, "networking.k8s.io/v1", ["podSelector", "policyTypes", "ingress", "egress"]), ...run(v.labelSelector, spec.podSelector, "/spec/podSelector")];
    }
    default:
      return [`/kind ${String(doc.kind)} is not a kind pipec emits`];
  }
}

/** The fields of a core kind pipec writes (no upstream schema of core Kubernetes is vendored). */
function envelope(doc: Json, apiVersion: string, specFields: readonly string[]): string[] {
  const found: string[] = [];
  if (doc.apiVersion !== apiVersion) found.push(`/apiVersion must be ${apiVersion}`);
  for (const key of Object.keys(doc)) if (!["apiVersion", "kind", "metadata", "spec"].includes(key)) found.push(`/ must NOT have additional properties: ${key}`);
  for (const key of Object.keys((doc.spec ?? {}) as Json)) if (!specFields.includes(key)) found.push(`/spec must NOT have additional properties: ${key}`);
  const meta = (doc.metadata ?? {}) as Json;
  for (const key of Object.keys(meta)) if (!["name", "namespace", "labels"].includes(key)) found.push(`/metadata must NOT have additional properties: ${key}`);
  if (typeof meta.name !== "string" || !/^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/.test(meta.name)) found.push(`/metadata/name ${String(meta.name)} is not a DNS-1035 label`);
  return found;
}
