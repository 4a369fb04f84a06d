/**
 * A deployment's analysis as an Argo Rollouts `AnalysisTemplate`: http providers become `web`
 * metrics, command providers a `job` metric (a Kubernetes Job whose script judges the command's
 * output as pipec does), builtin router metrics `prometheus` metrics with the profile's PromQL.
 * Thresholds become success/failure conditions in Rollouts' order (a matched failureCondition fails,
 * then a matched successCondition succeeds, else inconclusive), so pipec's meaning is kept.
 */
import type { Analysis, Deployment, Metric } from "../../../runtime/plan/schema.ts";
import type { TargetDiagnostics, Where } from "../common/diagnostics.ts";
import { shellJoin } from "../common/shell.ts";
import type { TargetProfile } from "../types.ts";
import { duration, seconds } from "./durations.ts";

type Doc = Record<string, unknown>;

export interface AnalysisContext {
  readonly deployment: Deployment;
  /** The Kubernetes name of the deployment (Rollout and Service). */
  readonly name: string;
  readonly namespace: string | null;
  readonly image: string;
  readonly listen: string;
  readonly previewListen: string;
  readonly profile: TargetProfile["argo"];
  readonly where: Where;
  readonly diagnostics: TargetDiagnostics;
}

export function analysisTemplate(templateName: string, analysis: Analysis, ctx: AnalysisContext): Doc {
  const dryRun = analysis.metrics.filter((m) => m.dryRun).map((m) => ({ metricName: m.name }));
  return {
    apiVersion: "argoproj.io/v1alpha1",
    kind: "AnalysisTemplate",
    metadata: { name: templateName, ...(ctx.namespace === null ? {} : { namespace: ctx.namespace }), labels: { "pipec.dev/deployment": ctx.name } },
    spec: {
      metrics: analysis.metrics.map((metric) => metricOf(metric, ctx)),
      ...(dryRun.length === 0 ? {} : { dryRun }),
    },
  };
}

function metricOf(metric: Metric, ctx: AnalysisContext): Doc {
  const feature = `metric ${metric.name}`;
  const timing: Doc = {
    ...(metric.intervalMs === null ? {} : { interval: duration(metric.intervalMs) }),
    ...(metric.count === null ? {} : { count: metric.count }),
    ...(metric.initialDelayMs === 0 ? {} : { initialDelay: duration(metric.initialDelayMs) }),
    failureLimit: metric.failureLimit,
    inconclusiveLimit: metric.inconclusiveLimit,
    consecutiveErrorLimit: metric.consecutiveErrorLimit,
  };
  const provider = metric.provider;
  switch (provider.kind) {
    case "http": {
      if (hasCriterion(metric) && metric.noData !== "fail") {
        ctx.diagnostics.approximated(ctx.where, `${feature} noData`, `an empty answer is an error measurement on Rollouts (counted by consecutiveErrorLimit), not "${metric.noData}"`, "set noData: fail, or accept errors for missing data");
      }
      const web: Doc = {
        url: provider.url,
        ...(provider.method === "GET" ? {} : { method: provider.method }),
        ...(Object.keys(provider.headers).length === 0 ? {} : { headers: Object.entries(provider.headers).map(([key, value]) => ({ key, value })) }),
        ...(provider.body === null ? {} : { body: provider.body }),
        ...(provider.jsonPath === null ? {} : { jsonPath: provider.jsonPath }),
        timeoutSeconds: seconds(provider.timeoutMs),
      };
      return { name: metric.name, ...timing, ...conditions(metric, "result", null), provider: { web } };
    }
    case "builtin": {
      const query = ctx.profile.prometheus?.queries[provider.metric];
      if (ctx.profile.prometheus === null || query === undefined) {
        ctx.diagnostics.unsupported(ctx.where, feature, `the builtin metric ${provider.metric} is measured by pipec's router, which a cluster does not have`, `give its PromQL in the target profile: argo.prometheus = { address, queries: { ${provider.metric}: "..." } } (\${DEPLOYMENT} in a query is the deployment's name)`);
        return { name: metric.name, provider: {} };
      }
      if (metric.successCondition !== null || metric.failureCondition !== null) {
        ctx.diagnostics.unsupported(ctx.where, `${feature} condition`, "pipec's condition reads the router's number; Prometheus gives a vector (result[0])", "use threshold for builtin metrics on Argo");
      }
      if (metric.minRequests > 0 && provider.metric !== "requests") {
        ctx.diagnostics.approximated(ctx.where, `${feature} minRequests`, `minRequests ${metric.minRequests} is not counted: an empty query result is what counts as no data`, "write the minimum traffic into the query, or set minRequests: 0");
      }
      return { name: metric.name, ...timing, ...conditions(metric, "result[0]", "len(result) == 0"), provider: { prometheus: { address: ctx.profile.prometheus.address, query: query.replaceAll("${DEPLOYMENT}", ctx.name) } } };
    }
    case "command": {
      if (metric.successCondition !== null || metric.failureCondition !== null) {
        ctx.diagnostics.unsupported(ctx.where, `${feature} condition`, "a command metric runs as a Kubernetes Job, whose only result is success or failure", "use threshold for command metrics on Argo");
      }
      if (hasCriterion(metric) && metric.noData === "inconclusive") {
        ctx.diagnostics.approximated(ctx.where, `${feature} noData`, "a command that prints nothing fails the measurement: a Job has no inconclusive result", "set noData: fail to say so");
      }
      if (ctx.profile.analysisImage === null) {
        ctx.diagnostics.approximated(ctx.where, `${feature} image`, `the command runs in the deployment's image (${ctx.image}), not on the machine pipec runs on`, "set argo.analysisImage in the target profile to an image with the command's programs");
      }
      return { name: metric.name, ...timing, provider: { job: commandJob(metric, provider.run, provider.timeoutMs, ctx) } };
    }
  }
}

function hasCriterion(metric: Metric): boolean {
  return metric.threshold !== null || metric.successCondition !== null || metric.failureCondition !== null;
}

/**
 * successCondition / failureCondition in Rollouts' order. `value` is how the measured number is read;
 * `empty` the test for no data (null: the provider has none to test).
 */
function conditions(metric: Metric, value: string, empty: string | null): Doc {
  const within = thresholdText(metric, value);
  const successParts = [within, metric.successCondition].filter((c): c is string => c !== null);
  let success = successParts.length === 0 ? null : successParts.length === 1 ? successParts[0]! : successParts.map(paren).join(" && ");
  let failure = metric.failureCondition === null ? null : within === null ? metric.failureCondition : `!${paren(within)} || ${paren(metric.failureCondition)}`;
  if (empty !== null && (success !== null || failure !== null)) {
    const guard = (text: string | null) => (text === null ? null : `len(result) > 0 && ${paren(text)}`);
    if (metric.noData === "pass") success = `${empty} || ${paren(success ?? "true")}`;
    else success = guard(success);
    if (metric.noData === "fail") failure = `${empty} || ${paren(failure ?? `!${paren(success ?? "true")}`)}`;
    else if (metric.noData === "inconclusive") failure = guard(failure ?? (within === null ? null : `!${paren(within)}`));
    else failure = guard(failure);
  }
  return { ...(success === null ? {} : { successCondition: success }), ...(failure === null ? {} : { failureCondition: failure }) };
}

function thresholdText(metric: Metric, value: string): string | null {
  const t = metric.threshold;
  if (t === null || (t.min === null && t.max === null)) return null;
  return [t.min === null ? null : `${value} >= ${t.min}`, t.max === null ? null : `${value} <= ${t.max}`].filter((c) => c !== null).join(" && ");
}

function paren(text: string): string {
  return /^[\w.[\]]+$/.test(text) ? text : `(${text})`;
}

/** A Job that runs the command and judges its output as pipec does (the whole output, a number, within the threshold). */
function commandJob(metric: Metric, run: readonly string[], timeoutMs: number, ctx: AnalysisContext): Doc {
  const t = metric.threshold;
  const lines = [`pipec_out=$(${shellJoin(run)}) || exit $?`, `printf '%s\\n' "$pipec_out"`];
  if (t !== null && (t.min !== null || t.max !== null)) {
    lines.push(
      `pipec_value=$(printf '%s' "$pipec_out" | tr '\\n' ' ' | sed 's/^[[:space:]]*//; s/[[:space:]]*$//')`,
      `[ -n "$pipec_value" ] || { echo 'pipec: no data: the command printed no value'; exit ${metric.noData === "pass" ? 0 : 1}; }`,
      `awk -v v="$pipec_value" -v min=${t.min ?? '""'} -v max=${t.max ?? '""'} 'BEGIN { if (v !~ /^[-+]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][-+]?[0-9]+)?$/) { print "pipec: " v " is not a number"; exit 1 } if ((min != "" && v + 0 < min + 0) || (max != "" && v + 0 > max + 0)) { print "pipec: " v " is outside the threshold"; exit 1 } print "pipec: " v " is within the threshold" }'`,
    );
  }
  return {
    spec: {
      backoffLimit: 0,
      activeDeadlineSeconds: seconds(timeoutMs),
      template: {
        spec: {
          restartPolicy: "Never",
          containers: [
            {
              name: "metric",
              image: ctx.profile.analysisImage ?? ctx.image,
              command: ["sh", "-c", `${lines.join("\n")}\n`],
              env: [
                { name: "DEPLOY_NAME", value: ctx.deployment.name },
                { name: "DEPLOY_LISTEN", value: ctx.listen },
                { name: "DEPLOY_PREVIEW_LISTEN", value: ctx.previewListen },
              ],
            },
          ],
        },
      },
    },
  };
}
