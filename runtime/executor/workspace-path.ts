/** Where a step runs inside the job's workspace, checked before anything starts. */
import { stat } from "node:fs/promises";
import { join, posix } from "node:path";

/**
 * The step's working directory relative to the workspace root ("." for the root), normalised;
 * or an error message when it leaves the workspace or is not a directory there.
 */
export async function checkWorkingDirectory(
  workspace: string,
  stepName: string,
  workingDirectory: string,
): Promise<{ relative: string } | { error: string }> {
  const relative = posix.normalize(workingDirectory.replaceAll("\\", "/"));
  if (posix.isAbsolute(relative) || relative === ".." || relative.startsWith("../")) {
    return { error: `step "${stepName}": working directory "${workingDirectory}" is outside the workspace; use a path relative to it` };
  }
  const stats = await stat(join(workspace, relative)).catch(() => null);
  if (!stats?.isDirectory()) {
    const what = stats ? "is not a directory" : "does not exist";
    return { error: `step "${stepName}": working directory "${workingDirectory}" ${what} in the job's workspace (${workspace})` };
  }
  return { relative };
}
