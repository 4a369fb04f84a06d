/** Workspaces: a run's snapshot of the project, and each job's own copy of it. */
export { snapshotProject, type SnapshotResult } from "./snapshot-project.ts";
export { createJobWorkspace } from "./job-workspace.ts";
export { treeDigest } from "./tree-digest.ts";
export type { CopyResult } from "./copy-tree.ts";
