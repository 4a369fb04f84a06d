/** Counters of one HAProxy proxy/server row of `show stat`. */
export interface StatRow {
  readonly proxy: string;
  readonly server: string;
  /** Responses sent, any status (HAProxy's own 502/503/504 included). */
  readonly responses: number;
  readonly errors5xx: number;
  /** Current sessions (requests in flight). */
  readonly current: number;
  /** Average response time (ms) over the last 1024 requests. */
  readonly rtimeMs: number;
}

const NUMBER_FIELDS = ["hrsp_1xx", "hrsp_2xx", "hrsp_3xx", "hrsp_4xx", "hrsp_5xx", "hrsp_other", "scur", "rtime"] as const;

/** Parses the CSV of `show stat` (the header line names the columns: "# pxname,svname,..."). */
export function parseShowStat(csv: string): StatRow[] {
  const lines = csv.split("\n").filter((line) => line.trim() !== "");
  const header = lines.shift();
  if (header === undefined || !header.startsWith("# ")) return [];
  const columns = header.slice(2).split(",");
  const at = (name: string): number => columns.indexOf(name);
  const proxyAt = at("pxname");
  const serverAt = at("svname");
  const index = Object.fromEntries(NUMBER_FIELDS.map((name) => [name, at(name)])) as Record<(typeof NUMBER_FIELDS)[number], number>;
  return lines.map((line) => {
    const cells = line.split(",");
    const num = (name: (typeof NUMBER_FIELDS)[number]): number => Number(cells[index[name]] || 0) || 0;
    return {
      proxy: cells[proxyAt] ?? "",
      server: cells[serverAt] ?? "",
      responses:
        num("hrsp_1xx") + num("hrsp_2xx") + num("hrsp_3xx") + num("hrsp_4xx") + num("hrsp_5xx") + num("hrsp_other"),
      errors5xx: num("hrsp_5xx"),
      current: num("scur"),
      rtimeMs: num("rtime"),
    };
  });
}

/** Server weights from `show servers state <backend>`: server name → user weight. */
export function parseServerWeights(text: string): Map<string, number> {
  const lines = text.split("\n");
  const header = lines.find((line) => line.startsWith("# "));
  const weights = new Map<string, number>();
  if (header === undefined) return weights;
  const columns = header.slice(2).trim().split(/\s+/);
  const nameAt = columns.indexOf("srv_name");
  const weightAt = columns.indexOf("srv_uweight");
  for (const line of lines) {
    if (line.startsWith("#") || line.trim() === "") continue;
    const cells = line.trim().split(/\s+/);
    if (cells.length <= Math.max(nameAt, weightAt)) continue;
    weights.set(cells[nameAt] as string, Number(cells[weightAt]));
  }
  return weights;
}
