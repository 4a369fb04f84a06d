/** The report's drawings as inline SVG strings: the job graph, the Gantt timeline and a deployment's weights over time. */
import { escapeHtml as esc } from "./escape.ts";
import { layerJobs, type DeploymentSeries, type JobRow } from "./run-model.ts";

const STATUS_CLASS: Record<string, string> = { success: "ok", failed: "bad", "timed-out": "bad", cancelled: "off", skipped: "off", running: "live" };
export const statusClass = (status: string) => STATUS_CLASS[status] ?? "off";

/** The DAG, left to right by layer; needs are arrows, and arrows between critical-path jobs are marked. */
export function dagSvg(jobs: readonly JobRow[]): string {
  const layers = layerJobs(jobs);
  const W = 170;
  const H = 36;
  const GX = 60;
  const GY = 18;
  const pos = new Map<string, { x: number; y: number }>();
  layers.forEach((layer, i) => layer.forEach((id, j) => pos.set(id, { x: 10 + i * (W + GX), y: 10 + j * (H + GY) })));
  const width = 20 + layers.length * (W + GX) - GX;
  const height = 20 + Math.max(1, ...layers.map((l) => l.length)) * (H + GY) - GY;
  const byId = new Map(jobs.map((j) => [j.id, j]));
  const edges = jobs.flatMap((job) =>
    job.needs.flatMap((need) => {
      const a = pos.get(need);
      const b = pos.get(job.id);
      if (a === undefined || b === undefined) return [];
      const critical = job.critical && byId.get(need)?.critical === true;
      const [x1, y1, x2, y2] = [a.x + W, a.y + H / 2, b.x, b.y + H / 2];
      return [`<path class="edge${critical ? " critical" : ""}" data-from="${esc(need)}" data-to="${esc(job.id)}" d="M${x1},${y1} C${x1 + GX / 2},${y1} ${x2 - GX / 2},${y2} ${x2},${y2}" marker-end="url(#arrow)"/>`];
    }),
  );
  const nodes = jobs.map((job) => {
    const p = pos.get(job.id)!;
    return `<g class="node ${statusClass(job.status)}${job.critical ? " critical" : ""}" data-job="${esc(job.id)}"><title>${esc(`${job.name}: ${job.status}`)}</title><rect x="${p.x}" y="${p.y}" width="${W}" height="${H}" rx="6"/><text x="${p.x + 10}" y="${p.y + H / 2 + 4}">${esc(clip(job.name, 22))}</text></g>`;
  });
  return `<svg class="dag" role="img" aria-label="job graph" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" xmlns="http://www.w3.org/2000/svg"><defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z" class="arrowhead"/></marker></defs>${edges.join("")}${nodes.join("")}</svg>`;
}

/** One row per job: its bar from start to end, its steps inside, critical-path jobs outlined; a time axis below. */
export function ganttSvg(jobs: readonly JobRow[], totalMs: number): string {
  const LABEL = 190;
  const PLOT = 760;
  const ROW = 26;
  const span = Math.max(1, totalMs, ...jobs.map((j) => j.end ?? 0));
  const x = (ms: number) => LABEL + (ms / span) * PLOT;
  const rows = jobs.map((job, i) => {
    const y = 8 + i * ROW;
    const label = `<text class="label" x="${LABEL - 8}" y="${y + 15}" text-anchor="end">${esc(clip(job.name, 26))}</text>`;
    if (job.start === null || job.end === null) {
      return `<g class="row ${statusClass(job.status)}" data-job="${esc(job.id)}">${label}<text class="note" x="${LABEL + 4}" y="${y + 15}">${esc(job.cached ? "cache hit" : job.status)}</text></g>`;
    }
    const w = Math.max(2, x(job.end) - x(job.start));
    const steps = job.steps.map(
      (s) => `<rect class="step ${statusClass(s.status)}" x="${x(s.start)}" y="${y + 14}" width="${Math.max(1, x(s.end) - x(s.start))}" height="6"><title>${esc(`${s.name}: ${s.status}, ${formatMs(s.end - s.start)}`)}</title></rect>`,
    );
    return `<g class="row ${statusClass(job.status)}${job.critical ? " critical" : ""}" data-job="${esc(job.id)}">${label}<rect class="bar" x="${x(job.start)}" y="${y + 2}" width="${w}" height="20" rx="3"><title>${esc(`${job.name}: ${job.status}, ${formatMs(job.end - job.start)}${job.critical ? " (critical path)" : ""}`)}</title></rect>${steps.join("")}</g>`;
  });
  const height = 8 + jobs.length * ROW + 24;
  const ticks = axisTicks(span).map((t) => `<g class="tick"><line x1="${x(t)}" x2="${x(t)}" y1="4" y2="${height - 18}"/><text x="${x(t)}" y="${height - 4}" text-anchor="middle">${esc(formatMs(t))}</text></g>`);
  const width = LABEL + PLOT + 20;
  return `<svg class="gantt" role="img" aria-label="timeline of jobs and steps" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" xmlns="http://www.w3.org/2000/svg">${ticks.join("")}${rows.join("")}</svg>`;
}

/** The new version's share of the traffic (and the phase at each change) over the deployment's time. */
export function weightsSvg(series: DeploymentSeries): string {
  const W = 560;
  const H = 140;
  const L = 40;
  const points = series.points.filter((p) => p.canary !== null);
  const first = Math.min(series.points[0]?.at ?? 0, ...series.analysis.map((a) => a.at));
  const last = Math.max(first + 1, ...series.points.map((p) => p.at), ...series.analysis.map((a) => a.at));
  const x = (at: number) => L + ((at - first) / (last - first)) * (W - L - 10);
  const y = (weight: number) => 10 + (1 - weight / 100) * (H - 40);
  let path = "";
  points.forEach((p, i) => {
    path += i === 0 ? `M${x(p.at)},${y(p.canary!)}` : ` H${x(p.at)} V${y(p.canary!)}`;
  });
  if (points.length > 0) path += ` H${x(last)}`;
  const dots = series.points.map((p) => `<circle class="phase ${esc(p.phase.toLowerCase())}" cx="${x(p.at)}" cy="${y(p.canary ?? 0)}" r="4"><title>${esc(`${formatMs(p.at)} ${p.phase}: ${p.message}`)}</title></circle>`);
  // Analysis measurements as diamonds at the traffic share they were taken at.
  const measured = series.analysis.map((a) => {
    const [cx, cy] = [x(a.at), y(a.weight ?? 0)];
    return `<path class="measurement ${esc(a.phase)}" d="M${cx},${cy - 6} L${cx + 6},${cy} L${cx},${cy + 6} L${cx - 6},${cy} z"><title>${esc(`${formatMs(a.at)} ${a.analysisId} "${a.metric}": ${a.message} (${a.phase})`)}</title></path>`;
  });
  const grid = [0, 50, 100].map((w) => `<g class="tick"><line x1="${L}" x2="${W - 10}" y1="${y(w)}" y2="${y(w)}"/><text x="${L - 6}" y="${y(w) + 4}" text-anchor="end">${w}%</text></g>`);
  return `<svg class="weights" role="img" aria-label="traffic to the new version over time" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" xmlns="http://www.w3.org/2000/svg">${grid.join("")}<path class="weight-line" d="${path}"/>${dots.join("")}${measured.join("")}<text class="note" x="${L}" y="${H - 6}">${esc(formatMs(first))}</text><text class="note" x="${W - 10}" y="${H - 6}" text-anchor="end">${esc(formatMs(last))}</text></svg>`;
}

function axisTicks(span: number): number[] {
  const steps = [100, 250, 500, 1000, 2000, 5000, 10_000, 15_000, 30_000, 60_000, 120_000, 300_000, 600_000, 900_000, 1_800_000, 3_600_000];
  const step = steps.find((s) => span / s <= 10) ?? Math.ceil(span / 10);
  const ticks: number[] = [];
  for (let t = 0; t <= span; t += step) ticks.push(t);
  return ticks;
}

export function formatMs(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const minutes = Math.floor(ms / 60_000);
  return `${minutes}m${String(Math.round((ms % 60_000) / 1000)).padStart(2, "0")}s`;
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
