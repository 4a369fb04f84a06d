/** `pipec runs` and `pipec logs RUN [JOB]`: what earlier runs did, from `.pipec/runs/`. */
import { createReadStream, existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { CACHED_LOG_SUFFIX, listRunIds, readRunEvents, readRunState, runDir, runProcessAlive } from "../../runtime/run/index.ts";
import { EXIT } from "../exit-codes.ts";
import type { Terminal } from "../output.ts";
import { currentProjectRoot } from "../project.ts";
import { formatMs } from "../reporters/format.ts";

export function runsCommand(flags: { json?: boolean }, terminal: Terminal): number {
  const root = currentProjectRoot();
  const rows = listRunIds(root).map((id) => {
    const state = readRunState(root, id);
    if (state) {
      const ms = state.finishedAt ? Date.parse(state.finishedAt) - Date.parse(state.startedAt) : null;
      return { id, pipeline: state.pipeline, status: state.status, startedAt: state.startedAt, durationMs: ms };
    }
    // No readable state: the run is going on, was killed before it could write one (its process is
    // gone), or state.json could not be written or is damaged. Its events still tell, including how it ended.
    const events = readRunEvents(root, id);
    const started = events.find((e) => e.type === "run.started");
    const finished = events.find((e) => e.type === "run.finished");
    const pipeline = started?.type === "run.started" ? started.pipeline : "?";
    if (finished?.type === "run.finished") return { id, pipeline, status: finished.status, startedAt: started?.time ?? "", durationMs: finished.durationMs };
    return { id, pipeline, status: runProcessAlive(runDir(root, id)) ? "running" : "killed", startedAt: started?.time ?? "", durationMs: null };
  });
  if (flags.json) {
    terminal.out(`${JSON.stringify(rows, null, 2)}\n`);
    return EXIT.ok;
  }
  if (rows.length === 0) {
    terminal.err("no runs yet in .pipec/runs (pipec run FILE starts one)\n");
    return EXIT.ok;
  }
  for (const row of rows) {
    terminal.out(`${row.id}  ${row.status.padEnd(10)}  ${(row.durationMs === null ? "" : formatMs(row.durationMs)).padStart(7)}  ${row.pipeline}\n`);
  }
  return EXIT.ok;
}

export async function logsCommand(run: string, job: string | undefined, terminal: Terminal): Promise<number> {
  const root = currentProjectRoot();
  const id = run === "last" ? listRunIds(root)[0] : run;
  const dir = id ? runDir(root, id) : null;
  // A run id is one folder name: "..", "a/b" and the like name no run.
  if (!id || !dir || !/^[\w.-]+$/.test(id) || id === "." || id === ".." || !existsSync(dir)) {
    terminal.err(`pipec logs: no run ${run} in .pipec/runs (see pipec runs)\n`);
    return EXIT.invalidInput;
  }
  // No logs folder: the run ended before any job started, or the folder was removed by hand.
  const files = existsSync(join(dir, "logs")) ? readdirSync(join(dir, "logs")) : [];
  // A job that was a cache hit has no log of its own: `<job>.cached` names the run whose log it is.
  const cachedFrom = new Map(files.filter((f) => f.endsWith(CACHED_LOG_SUFFIX)).map((f) => [f.slice(0, -CACHED_LOG_SUFFIX.length), readFileSync(join(dir, "logs", f), "utf8").trim()]));
  const logs = [...new Set([...files.filter((f) => f.endsWith(".log")).map((f) => f.slice(0, -4)), ...cachedFrom.keys()])].sort();
  if (job === undefined && logs.length === 0) {
    terminal.err(`pipec logs: run ${id} has no job logs in ${join(".pipec", "runs", id, "logs")} (no job of it started, or they were removed); pipec runs shows how it ended\n`);
    return EXIT.ok;
  }
  const wanted = job === undefined ? logs : logs.filter((name) => name === job);
  if (job !== undefined && wanted.length === 0) {
    terminal.err(`pipec logs: run ${id} has no log for job "${job}" (jobs with logs: ${logs.join(", ") || "none"})\n`);
    return EXIT.invalidInput;
  }
  for (const name of wanted) {
    const from = cachedFrom.get(name);
    if (from === undefined) {
      if (job === undefined) terminal.out(`=== ${name}\n`);
      for await (const chunk of createReadStream(join(dir, "logs", `${name}.log`), { encoding: "utf8" })) terminal.out(chunk as string);
      continue;
    }
    // The cached job's log is the one of the run that ran it; say so on stderr, so stdout stays the log.
    const source = /^[\w.-]+$/.test(from) && from !== "." && from !== ".." ? join(runDir(root, from), "logs", `${name}.log`) : null;
    if (job === undefined) terminal.out(`=== ${name} (cached: the log of run ${from})\n`);
    else terminal.err(`pipec logs: ${name} was a cache hit in run ${id}; this is its log from run ${from}\n`);
    if (source === null || !existsSync(source)) {
      terminal.err(`pipec logs: the log of ${name} in run ${from} is gone (that run was removed); run the job again with pipec run --no-cache\n`);
      continue;
    }
    for await (const chunk of createReadStream(source, { encoding: "utf8" })) terminal.out(chunk as string);
  }
  return EXIT.ok;
}
