/**
 * `pipec artifacts ls|get|verify|gc|pin`: the artifact store from the command line. main.ts hands
 * over the words after `artifacts`; this file parses them with its own commander program, calls the
 * store, renders, and returns the exit code: 0 ok, 1 verify found problems (or a restore hit a damaged
 * artifact, or a gc is already running), 2 bad input (unknown artifact, bad flags).
 */
import { existsSync, statSync } from "node:fs";
import { rename, rm } from "node:fs/promises";
import { relative } from "node:path";
import { Command, CommanderError, Option } from "commander";
import {
  ArtifactAmbiguousError,
  ArtifactError,
  ArtifactIntegrityError,
  ArtifactNotFoundError,
  ArtifactStoreBusyError,
  defaultStoreRoot,
  formatBytes,
  openArtifactStore,
  shortId,
  type ArtifactInfo,
  type ArtifactStore,
  type RetentionPolicy,
} from "../../runtime/artifacts/index.ts";
import { parseDuration } from "../../runtime/plan/duration.ts";
import { parseByteSize } from "../../runtime/plan/size.ts";
import { EXIT } from "../exit-codes.ts";
import type { Terminal } from "../output.ts";
import { currentProjectRoot } from "../project.ts";

class UsageError extends Error {}

export async function artifactsCommand(args: readonly string[], terminal: Terminal): Promise<number> {
  let code: number = EXIT.ok;
  const defaultStore = display(defaultStoreRoot(currentProjectRoot()));
  let storeDir = defaultStore;
  const open = () => {
    // A store that is a file would read as empty ("intact", "no artifacts"): say what it is instead.
    if (existsSync(storeDir) && !statSync(storeDir).isDirectory()) throw new UsageError(`--store ${display(storeDir)} is a file, not an artifact store folder; pass the store's folder (default ${defaultStore})`);
    return openArtifactStore(storeDir);
  };
  const run = (action: (store: ArtifactStore) => Promise<number>) => async () => {
    code = await action(open());
  };
  const program = new Command("pipec artifacts")
    .description("the content-addressed artifact store")
    .option("--store <dir>", "the store directory (default: .pipec/store at the project root)", defaultStore)
    .hook("preAction", (command) => {
      storeDir = (command.opts() as { store: string }).store;
    })
    .exitOverride()
    .showHelpAfterError("(run pipec artifacts --help for usage)")
    .configureOutput({ writeOut: (text) => terminal.out(text), writeErr: (text) => terminal.err(text) });

  program
    .command("ls")
    .description("list artifacts, newest first")
    .option("--json", "print as JSON")
    .action((flags: { json?: boolean }) => run((store) => listArtifacts(store, flags, terminal, storeDir))());
  program
    .command("get")
    .description("restore an artifact (ID, ID prefix, or output name like dist or build.dist) into a directory")
    .argument("<artifact>")
    .option("--run <run>", "with a name: the artifact of this run (default: the newest)")
    .requiredOption("-o, --output <dir>", "the directory to restore into")
    .action((ref: string, flags: { run?: string; output: string }) => run((store) => getArtifact(store, ref, flags, terminal, storeDir))());
  program
    .command("verify")
    .description("re-hash every object and check every artifact; exit 1 when something is damaged")
    .action(() => run((store) => verifyArtifacts(store, terminal, storeDir))());
  program
    .command("gc")
    .description("delete expired artifacts, those the policies name, and unreferenced files; print each and why")
    .option("--dry-run", "print what would be deleted, delete nothing")
    .option("--max-age <duration>", "delete artifacts unused for longer (7d, 12h)")
    .option("--max-size <size>", "keep the store under this size, least recently used first (10g, 500m)")
    .option("--keep-runs <n>", "keep only the artifacts of the last N runs of each pipeline")
    .action((flags: GcFlags) => run((store) => gcArtifacts(store, flags, terminal, storeDir))());
  program
    .command("pin")
    .description("keep an artifact whatever the retention policies say (--off to release it)")
    .argument("<artifact>")
    .addOption(new Option("--off", "unpin"))
    .action((ref: string, flags: { off?: boolean }) => run((store) => pinArtifact(store, ref, flags, terminal, storeDir))());

  try {
    await program.parseAsync(args, { from: "user" });
    return code;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.invalidInput;
    return reportError(error, terminal, storeDir);
  }
}

function reportError(error: unknown, terminal: Terminal, storeDir: string): number {
  if (error instanceof ArtifactNotFoundError) {
    terminal.err(`pipec artifacts: no artifact ${error.ref} in ${display(storeDir)}; pipec artifacts ls lists them\n`);
    return EXIT.invalidInput;
  }
  if (error instanceof UsageError || error instanceof ArtifactAmbiguousError) {
    terminal.err(`pipec artifacts: ${error.message}\n`);
    return EXIT.invalidInput;
  }
  if (error instanceof Error && typeof (error as NodeJS.ErrnoException).code === "string" && (error as NodeJS.ErrnoException).syscall !== undefined) {
    // A file system refusal (-o naming a file, no permission): the user's to fix.
    terminal.err(`pipec artifacts: ${fsProblem(error as NodeJS.ErrnoException, storeDir)}\n`);
    return EXIT.invalidInput;
  }
  if (error instanceof ArtifactIntegrityError || error instanceof ArtifactStoreBusyError || error instanceof ArtifactError) {
    terminal.err(`pipec artifacts: ${error.message}\n`);
    return EXIT.failed;
  }
  throw error;
}

async function listArtifacts(store: ArtifactStore, flags: { json?: boolean }, terminal: Terminal, storeDir: string): Promise<number> {
  const infos = await store.list();
  if (flags.json) {
    terminal.out(`${JSON.stringify(infos, null, 2)}\n`);
    return EXIT.ok;
  }
  if (infos.length === 0) {
    terminal.err(`no artifacts in ${display(storeDir)} (pipec run stores the outputs jobs declare)\n`);
    return EXIT.ok;
  }
  const rows = infos.map((a) => [`${a.job}.${a.name}`, shortId(a.id), a.runId, formatBytes(a.bytes), `${a.files}`, when(a.createdAt), a.expiresAt ? when(a.expiresAt) : "never", a.pinned ? "pinned" : ""]);
  terminal.out(table([["NAME", "ID", "RUN", "SIZE", "FILES", "CREATED", "EXPIRES", ""], ...rows]));
  return EXIT.ok;
}

async function getArtifact(store: ArtifactStore, ref: string, flags: { run?: string; output: string }, terminal: Terminal, storeDir: string): Promise<number> {
  const info = await resolveRef(store, ref, flags.run);
  const holder = `cli-get-${process.pid}`;
  await store.acquire(holder, [info.id]);
  try {
    const result = await restoreAllOrNothing(store, info.id, flags.output);
    terminal.err(`restored ${info.job}.${info.name} (${shortId(info.id)}, run ${info.runId}) from ${display(storeDir)}: ${result.files + result.symlinks} files, ${formatBytes(result.bytes)} into ${flags.output}\n`);
  } finally {
    await store.release(holder);
  }
  return EXIT.ok;
}

/**
 * Into a folder that does not exist yet, all or nothing: restored beside it under a temp name and
 * renamed into place once every file checked out, so a damaged artifact leaves no half a tree. Into
 * an existing folder, file by file (each file is checked before it is written; earlier ones stay).
 */
async function restoreAllOrNothing(store: ArtifactStore, id: string, output: string): ReturnType<ArtifactStore["restore"]> {
  if (existsSync(output)) return store.restore(id, output);
  const staging = `${output.replace(/\/+$/, "")}.pipec-get-${process.pid}`;
  try {
    const result = await store.restore(id, staging);
    await rename(staging, output);
    return result;
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    throw error;
  }
}

async function verifyArtifacts(store: ArtifactStore, terminal: Terminal, storeDir: string): Promise<number> {
  const problems = await store.verify();
  for (const problem of problems) terminal.out(`${problem.kind}: ${problem.message}\n`);
  if (problems.length === 0) {
    terminal.err(`${display(storeDir)}: every object and artifact is intact\n`);
    return EXIT.ok;
  }
  terminal.err(`${display(storeDir)}: ${problems.length} problem${problems.length === 1 ? "" : "s"}; run the jobs that produced the damaged artifacts again, or let pipec artifacts gc remove them\n`);
  return EXIT.failed;
}

interface GcFlags {
  readonly dryRun?: boolean;
  readonly maxAge?: string;
  readonly maxSize?: string;
  readonly keepRuns?: string;
}

async function gcArtifacts(store: ArtifactStore, flags: GcFlags, terminal: Terminal, storeDir: string): Promise<number> {
  const policy = parsePolicy(flags);
  const report = await store.gc({ dryRun: flags.dryRun ?? false, policy });
  const verb = report.dryRun ? "would delete" : "deleted";
  for (const d of report.deleted) terminal.out(`${verb} ${d.name} ${shortId(d.id)} (run ${d.runId}): ${d.reason}\n`);
  for (const p of report.protected) terminal.out(`kept ${p.name} ${shortId(p.id)}: ${p.reason}\n`);
  for (const c of report.cacheEntries) terminal.out(`${verb} cache entry ${c.key}: ${c.reason}\n`);
  for (const holder of report.staleHolders) terminal.out(`${verb} references of ${holder}: its process is gone\n`);
  for (const problem of report.problems) terminal.err(`warning: ${problem} (pipec artifacts verify tells more)\n`);
  if (report.objectsSkipped) terminal.err(`note: ${report.objectsSkipped}\n`);
  if (report.overLimit) terminal.err(`warning: the store is still ${formatBytes(report.bytesAfter)}, over --max-size: the rest is pinned or in use\n`);
  const parts = [`${report.deleted.length} artifact${report.deleted.length === 1 ? "" : "s"}`, `${report.orphanObjects} unreferenced object${report.orphanObjects === 1 ? "" : "s"}`, `${report.tempFiles} temp file${report.tempFiles === 1 ? "" : "s"}`];
  terminal.err(`${display(storeDir)}: ${report.dryRun ? "would free" : "freed"} ${formatBytes(report.freedBytes)} (${parts.join(", ")}); ${formatBytes(report.bytesAfter)} in use\n`);
  return EXIT.ok;
}

function parsePolicy(flags: GcFlags): RetentionPolicy {
  const policy: { maxAgeMs?: number; maxTotalBytes?: number; keepRunsPerPipeline?: number } = {};
  if (flags.maxAge !== undefined) {
    const ms = parseDuration(flags.maxAge);
    if (ms === undefined) throw new UsageError(`--max-age ${flags.maxAge}: expected a duration like 7d, 12h or 30m`);
    policy.maxAgeMs = ms;
  }
  if (flags.maxSize !== undefined) {
    const bytes = parseByteSize(flags.maxSize);
    if (bytes === undefined) throw new UsageError(`--max-size ${flags.maxSize}: expected a size like 10g, 500m or 2GiB`);
    policy.maxTotalBytes = bytes;
  }
  if (flags.keepRuns !== undefined) {
    const n = Number(flags.keepRuns);
    if (!/^\d+$/.test(flags.keepRuns) || n < 1) throw new UsageError(`--keep-runs ${flags.keepRuns}: expected a whole number of at least 1`);
    policy.keepRunsPerPipeline = n;
  }
  return policy;
}

async function pinArtifact(store: ArtifactStore, ref: string, flags: { off?: boolean }, terminal: Terminal, storeDir: string): Promise<number> {
  const info = await resolveRef(store, ref, undefined);
  await store.pin(info.id, !flags.off);
  terminal.err(`${flags.off ? "unpinned" : "pinned"} ${info.job}.${info.name} ${shortId(info.id)} (run ${info.runId}) in ${display(storeDir)}\n`);
  return EXIT.ok;
}

/** An id, an id prefix, or an output name (`dist`, `build.dist`; the newest, or the one of `run`). */
async function resolveRef(store: ArtifactStore, ref: string, run: string | undefined): Promise<ArtifactInfo> {
  if (/^[0-9a-f]{4,64}$/i.test(ref)) {
    try {
      const info = await store.get(ref);
      if (run === undefined || info.runId === run) return info;
      throw new UsageError(`artifact ${ref} is from run ${info.runId}, not ${run}`);
    } catch (error) {
      if (!(error instanceof ArtifactNotFoundError)) throw error;
    }
  }
  const found = await store.find(ref, run === undefined ? {} : { runId: run });
  if (!found) throw new ArtifactNotFoundError(run === undefined ? ref : `${ref} of run ${run}`, store.root);
  return found;
}

/** A file system error as a sentence: which path, what is wrong, and what to change. */
function fsProblem(error: NodeJS.ErrnoException, storeDir: string): string {
  const path = error.path === undefined ? "" : display(error.path);
  const where = path === "" ? "" : ` ${path}`;
  const inStore = error.path !== undefined && !relative(storeDir, error.path).startsWith("..");
  const fix = inStore ? `check the store (--store ${display(storeDir)}) and its permissions` : "choose another -o folder";
  switch (error.code) {
    case "EEXIST":
    case "ENOTDIR":
      return `cannot ${error.syscall}${where}: a file is in the way where a folder is needed; ${fix}`;
    case "EACCES":
    case "EPERM":
    case "EROFS":
      return `cannot ${error.syscall}${where}: permission denied; ${fix}`;
    case "ENOSPC":
      return `cannot ${error.syscall}${where}: the disk is full; free some space (pipec artifacts gc) and try again`;
    default:
      return `${error.message}; ${fix}`;
  }
}

function display(storeDir: string): string {
  const rel = relative(process.cwd(), storeDir);
  return rel === "" ? "." : rel.startsWith("..") ? storeDir : rel;
}

function when(iso: string): string {
  return `${iso.slice(0, 16)}Z`;
}

function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  return rows.map((row) => `${row.map((cell, i) => cell.padEnd(widths[i]!)).join("  ").trimEnd()}\n`).join("");
}
