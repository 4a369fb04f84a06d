import { TargetProfileSchema } from "../../../compiler/targets/index.ts";

/** Argo needs the cluster's side named (repository, Secret, artifact store, PromQL): the goldens show a full profile. */
export const ARGO_PROFILE = TargetProfileSchema.parse({
  argo: {
    namespace: "ci",
    serviceAccount: "pipec-runner",
    source: { repo: "https://git.example.com/team/app.git" },
    secretName: "pipec-secrets",
    artifactRepositoryRef: { configMap: "artifact-repositories", key: "default" },
    prometheus: { address: "http://prometheus.monitoring:9090", queries: { errorRate: 'sum(rate(http_requests_total{service="${DEPLOYMENT}",code=~"5.."}[1m])) / sum(rate(http_requests_total{service="${DEPLOYMENT}"}[1m]))', successRate: 'sum(rate(http_requests_total{service="${DEPLOYMENT}",code!~"5.."}[1m])) / sum(rate(http_requests_total{service="${DEPLOYMENT}"}[1m]))', latencyP99: 'histogram_quantile(0.99, sum(rate(http_request_duration_seconds_bucket{service="${DEPLOYMENT}"}[1m])) by (le)) * 1000' } },
    analysisImage: "registry.example.com/tools/node-curl:20",
    egress: ["10.0.0.0/8"],
  },
});
