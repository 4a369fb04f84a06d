/**
 * A deployment job as Argo Rollouts documents: the `Rollout` (canary steps, blue-green with its
 * analyses, or a rolling update as a canary without steps), its `Service`s and one `AnalysisTemplate`
 * per analysis. pipec's deploy model follows Rollouts' semantics, so most fields are one to one;
 * the router's loopback address becomes a Service port, the instance's PORT is 8080 in the pod.
 */
import type { Analysis, CanaryStep, Deployment, EnvValue, Job, Plan } from "../../../runtime/plan/schema.ts";
import { formatDuration } from "../../../runtime/plan/duration.ts";
import { parseTemplateParts } from "../../../runtime/plan/variables.ts";
import { jobWhere, type TargetDiagnostics, type Where } from "../common/diagnostics.ts";
import type { TargetProfile } from "../types.ts";
import { analysisTemplate, type AnalysisContext } from "./analysis.ts";
import { duration, seconds } from "./durations.ts";
import { secretRef } from "./job-template.ts";
import { parameter } from "./parameters.ts";

type Doc = Record<string, unknown>;

/** The port every instance listens on inside its pod (pipec passes PORT; so does this). */
export const APP_PORT = 8080;
const SELECTOR = "pipec.dev/deployment";

export interface DeployDocuments {
  readonly services: readonly Doc[];
  readonly analysisTemplates: readonly Doc[];
  readonly rollout: Doc;
}

/** A Kubernetes object name (DNS-1035 label: Services need a leading letter). */
export function kubernetesName(name: string): string {
  const clean = name.toLowerCase().replace(/[^a-z0-9-]+/g, "-").replace(/^-+|-+$/g, "");
  return /^[a-z]/.test(clean) ? clean.slice(0, 63) : `d-${clean}`.slice(0, 63);
}

export function deployDocuments(plan: Plan, id: string, profile: TargetProfile["argo"], diagnostics: TargetDiagnostics): DeployDocuments {
  const job = plan.jobs[id]!;
  const d = job.deploy!;
  const where = jobWhere(plan, id);
  const name = kubernetesName(d.name);
  const meta = (objectName: string) => ({ name: objectName, ...(profile.namespace === null ? {} : { namespace: profile.namespace }), labels: { [SELECTOR]: name } });
  if (d.target.kind === "process") diagnostics.unsupported(where, "deploy target process", "a host process cannot run on Kubernetes", "deploy a container image (docker target) for this target");
  const image = d.target.kind === "docker" ? resolve(d.target.image, plan, job, where, "image", diagnostics) : "";
  const port = (listen: string) => Number(listen.slice(listen.lastIndexOf(":") + 1));
  const withRouting = d.strategy === "canary" && profile.trafficRouting !== null;
  const preview = d.strategy === "blueGreen" ? `${name}-preview` : withRouting ? `${name}-canary` : null;
  const previewPort = d.strategy === "blueGreen" && d.router.previewListen !== null ? port(d.router.previewListen) : port(d.router.listen);
  diagnostics.approximated(
    where,
    "router",
    `served by Service ${name} on port ${port(d.router.listen)} inside the cluster${preview === null ? "" : ` (and ${preview} on ${previewPort})`}, not at ${d.router.listen}${d.router.previewListen === null ? "" : ` / ${d.router.previewListen}`} through pipec's ${d.router.kind} router`,
    "reach the deployment through its Service (or an Ingress in front of it)",
  );
  const service = (serviceName: string, servicePort: number): Doc => ({
    apiVersion: "v1",
    kind: "Service",
    metadata: meta(serviceName),
    spec: { selector: { [SELECTOR]: name }, ports: [{ name: "http", port: servicePort, targetPort: "http", protocol: "TCP" }] },
  });
  const services = [service(name, port(d.router.listen)), ...(preview === null ? [] : [service(preview, previewPort)])];
  const ctx: AnalysisContext = {
    deployment: d,
    name,
    namespace: profile.namespace,
    image,
    listen: `${name}:${port(d.router.listen)}`,
    previewListen: d.strategy === "blueGreen" ? `${name}-preview:${previewPort}` : "",
    profile,
    where,
    diagnostics,
  };
  const analysisTemplates: Doc[] = [];
  const ref = (label: string, analysis: Analysis): Doc => {
    const templateName = `${name}-${label}`;
    analysisTemplates.push(analysisTemplate(templateName, analysis, ctx));
    return { templates: [{ templateName }] };
  };
  const rollout: Doc = {
    apiVersion: "argoproj.io/v1alpha1",
    kind: "Rollout",
    metadata: meta(name),
    spec: {
      replicas: d.replicas,
      revisionHistoryLimit: d.revisionHistoryLimit,
      progressDeadlineSeconds: wholeSeconds(d.progressDeadlineMs, where, "progressDeadline", diagnostics),
      progressDeadlineAbort: d.abortOnProgressDeadline,
      ...(d.strategy === "rolling" && d.minReadyMs > 0 ? { minReadySeconds: wholeSeconds(d.minReadyMs, where, "minReady", diagnostics) } : {}),
      selector: { matchLabels: { [SELECTOR]: name } },
      template: {
        metadata: { labels: { [SELECTOR]: name } },
        spec: { terminationGracePeriodSeconds: seconds(d.drainTimeoutMs), containers: [container(plan, job, d, image, profile, where, diagnostics)] },
      },
      strategy: strategy(d, name, preview, withRouting, profile, ref, where, diagnostics),
    },
  };
  return { services, analysisTemplates, rollout };
}

function wholeSeconds(ms: number, where: Where, feature: string, diagnostics: TargetDiagnostics): number {
  if (ms % 1000 !== 0) diagnostics.approximated(where, feature, `${formatDuration(ms)} becomes ${seconds(ms)}s: Rollouts counts it in whole seconds`);
  return seconds(ms);
}

function strategy(d: Deployment, name: string, preview: string | null, withRouting: boolean, profile: TargetProfile["argo"], ref: (label: string, analysis: Analysis) => Doc, where: Where, diagnostics: TargetDiagnostics): Doc {
  const delays = { scaleDownDelaySeconds: wholeSeconds(d.scaleDownDelayMs, where, "scaleDownDelay", diagnostics), abortScaleDownDelaySeconds: wholeSeconds(d.abortScaleDownDelayMs, where, "abortScaleDownDelay", diagnostics) };
  switch (d.strategy) {
    case "blueGreen":
      return {
        blueGreen: {
          activeService: name,
          previewService: preview,
          autoPromotionEnabled: d.autoPromote,
          ...(d.autoPromote && d.autoPromoteAfterMs !== null ? { autoPromotionSeconds: wholeSeconds(d.autoPromoteAfterMs, where, "autoPromoteAfter", diagnostics) } : {}),
          ...(d.previewReplicas === null ? {} : { previewReplicaCount: d.previewReplicas }),
          ...(d.prePromotionAnalysis === null ? {} : { prePromotionAnalysis: ref("pre-promotion", d.prePromotionAnalysis) }),
          ...(d.postPromotionAnalysis === null ? {} : { postPromotionAnalysis: ref("post-promotion", d.postPromotionAnalysis) }),
          ...delays,
        },
      };
    case "rolling":
      return { canary: { maxSurge: d.maxSurge, maxUnavailable: d.maxUnavailable, ...(d.analysis === null ? {} : { analysis: ref("analysis", d.analysis) }) } };
    case "canary": {
      if (d.onInconclusive === "abort") diagnostics.unsupported(where, "onInconclusive abort", "an inconclusive analysis pauses a Rollout; Rollouts cannot abort on it", "use onInconclusive: pause, and abort by hand (kubectl argo rollouts abort)");
      const weights = d.steps.some((step) => step.kind === "setWeight");
      if (weights && !withRouting) {
        diagnostics.approximated(where, "setWeight", `without a traffic router the weights are replica ratios of ${d.replicas} replica${d.replicas === 1 ? "" : "s"} (Rollouts rounds to whole pods)`, "name a traffic router in the target profile (argo.trafficRouting)");
      }
      if (!withRouting && d.scaleDownDelayMs > 0) {
        diagnostics.approximated(where, "scaleDownDelay", "without a traffic router the old pods are scaled down as the new ones come up: no delay", "name a traffic router in the target profile (argo.trafficRouting)");
      }
      return {
        canary: {
          ...(withRouting ? { stableService: name, canaryService: preview, trafficRouting: profile.trafficRouting, ...delays } : {}),
          ...(d.analysis === null ? {} : { analysis: ref("background", d.analysis) }),
          steps: d.steps.map((step, index) => canaryStep(step, index, ref, where, diagnostics)),
        },
      };
    }
  }
}

function canaryStep(step: CanaryStep, index: number, ref: (label: string, analysis: Analysis) => Doc, where: Where, diagnostics: TargetDiagnostics): Doc {
  switch (step.kind) {
    case "setWeight":
      if (!Number.isInteger(step.weight)) diagnostics.unsupported(where, "setWeight", `${step.weight}%: Rollouts sets whole percentages`, "use a whole number");
      return { setWeight: Math.round(step.weight) };
    case "pause":
      return { pause: step.durationMs === null ? {} : { duration: duration(step.durationMs) } };
    case "analysis":
      return { analysis: ref(`step-${index + 1}`, step.analysis) };
    case "approval":
      if (step.timeoutMs !== null && step.onTimeout === "promote") return { pause: { duration: duration(step.timeoutMs) } };
      if (step.timeoutMs !== null) {
        diagnostics.approximated(where, `approval ${step.name}`, `the ${formatDuration(step.timeoutMs)} timeout is not kept: a paused Rollout waits until promoted (kubectl argo rollouts promote) or aborted by hand`, "drop the timeout, or use onTimeout: promote (a timed pause)");
      }
      return { pause: {} };
  }
}

function container(plan: Plan, job: Job, d: Deployment, image: string, profile: TargetProfile["argo"], where: Where, diagnostics: TargetDiagnostics): Doc {
  const env: Doc[] = [{ name: "PORT", value: String(APP_PORT) }];
  for (const name of Object.keys(d.target.env).sort()) {
    const value = d.target.env[name] as EnvValue;
    if (typeof value === "object") env.push({ name, valueFrom: { secretKeyRef: secretRef(value.secret, profile, where, diagnostics) } });
    else env.push({ name, value: resolve(value, plan, job, where, `target env ${name}`, diagnostics) });
  }
  const command = d.target.kind === "docker" ? d.target.command : null;
  const h = d.healthCheck;
  if (h.http !== null && (h.http.expectStatus[0] !== 200 || h.http.expectStatus[1] !== 399)) {
    diagnostics.unsupported(where, "healthCheck expectStatus", `${h.http.expectStatus.join("-")}: a Kubernetes probe counts 200-399 as healthy, always`, "answer the health path with 200-399");
  }
  const probe = h.http !== null ? { httpGet: { path: h.http.path, port: "http" } } : h.command !== null ? { exec: { command: h.command } } : h.tcp ? { tcpSocket: { port: "http" } } : null;
  if (probe !== null && (h.intervalMs % 1000 !== 0 || h.timeoutMs % 1000 !== 0 || h.initialDelayMs % 1000 !== 0)) {
    diagnostics.approximated(where, "healthCheck timing", "a probe counts whole seconds: the interval, timeout and initial delay are rounded up");
  }
  return {
    name: "app",
    image,
    ...(command === null ? {} : { args: command.map((arg) => resolve(arg, plan, job, where, "target command", diagnostics)) }),
    env,
    ports: [{ name: "http", containerPort: APP_PORT, protocol: "TCP" }],
    ...(probe === null
      ? {}
      : {
          readinessProbe: {
            ...probe,
            periodSeconds: seconds(h.intervalMs),
            timeoutSeconds: seconds(h.timeoutMs),
            ...(h.initialDelayMs === 0 ? {} : { initialDelaySeconds: seconds(h.initialDelayMs) }),
            failureThreshold: h.failureThreshold,
            successThreshold: h.successThreshold,
          },
        }),
  };
}

/**
 * A target template as Argo fills it: `${X}` of a declared variable becomes the workflow parameter,
 * `${X:-word}` / `${X:+word}` an expression tag over it (Argo always sets a parameter, so only
 * emptiness decides, as in pipec's resolver), and a literal pipeline or job env value is written in.
 * What only pipec's resolver knows (system variables, templated env, nested templates) is refused.
 */
function resolve(text: string, plan: Plan, job: Job, where: Where, feature: string, diagnostics: TargetDiagnostics): string {
  let out = "";
  for (const part of parseTemplateParts(text)) {
    if (part.kind === "text") {
      out += part.value;
      continue;
    }
    const { name, operator } = part.ref;
    const word = part.word.every((p) => p.kind === "text") ? part.word.map((p) => (p as { value: string }).value).join("") : null;
    const literal = [job.env[name], plan.env[name]].find((value) => value !== undefined);
    if (operator !== null && (word === null || /['{}\\]/.test(word))) {
      diagnostics.unsupported(where, feature, `${JSON.stringify(text)}: the word after ${operator} must be plain text here (no quotes, braces or templates)`, `write \${${name}${operator}plain-text}`);
    } else if (Object.hasOwn(plan.vars, name)) {
      const value = `workflow.parameters.${name}`;
      out += operator === null ? parameter(name) : operator === ":-" ? `{{=${value} == '' ? '${word}' : ${value}}}` : `{{=${value} != '' ? '${word}' : ''}}`;
    } else if (typeof literal === "string" && !literal.includes("$")) {
      out += operator === null ? literal : operator === ":-" ? (literal === "" ? word : literal) : literal === "" ? "" : word;
    } else {
      diagnostics.unsupported(where, feature, `${JSON.stringify(text)}: \${${name}} is known to pipec at run time only`, "use a declared variable (vars) or a literal env value");
    }
  }
  return out;
}
