/** Where deployments keep their history: `.pipec/deployments/<name>/` (no schema, so cheap to import). */
import { join } from "node:path";

export const DEPLOYMENTS_DIR = join(".pipec", "deployments");

export function deploymentDir(projectDir: string, name: string): string {
  return join(projectDir, DEPLOYMENTS_DIR, name);
}
