/**
 * The analysis providers: a metric's `measure` action becomes a raw sample (judging is the
 * analysis engine's job). builtin → the router's per-version counters; http → the response body
 * (JSON when it parses, `jsonPath` applied); command → exit code and stdout, run on the host in the
 * job's workspace with the deployment's addresses in its environment.
 */
import { spawn } from "node:child_process";
import type { Metric } from "../../plan/schema.ts";
import type { MetricSample } from "../analysis/index.ts";
import type { Router } from "../types.ts";
import { readJsonPath } from "./json-path.ts";

export interface ProviderContext {
  /** The router whose counters describe the measured version now (the preview router before a blue-green switch). */
  readonly router: () => Router;
  /** The measured version's id on the router (`r4`). */
  readonly version: string;
  readonly cwd: string;
  /** Added to a command metric's environment (DEPLOY_LISTEN, DEPLOY_VERSION, ...). */
  readonly env: Readonly<Record<string, string>>;
}

const OUTPUT_LIMIT = 64 * 1024;

export async function measureMetric(metric: Metric, windowMs: number, context: ProviderContext): Promise<MetricSample> {
  try {
    switch (metric.provider.kind) {
      case "builtin":
        return { kind: "router", metrics: await context.router().metrics(context.version, windowMs) };
      case "http":
        return await measureHttp(metric.provider);
      case "command":
        return await measureCommand(metric.provider, context);
    }
  } catch (error) {
    return { kind: "error", message: (error as Error).message };
  }
}

async function measureHttp(provider: Extract<Metric["provider"], { kind: "http" }>): Promise<MetricSample> {
  let response: Response;
  try {
    response = await fetch(provider.url, {
      method: provider.method,
      headers: provider.headers,
      body: provider.body ?? undefined,
      signal: AbortSignal.timeout(provider.timeoutMs),
    });
  } catch (error) {
    const cause = (error as Error).name === "TimeoutError" ? `no answer within ${provider.timeoutMs} ms` : ((error as Error & { cause?: Error }).cause?.message ?? (error as Error).message);
    return { kind: "error", message: `${provider.method} ${provider.url}: ${cause}` };
  }
  const text = await response.text();
  if (!response.ok) return { kind: "error", message: `${provider.method} ${provider.url}: HTTP ${response.status}${text.trim() === "" ? "" : `: ${text.trim().slice(0, 200)}`}` };
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: the text itself is the value
  }
  if (provider.jsonPath === null) return { kind: "value", value: body };
  if (typeof body === "string") return { kind: "error", message: `${provider.url}: jsonPath ${provider.jsonPath} needs a JSON response, got ${JSON.stringify(text.slice(0, 80))}` };
  return { kind: "value", value: readJsonPath(body, provider.jsonPath) ?? null };
}

function measureCommand(provider: Extract<Metric["provider"], { kind: "command" }>, context: ProviderContext): Promise<MetricSample> {
  const [command, ...args] = provider.run;
  return new Promise((resolve) => {
    const child = spawn(command!, args, { cwd: context.cwd, env: { ...process.env, ...context.env }, detached: true, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout = (stdout + chunk.toString("utf8")).slice(-OUTPUT_LIMIT)));
    child.stderr.on("data", (chunk: Buffer) => (stderr = (stderr + chunk.toString("utf8")).slice(-OUTPUT_LIMIT)));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid!, "SIGKILL");
      } catch {
        child.kill("SIGKILL");
      }
    }, provider.timeoutMs);
    child.once("error", (error) => {
      clearTimeout(timer);
      resolve({ kind: "error", message: `${provider.run.join(" ")}: ${error.message}` });
    });
    child.once("close", (code, signal) => {
      clearTimeout(timer);
      if (timedOut) resolve({ kind: "error", message: `${provider.run.join(" ")}: no result within ${provider.timeoutMs} ms` });
      else if (code === null) resolve({ kind: "error", message: `${provider.run.join(" ")}: ended by ${signal ?? "a signal"}` });
      else resolve({ kind: "exit", code, output: (stdout.trim() === "" && code !== 0 ? stderr : stdout).trim() });
    });
  });
}
