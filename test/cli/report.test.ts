/**
 * The run report end to end: `pipec run` of a pipeline in a git repository made here (an output, test
 * reports and a gate, a job whose name holds markup, a job that prints a secret and fails, a canary
 * deployment of a host process), then `pipec report -o report.html`, loaded in real headless Chromium
 * (Debian's, driven by playwright-core): no console errors, no request leaves the page, the elements
 * are there (not pixels), a screenshot is taken, and markup from the run is shown as text.
 */
import { execFileSync } from "node:child_process";
import { cpSync, copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../../runtime/deploy/router/listen-address.ts";
import { CHROMIUM, chromiumGate } from "../setup/require-chromium.ts";
import { noStackTrace, runPipec, runPipecAsync } from "./run-pipec.ts";

const APP = join(import.meta.dirname, "..", "setup", "images", "node-app", "server.js");
const SECRET = "hunter2-report-secret";
const gate = chromiumGate("run report in Chromium");

describe("pipec report", () => {
  let dir: string;
  let runId: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "pipec-report-e2e-"));
    const port = await freePort();
    cpSync(join(import.meta.dirname, "..", "fixtures", "reports"), join(dir, "fixtures"), { recursive: true });
    copyFileSync(APP, join(dir, "server.cjs"));
    writeFileSync(join(dir, ".gitignore"), ".pipec/\nreport*.html\n*.png\n");
    writeFileSync(
      join(dir, "ci.pipeline.ts"),
      `import { deploy, job, output, pipeline, processTarget, secret, step } from "pipec";

const compile = job("compile", {
  image: "unused",
  steps: [step("bundle", "mkdir -p dist && echo app > dist/app.txt && sleep 0.5")],
  outputs: { dist: output("dist/**") },
});
const unit = job("unit", {
  image: "unused",
  inputs: [compile.outputs.dist],
  steps: ["mkdir -p reports coverage", "cp fixtures/vitest-junit-repository.xml reports/repo.xml", "cp fixtures/cobertura-coverage.xml coverage/"],
  reports: { junit: "reports/*.xml", coverage: "coverage/cobertura-coverage.xml" },
  gates: [{ metric: "coverage.branch", min: 0.2 }],
});
const label = job("label", {
  image: "unused",
  matrix: { flavor: ["<script>window.injected=1</script>"] },
  steps: [step("<img src=x onerror=window.injected=2>", "echo labelled")],
});
const leak = job("leak", {
  image: "unused",
  env: { TOKEN: secret("TOKEN") },
  steps: [step("print", "echo token is $TOKEN; exit 3")],
});
const web = deploy.canary("web", {
  needs: [unit],
  target: processTarget({ command: ["node", "server.cjs"], env: { VERSION: "\${APP_VERSION}" } }),
  router: { listen: "127.0.0.1:${port}" },
  healthCheck: { http: { path: "/healthz" }, interval: "200ms" },
  keep: false,
  steps: [{ setWeight: 50 }, { analysis: { metrics: [{ name: "smoke", provider: { command: { run: ["sh", "-c", "echo 0"] } }, threshold: { max: 0 } }] } }],
  scaleDownDelay: "0s",
  drainTimeout: "2s",
});

export default pipeline("shop", { vars: { APP_VERSION: { default: "v1" } }, secrets: ["TOKEN"], jobs: [web, label, leak] });
`,
    );
    execFileSync("git", ["init", "-q", "-b", "main"], { cwd: dir });
    execFileSync("git", ["add", "-A"], { cwd: dir });
    execFileSync("git", ["-c", "user.email=dev@example.com", "-c", "user.name=Dev", "commit", "-q", "-m", "shop"], { cwd: dir });
    // The first deploy of a name skips steps; the second runs the canary's weight step and analysis
    // (with --no-cache, so that its other jobs run again rather than come from the cache).
    for (const version of ["v1", "v2"]) {
      const run = await runPipecAsync(["run", "--executor", "local", "--no-typecheck", "--no-cache", "--var", `APP_VERSION=${version}`], { cwd: dir, env: { TOKEN: SECRET } });
      expect(run.code, run.stdout + run.stderr).toBe(1);
    }
    runId = (JSON.parse(runPipec(["runs", "--json"], { cwd: dir }).stdout) as Array<{ id: string }>)[0]!.id;
  }, 180_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("writes one self-contained page: no outside reference, markup from the run escaped, no secret", () => {
    const result = runPipec(["report", "-o", "report.html"], { cwd: dir });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe(`wrote the report of run ${runId} to ${join(dir, "report.html")}\n`);
    const html = readFileSync(join(dir, "report.html"), "utf8");
    expect(html).not.toMatch(/(src|href)=["']?(https?:)?\/\//i);
    expect(html).not.toContain("<script>window.injected");
    expect(html).not.toContain("<img src=x");
    expect(html).toContain("&lt;script&gt;window.injected=1&lt;/script&gt;");
    expect(html).not.toContain(SECRET);
    expect(html).toContain("token is ***");
    // The same run by id, to stdout.
    const byId = runPipec(["report", runId, "-o", "-"], { cwd: dir });
    expect(byId.code).toBe(0);
    expect(byId.stdout.replace(/made [^<]+</, "")).toBe(html.replace(/made [^<]+</, ""));
  });

  describe.runIf(gate.run)("in headless Chromium", () => {
    let browser: Browser;
    beforeAll(async () => {
      gate.assertAvailable();
      browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox", "--disable-gpu"] });
    }, 60_000);
    afterAll(async () => {
      await browser?.close();
    });

    it("loads with no console errors and no request, and shows the graph, the timeline with its critical path, tests, gates, artifacts, the deployment and DORA figures", async () => {
      const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
      const problems: string[] = [];
      const requests: string[] = [];
      page.on("console", (message) => {
        if (message.type() === "error" || message.type() === "warning") problems.push(`${message.type()}: ${message.text()}`);
      });
      page.on("pageerror", (error) => problems.push(`pageerror: ${error.message}`));
      page.on("request", (request) => requests.push(request.url()));
      const url = pathToFileURL(join(dir, "report.html")).href;
      await page.goto(url, { waitUntil: "load" });

      expect(problems).toEqual([]);
      expect(requests).toEqual([url]);
      expect(await page.evaluate(() => (window as unknown as { injected?: number }).injected)).toBeUndefined();
      expect(await page.title()).toBe(`shop · run ${runId} · failed`);

      // The graph: one node per job, the needs as edges.
      expect(await page.locator("#graph svg.dag .node").count()).toBe(5);
      expect(await page.locator('#graph .edge[data-from="unit"][data-to="web"]').count()).toBe(1);
      expect(await page.locator('#graph .edge[data-from="compile"][data-to="unit"]').count()).toBe(1);
      // The timeline: a bar per job that ran, step bars inside, the critical path compile -> unit -> web.
      expect(await page.locator("#timeline svg.gantt .row").count()).toBe(5);
      expect(await page.locator("#timeline svg.gantt .row .bar").count()).toBe(5);
      expect(await page.locator('#timeline .row[data-job="compile"] .step').count()).toBe(1);
      const critical = await page.locator("#timeline svg.gantt .row.critical").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-job")));
      expect(critical.sort()).toEqual(["compile", "unit", "web"]);
      expect(await page.locator("#summary").textContent()).toContain("compile → unit → web");
      // Markup from the run shows as text.
      expect(await page.locator("#timeline table.jobs").textContent()).toContain("<script>window.injected=1</script>");
      expect(await page.locator("#timeline .row.bad .bar title").first().textContent()).toMatch(/^leak: failed/);

      // Tests, gates, artifacts.
      expect(await page.locator('#tests table.tests tr[data-job="unit"] td').allTextContents()).toEqual(["unit", "179", "178", "1", "0", "49.6%", "28.8%", "49.2%"]);
      expect(await page.locator("#tests table.failures tr.bad").count()).toBe(1);
      expect(await page.locator("#gates tr.ok").textContent()).toMatch(/unit.*coverage\.branch.*min 0\.2.*passed/);
      expect(await page.locator("#artifacts table.artifacts tbody tr").textContent()).toMatch(/^compiledist1/);
      // The deployment: its weights over time through 50% to 100%, the analysis measured at 50%, ending healthy.
      const deployment = page.locator('#deployments .deployment[data-deployment="web"]');
      expect(await deployment.locator("svg.weights .weight-line").count()).toBe(1);
      expect(await deployment.locator("table.deploy-points tbody").textContent()).toMatch(/50%/);
      expect(await deployment.locator("table.deploy-points tbody tr").last().textContent()).toMatch(/Healthy/);
      expect(await deployment.locator("svg.weights .measurement.successful").count()).toBe(1);
      expect(await deployment.locator("table.analysis tbody tr td").allTextContents()).toEqual([expect.stringMatching(/s$/), "analysis-1", "smoke", "0", "50%", "successful", expect.stringMatching(/0/)]);
      // DORA: two promoted rollouts in 30 days.
      expect(await page.locator('#dora tr[data-metric="deploymentFrequency"] .value').textContent()).toBe("2/month");
      expect(await page.locator('#dora tr[data-metric="leadTime"] .band').textContent()).toBe("elite");
      expect(await page.locator('#dora tr[data-metric="changeFailureRate"] .value').textContent()).toBe("0%");
      expect(await page.locator('#dora tr[data-metric="timeToRestore"] .value').textContent()).toBe("not enough data");
      // The failed job's last lines, masked.
      expect(await page.locator("#logs pre.log").textContent()).toContain("token is ***");

      // The script: the critical-path button dims the rest.
      await page.locator("#focus-critical").click();
      expect(await page.locator("body").getAttribute("class")).toBe("focus-critical");
      const shot = join(dir, "report.png");
      await page.screenshot({ path: shot, fullPage: true });
      expect(readFileSync(shot).subarray(1, 4).toString()).toBe("PNG");
      expect(statSync(shot).size).toBeGreaterThan(20_000);
      expect(problems).toEqual([]);
      await page.close();
    }, 60_000);
  });

  it.each([
    [["report", "nosuchrun"], /^pipec report: no run nosuchrun in \.pipec\/runs \(pipec runs lists them\)\n$/],
    [["report", "../.."], /^pipec report: no run \.\.\/\.\. in \.pipec\/runs/],
    [["report", "--since", "later"], /^pipec report: --since later: expected a duration with its unit/],
  ])("bad input %j: one line, exit 2", (args, message) => {
    const result = runPipec(args, { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    noStackTrace(result.stderr);
  });

  it("a run with no jobs, and a project with no runs: exit 2, saying so", () => {
    const empty = mkdtempSync(join(tmpdir(), "pipec-report-empty-"));
    try {
      const none = runPipec(["report"], { cwd: empty });
      expect(none.code).toBe(2);
      expect(none.stderr).toBe("pipec report: no runs yet in .pipec/runs: pipec run starts one, then pipec report shows it\n");
      // A run folder whose plan holds no jobs (written by hand or by another tool): the real run's plan, emptied.
      const run = join(empty, ".pipec", "runs", "20260101-000000-abcd");
      cpSync(join(dir, ".pipec", "runs", runId), run, { recursive: true });
      const plan = JSON.parse(readFileSync(join(run, "plan.json"), "utf8")) as { jobs: object; digest?: string };
      writeFileSync(join(run, "plan.json"), JSON.stringify({ ...plan, jobs: {} }));
      writeFileSync(join(run, "events.jsonl"), "");
      const noJobs = runPipec(["report", "20260101-000000-abcd"], { cwd: empty });
      expect(noJobs.stderr).toBe("pipec report: run 20260101-000000-abcd has no jobs: there is nothing to report\n");
      expect(noJobs.code).toBe(2);
      // A damaged plan.
      writeFileSync(join(run, "plan.json"), "{");
      const damaged = runPipec(["report", "20260101-000000-abcd"], { cwd: empty });
      expect(damaged.stderr).toMatch(/^pipec report: run 20260101-000000-abcd has no readable plan\.json/);
      expect(damaged.code).toBe(2);
      expect(existsSync(join(empty, "report.html"))).toBe(false);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
