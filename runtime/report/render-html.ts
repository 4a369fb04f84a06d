/**
 * The run report as one self-contained HTML page (a pure function of the model): inline CSS, inline
 * SVG, a few lines of inline script, and a Content-Security-Policy that lets the page load nothing
 * from anywhere. Every text from the run is escaped.
 */
import { describeFigures, type DoraFigures } from "../metrics/index.ts";
import { escapeHtml as esc } from "./escape.ts";
import type { RunModel } from "./run-model.ts";
import { dagSvg, formatMs, ganttSvg, statusClass, weightsSvg } from "./svg.ts";

export interface ReportPage {
  readonly run: RunModel;
  /** DORA figures of the deployments this run deploys (or of every deployment); empty: none has a history. */
  readonly dora: readonly DoraFigures[];
  /** Why there are no figures (a repository without commits), or null. */
  readonly doraProblem: string | null;
  /** The window the figures cover, in words (`the last 30 days`). */
  readonly doraWindow: string;
  /** When the report was made (ISO 8601). */
  readonly generatedAt: string;
}

export function renderReportHtml(page: ReportPage): string {
  const { run } = page;
  const sections = [summary(run), graph(run), timeline(run), tests(run), gates(run), artifacts(run), deployments(run), dora(page), logs(run)];
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(`${run.pipeline} · run ${run.runId} · ${run.status}`)}</title>
<style>${CSS}</style>
</head>
<body>
${sections.join("\n")}
<footer>pipec run report, made ${esc(page.generatedAt)}</footer>
<script>${SCRIPT}</script>
</body>
</html>
`;
}

function summary(run: RunModel): string {
  const commit = run.commit;
  const rows: Array<[string, string]> = [
    ["status", `<span class="status ${statusClass(run.status)}">${esc(run.status)}</span>${run.reason === null ? "" : ` ${esc(run.reason)}`}`],
    ["started", esc(run.startedAt)],
    ["duration", esc(formatMs(run.durationMs))],
    ["executor", esc(run.executor ?? "-")],
    ["commit", commit === null ? "not a git checkout" : `<code>${esc(commit.sha.slice(0, 12))}</code>${commit.branch === null ? "" : ` on ${esc(commit.branch)}`}${commit.tag === null ? "" : `, tag ${esc(commit.tag)}`}${commit.authorTime === null ? "" : `, authored ${esc(commit.authorTime)}`}`],
    ["critical path", run.criticalPath.length === 0 ? "-" : `${run.criticalPath.map(esc).join(" → ")}${run.criticalPathMs === null ? "" : ` (${esc(formatMs(run.criticalPathMs))})`}`],
  ];
  const notices = run.notices.length === 0 ? "" : `<ul class="notices">${run.notices.map((n) => `<li>${esc(n)}</li>`).join("")}</ul>`;
  return `<header id="summary"><h1>${esc(run.pipeline)} <small>run ${esc(run.runId)}</small></h1><table class="facts">${rows.map(([k, v]) => `<tr><th>${k}</th><td>${v}</td></tr>`).join("")}</table>${notices}</header>`;
}

function graph(run: RunModel): string {
  return `<section id="graph"><h2>Job graph</h2><div class="scroll">${dagSvg(run.jobs)}</div></section>`;
}

function timeline(run: RunModel): string {
  const legend = `<p class="legend"><span class="key ok"></span>success <span class="key bad"></span>failed <span class="key off"></span>skipped or cancelled <span class="key critical"></span>critical path (thin bars inside: steps)</p>`;
  const table = run.jobs
    .map((j) => `<tr class="${statusClass(j.status)}${j.critical ? " critical" : ""}" data-job="${esc(j.id)}"><td>${esc(j.name)}</td><td>${esc(j.status)}${j.cached ? " (cache hit)" : ""}</td><td>${j.attempts}</td><td>${j.start === null || j.end === null ? "-" : esc(formatMs(j.end - j.start))}</td><td>${j.critical ? "yes" : ""}</td><td>${esc(j.reason ?? "")}</td></tr>`)
    .join("");
  return `<section id="timeline"><h2>Timeline</h2>${legend}<div class="scroll">${ganttSvg(run.jobs, run.durationMs)}</div><table class="jobs"><thead><tr><th>job</th><th>status</th><th>attempts</th><th>duration</th><th>critical</th><th>reason</th></tr></thead><tbody>${table}</tbody></table></section>`;
}

function tests(run: RunModel): string {
  if (run.reports.length === 0) return `<section id="tests"><h2>Tests</h2><p class="empty">No job of this run has test or coverage reports.</p></section>`;
  const pct = (v: number | null) => (v === null ? "-" : `${(v * 100).toFixed(1)}%`);
  const rows = run.reports
    .map((r) => {
      const t = r.tests;
      const counts = t === null ? `<td colspan="4">no JUnit report</td>` : `<td>${t.total}</td><td>${t.passed}</td><td class="${t.failed + t.errors > 0 ? "bad" : ""}">${t.failed + t.errors}</td><td>${t.skipped}</td>`;
      const cov = r.coverage === null ? `<td colspan="3">no coverage report</td>` : `<td>${pct(r.coverage.line)}</td><td>${pct(r.coverage.branch)}</td><td>${pct(r.coverage.function)}</td>`;
      return `<tr data-job="${esc(r.job)}"><td>${esc(r.job)}</td>${counts}${cov}</tr>`;
    })
    .join("");
  const failures = run.reports.flatMap((r) => r.failures.map((f) => `<tr class="bad"><td>${esc(r.job)}</td><td>${esc(f.name)}</td><td>${esc(f.file === null ? "" : `${f.file}${f.line === null ? "" : `:${f.line}`}`)}</td><td><pre>${esc(f.message)}</pre></td></tr>`));
  const problems = run.reports.flatMap((r) => r.problems.map((p) => `<li>${esc(r.job)}: ${esc(p)}</li>`));
  return `<section id="tests"><h2>Tests</h2><table class="tests"><thead><tr><th>job</th><th>tests</th><th>passed</th><th>failed</th><th>skipped</th><th>line coverage</th><th>branch</th><th>function</th></tr></thead><tbody>${rows}</tbody></table>${
    failures.length === 0 ? "" : `<h3>Failed tests</h3><table class="failures"><thead><tr><th>job</th><th>test</th><th>file</th><th>message</th></tr></thead><tbody>${failures.join("")}</tbody></table>`
  }${problems.length === 0 ? "" : `<ul class="notices">${problems.join("")}</ul>`}</section>`;
}

function gates(run: RunModel): string {
  if (run.gates.length === 0) return `<section id="gates"><h2>Quality gates</h2><p class="empty">No job of this run has quality gates.</p></section>`;
  const rows = run.gates.flatMap((g) =>
    g.gates.map((gate) => `<tr class="${gate.ok ? "ok" : "bad"}"><td>${esc(g.job)}</td><td>${esc(gate.metric)}${gate.file === null ? "" : ` (${esc(gate.file)})`}</td><td>${gate.value === null ? "-" : esc(gate.value)}</td><td>${[gate.min === null ? "" : `min ${gate.min}`, gate.max === null ? "" : `max ${gate.max}`].filter(Boolean).join(", ")}</td><td>${gate.ok ? "passed" : "FAILED"}</td><td>${esc(gate.message)}</td></tr>`),
  );
  return `<section id="gates"><h2>Quality gates</h2><table class="gates"><thead><tr><th>job</th><th>metric</th><th>value</th><th>limit</th><th>result</th><th>message</th></tr></thead><tbody>${rows.join("")}</tbody></table></section>`;
}

function artifacts(run: RunModel): string {
  if (run.artifacts.length === 0) return `<section id="artifacts"><h2>Artifacts</h2><p class="empty">This run stored no outputs.</p></section>`;
  const rows = run.artifacts.map((a) => `<tr><td>${esc(a.job)}</td><td>${esc(a.name)}</td><td>${a.files}</td><td>${esc(formatBytes(a.bytes))}</td><td><code>${esc(a.id)}</code></td></tr>`);
  return `<section id="artifacts"><h2>Artifacts</h2><table class="artifacts"><thead><tr><th>job</th><th>output</th><th>files</th><th>size</th><th>id (pipec artifacts get ID)</th></tr></thead><tbody>${rows.join("")}</tbody></table></section>`;
}

function deployments(run: RunModel): string {
  if (run.deployments.length === 0) return `<section id="deployments"><h2>Deployments</h2><p class="empty">This run deployed nothing.</p></section>`;
  const blocks = run.deployments.map((d) => {
    const rows = d.points.map((p) => `<tr><td>${esc(formatMs(p.at))}</td><td>${esc(p.phase)}</td><td>${p.stable === null ? "-" : `${p.stable}%`}</td><td>${p.canary === null ? "-" : `${p.canary}%`}</td><td>${esc(p.message)}</td></tr>`);
    const measured = d.analysis.map((a) => `<tr class="${a.phase === "successful" ? "ok" : a.phase === "failed" ? "bad" : ""}"><td>${esc(formatMs(a.at))}</td><td>${esc(a.analysisId)}</td><td>${esc(a.metric)}</td><td>${a.value === null ? "-" : esc(a.value)}</td><td>${a.weight === null ? "-" : `${a.weight}%`}</td><td>${esc(a.phase)}</td><td>${esc(a.message)}</td></tr>`);
    const analysis = measured.length === 0 ? "" : `<table class="analysis"><thead><tr><th>at</th><th>analysis</th><th>metric</th><th>value</th><th>new at</th><th>result</th><th>measurement</th></tr></thead><tbody>${measured.join("")}</tbody></table>`;
    return `<div class="deployment" data-deployment="${esc(d.deployment)}"><h3>${esc(d.deployment)} <small>revision ${d.revision}, job ${esc(d.job)}</small></h3>${weightsSvg(d)}<table class="deploy-points"><thead><tr><th>at</th><th>phase</th><th>stable</th><th>new</th><th>status</th></tr></thead><tbody>${rows.join("")}</tbody></table>${analysis}</div>`;
  });
  return `<section id="deployments"><h2>Deployments</h2>${blocks.join("")}</section>`;
}

function dora(page: ReportPage): string {
  if (page.dora.length === 0) return `<section id="dora"><h2>Delivery metrics (DORA)</h2><p class="empty">Not enough data: ${esc(page.doraProblem ?? "no deployment has a history in .pipec/deployments yet")}.</p></section>`;
  const blocks = page.dora.map((f) => {
    const rows = describeFigures(f).map(
      (line) => `<tr data-metric="${line.metric}"><th>${esc(line.label)}</th><td class="value">${line.value === null ? "not enough data" : esc(line.value)}</td><td>${line.band === null ? "" : `<span class="band ${line.band}">${line.band}</span>`}</td><td>${esc(line.counts)}${line.note === null ? "" : `<br><small>${esc(line.note)}</small>`}</td></tr>`,
    );
    return `<h3>${f.deployment === null ? "all deployments" : esc(f.deployment)}</h3><table class="dora">${rows.join("")}</table>`;
  });
  return `<section id="dora"><h2>Delivery metrics (DORA) <small>${esc(page.doraWindow)}</small></h2>${blocks.join("")}</section>`;
}

function logs(run: RunModel): string {
  const failed = run.jobs.filter((j) => j.logTail.length > 0);
  if (failed.length === 0) return "";
  return `<section id="logs"><h2>Last lines of failed jobs</h2>${failed.map((j) => `<h3>${esc(j.name)}</h3><pre class="log">${esc(j.logTail.join("\n"))}</pre>`).join("")}</section>`;
}

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

const CSS = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px auto;max-width:1100px;padding:0 16px;color:#1d2330;background:#fff}
h1{font-size:22px;margin:0 0 8px}h1 small,h2 small,h3 small{color:#6b7385;font-weight:normal;font-size:60%}
h2{font-size:17px;border-bottom:1px solid #e3e6ec;padding-bottom:4px;margin-top:28px}h3{font-size:15px}
table{border-collapse:collapse;margin:8px 0;width:100%}th,td{text-align:left;padding:4px 8px;border-bottom:1px solid #eef0f4;vertical-align:top}
table.facts{width:auto}table.facts th{color:#6b7385;font-weight:normal}
pre{margin:0;white-space:pre-wrap;word-break:break-word}pre.log{background:#f6f7f9;padding:8px;border-radius:4px;font-size:12px}
.scroll{overflow-x:auto}.empty{color:#6b7385}.notices{color:#8a5a00}
.status{padding:1px 8px;border-radius:10px;color:#fff}.status.ok{background:#1f883d}.status.bad{background:#cf222e}.status.off,.status.live{background:#6b7385}
tr.bad td,td.bad{color:#cf222e}
svg text{font:12px system-ui,sans-serif;fill:#1d2330}svg .note{fill:#6b7385}
.node rect{fill:#eef0f4;stroke:#9aa1b1}.node.ok rect{fill:#dafbe1;stroke:#1f883d}.node.bad rect{fill:#ffebe9;stroke:#cf222e}.node.critical rect{stroke-width:3}
.edge{fill:none;stroke:#9aa1b1;stroke-width:1.5}.edge.critical{stroke:#8250df;stroke-width:3}.arrowhead{fill:#9aa1b1}
.tick line{stroke:#eef0f4}.tick text{fill:#6b7385;font-size:11px}
.row .bar{fill:#9aa1b1}.row.ok .bar{fill:#4ac26b}.row.bad .bar{fill:#ff8182}.row.critical .bar{stroke:#8250df;stroke-width:3}
.step{fill:#1d2330;opacity:.55}.step.bad{fill:#cf222e;opacity:.9}
.weight-line{fill:none;stroke:#0969da;stroke-width:2}.measurement{fill:#bf8700}.measurement.successful{fill:#1f883d}.measurement.failed{fill:#cf222e}.phase{fill:#0969da}.phase.degraded{fill:#cf222e}.phase.healthy{fill:#1f883d}.phase.paused{fill:#bf8700}
.legend .key{display:inline-block;width:12px;height:12px;margin:0 4px 0 12px;vertical-align:-2px;border-radius:2px}
.key.ok{background:#4ac26b}.key.bad{background:#ff8182}.key.off{background:#9aa1b1}.key.critical{border:3px solid #8250df;width:8px;height:8px}
.band{padding:1px 8px;border-radius:10px;color:#fff}.band.elite{background:#1f883d}.band.high{background:#0969da}.band.medium{background:#bf8700}.band.low{background:#cf222e}
body.focus-critical .row:not(.critical),body.focus-critical .node:not(.critical){opacity:.35}
button{font:13px system-ui,sans-serif;padding:2px 10px;margin-left:12px;vertical-align:2px}
footer{margin-top:32px;color:#6b7385;font-size:12px}
`;

/** Adds a button that dims every job off the critical path (graph and timeline). */
const SCRIPT = `
(function () {
  var heading = document.querySelector("#timeline h2");
  if (!heading || !document.querySelector(".row.critical")) return;
  var button = document.createElement("button");
  button.type = "button";
  button.id = "focus-critical";
  button.textContent = "show the critical path";
  button.addEventListener("click", function () {
    var on = document.body.classList.toggle("focus-critical");
    button.textContent = on ? "show every job" : "show the critical path";
  });
  heading.appendChild(button);
})();
`;
