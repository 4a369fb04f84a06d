/**
 * Round trip on the supported subset: a GitLab file, imported, built to a plan and emitted back to
 * GitLab, says the same as the original's expanded form (extends, defaults, anchors and stages
 * resolved). Normalised per job: image, what it waits for (the transitive needs: GitLab's stage
 * barrier and pipec's needs agree there), its scripts (before_script + script, after_script), when,
 * allow_failure, timeout, retry and whether it keeps artifacts.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import YAML from "yaml";
import { importFile } from "../../../compiler/import/index.ts";
import { expandGitlab } from "../../../compiler/import/gitlab/expand.ts";
import { ImportDiagnostics } from "../../../compiler/import/diagnostics.ts";
import { lines } from "../../../compiler/import/gitlab/map-job.ts";
import { gitlabDuration } from "../../../compiler/import/gitlab/duration.ts";
import { emitTarget, TargetProfileSchema } from "../../../compiler/targets/index.ts";
import { buildInProcess } from "./build-in-process.ts";

const FIXTURES = join(import.meta.dirname, "..", "..", "fixtures", "import");
const CASES = [
  "gitlab-templates/cases/Bash.gitlab-ci.yml",
  "gitlab-templates/cases/Go.gitlab-ci.yml",
  "gitlab-templates/cases/C++.gitlab-ci.yml",
  "gitlab-ci-local/cases/artifacts-sequence/.gitlab-ci.yml",
  "gitlab-ci-local/cases/after-script/.gitlab-ci.yml",
  "gitlab-ci-local/cases/before-script-default/.gitlab-ci.yml",
  "gitlab-ci-local/cases/needs-artifacts/.gitlab-ci.yml",
  "gitlab-ci-local/cases/plain/.gitlab-ci.yml",
  "gitlab-ci-local/cases/extends/.gitlab-ci.yml",
  "gitlab-ci-local/cases/when-always/.gitlab-ci.yml",
  "gitlab-ci-local/cases/when-on-failure/.gitlab-ci.yml",
  "gitlab-ci-local/cases/before-script/.gitlab-ci.yml",
  "gitlab-ci-local/cases/scripts-as-string/.gitlab-ci.yml",
];

interface NormalJob {
  image: string | null;
  waitsFor: string[];
  scripts: string[];
  when: string;
  allowFailure: boolean;
  timeout: string | null;
  retry: number;
  keepsFiles: boolean;
}

const out = mkdtempSync(join(tmpdir(), "pipec-import-round-trip-"));
afterAll(() => rmSync(out, { recursive: true, force: true }));

/** The original, expanded as GitLab sees it. */
function normaliseOriginal(path: string): Record<string, NormalJob> {
  const expanded = expandGitlab(".gitlab-ci.yml", readFileSync(path, "utf8"), () => null, new ImportDiagnostics())!;
  const stages = [".pre", ...((expanded.top.stages as string[] | undefined) ?? ["build", "test", "deploy"]), ".post"];
  const stageOf = new Map(expanded.jobs.map((j) => [j.name, stages.indexOf(String(j.def.stage ?? "test"))]));
  const direct = new Map(expanded.jobs.map((j) => [j.name, Array.isArray(j.def.needs) ? j.def.needs.map((n) => (typeof n === "string" ? n : String((n as { job: string }).job))) : expanded.jobs.filter((o) => stageOf.get(o.name)! < stageOf.get(j.name)!).map((o) => o.name)]));
  const defaultImage = (expanded.top.default as { image?: string } | undefined)?.image ?? (expanded.top.image as string | undefined) ?? null;
  const result: Record<string, NormalJob> = {};
  for (const job of expanded.jobs) {
    const scripts = [[...lines(job.def.before_script), ...lines(job.def.script)].join("\n"), ...(lines(job.def.after_script).length > 0 ? [lines(job.def.after_script).join("\n")] : [])];
    result[job.name] = {
      image: (typeof job.def.image === "string" ? job.def.image : null) ?? defaultImage,
      waitsFor: closure(job.name, direct),
      scripts,
      when: String(job.def.when ?? "on_success"),
      allowFailure: job.def.allow_failure === true,
      timeout: job.def.timeout === undefined ? null : gitlabDuration(String(job.def.timeout)),
      retry: typeof job.def.retry === "number" ? job.def.retry : Number((job.def.retry as { max?: number } | undefined)?.max ?? 0),
      keepsFiles: lines((job.def.artifacts as { paths?: unknown } | undefined)?.paths).length > 0,
    };
  }
  return result;
}

/** What `pipec build --target gitlab` wrote, read back: step bodies from the `sh -e -c '...'` lines. */
function normaliseEmitted(text: string, pipecTimeoutDefault: string): Record<string, NormalJob> {
  const doc = YAML.parse(text) as Record<string, Record<string, unknown>>;
  const jobs = Object.entries(doc).filter(([name]) => name !== "stages" && name !== "variables");
  const direct = new Map(jobs.map(([name, job]) => [name, ((job.needs as { job: string }[]) ?? []).map((n) => n.job)]));
  const result: Record<string, NormalJob> = {};
  for (const [name, job] of jobs) {
    const script = (job.script as string[]).join("\n");
    const scripts = [...script.matchAll(/sh -e -c ('(?:[^']|'\\'')*'|[^\s']+)/g)].map((m) => (m[1]!.startsWith("'") ? m[1]!.slice(1, -1).replace(/'\\''/g, "'") : m[1]!));
    const rule = (job.rules as { when?: string }[] | undefined)?.[0];
    result[name] = {
      image: (job.image as string | undefined) ?? null,
      waitsFor: closure(name, direct),
      scripts,
      when: String(job.when ?? rule?.when ?? "on_success"),
      allowFailure: job.allow_failure === true,
      timeout: job.timeout === pipecTimeoutDefault ? null : String(job.timeout),
      retry: Number((job.retry as { max?: number } | undefined)?.max ?? 0),
      keepsFiles: job.artifacts !== undefined,
    };
  }
  return result;
}

function closure(name: string, direct: ReadonlyMap<string, readonly string[]>): string[] {
  const seen = new Set<string>();
  const visit = (n: string) => {
    for (const need of direct.get(n) ?? []) if (!seen.has(need)) {
      seen.add(need);
      visit(need);
    }
  };
  visit(name);
  return [...seen].sort();
}

describe("GitLab round trip: import -> build -> --target gitlab equals the expanded original", () => {
  it.each(CASES)("%s", async (relative) => {
    const source = join(FIXTURES, relative);
    const imported = importFile(source, { from: "gitlab", defaultImage: "busybox:1.36" });
    expect(imported.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    const file = join(out, `${relative.replace(/[^A-Za-z0-9]+/g, "-")}.pipeline.ts`);
    writeFileSync(file, imported.text!);
    const built = await buildInProcess(file);
    expect(built.errors).toEqual([]);
    const emitted = emitTarget(built.plan!, "gitlab", { profile: TargetProfileSchema.parse({}), pipecVersion: "0.0.0", strict: false });
    expect(emitted.files).toHaveLength(1);
    const original = normaliseOriginal(source);
    // Jobs without an image ran in the runner's default; the import names one.
    for (const job of Object.values(original)) job.image ??= "busybox:1.36";
    expect(normaliseEmitted(emitted.files[0]!.content, "1h")).toEqual(original);
  });
});
