/** Workspaces: a run's content-addressed snapshot of the project, and each job's own copy of it. */
export { snapshotProject, type ProjectSnapshot, type SnapshotOptions } from "./snapshot-project.ts";
export { STAT_CACHE_FILE } from "./stat-cache.ts";
export { filesDigest, matchEntries } from "./job-files.ts";
export { removeTree } from "./remove-tree.ts";
export { removeLater } from "./remove-later.ts";
