/** Images: every job that runs steps has one, and each is a well-formed image reference. */
import type { Job } from "../../runtime/plan/schema.ts";
import { error, type Diagnostic } from "../diagnostic.ts";
import type { Draft, PlanPath } from "../draft.ts";
import { labelOf } from "../label.ts";

// Docker's reference grammar: [registry[:port]/]path[:tag][@digest], path components lowercase.
const COMPONENT = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
const REGISTRY = "(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]+)?/)";
const REFERENCE = new RegExp(`^${REGISTRY}?${COMPONENT}(?:/${COMPONENT})*(?::[\\w][\\w.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$`);

/** Why `image` is not a valid reference, or null when it is (or is a template resolved at run time). */
export function imageProblem(image: string): string | null {
  if (image.includes("${")) return null;
  if (REFERENCE.test(image)) return null;
  if (/\s/.test(image)) return "it contains whitespace";
  if (/[A-Z]/.test(image.split(/[:@]/)[0]!.split("/").slice(-1)[0]!)) return "repository names must be lowercase";
  if (/:$/.test(image)) return "the tag after ':' is empty";
  if (/@/.test(image)) return "a digest is written @sha256: followed by 64 hex characters";
  return "expected [registry/]name[:tag][@sha256:digest], like node:20 or ghcr.io/org/app:1.2";
}

export function checkImages(jobs: Readonly<Record<string, Job>>, draft: Draft): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  const check = (image: string, path: PlanPath) => {
    const problem = imageProblem(image);
    if (problem) diagnostics.push(error("invalid-image", `${labelOf(draft, path)}: "${image}" is not a valid image reference: ${problem}`, draft.locate(path)));
  };
  for (const [id, job] of Object.entries(jobs)) {
    if (job.image) check(job.image, ["jobs", id, "image"]);
    job.steps.forEach((step, index) => step.image && check(step.image, ["jobs", id, "steps", index, "image"]));
    job.services.forEach((service, index) => check(service.image, ["jobs", id, "services", index, "image"]));
    if (job.deploy?.target.kind === "docker") check(job.deploy.target.image, ["jobs", id, "deploy", "target", "image"]);
    if (!job.deploy && !job.image) {
      const step = job.steps.findIndex((s) => !s.image);
      if (step >= 0) {
        diagnostics.push(error("missing-image", `job "${id}" has no image to run in`, draft.locate(["jobs", id]), `set image on the job (image: "node:20"), or a default image on the pipeline`));
      }
    }
    // What the author wrote decides, not what survived the schema: a job whose only step has a bad field still has steps.
    const written = draft.plan.jobs?.[id];
    if (!written?.deploy && !(Array.isArray(written?.steps) && written.steps.length > 0)) {
      diagnostics.push(error("schema", `job "${id}" has no steps`, draft.locate(["jobs", id]), `add steps: ["echo hello"]`));
    }
    if (job.deploy && job.steps.length > 0) {
      diagnostics.push(error("invalid-deployment", `deployment job "${id}" cannot have steps`, draft.locate(["jobs", id, "steps"]), "put the steps in a job the deployment needs"));
    }
  }
  return diagnostics;
}
