/**
 * The lifecycle every scenario file shares: a temporary project once the Docker gate passes, and at
 * the end everything the scenarios deployed stopped and its containers removed.
 */
import { afterAll, beforeAll } from "vitest";
import { stopAllServing } from "../../../../runtime/deploy/loop/index.ts";
import type { DockerGate } from "../../../setup/require-docker.ts";
import { Project } from "./harness.ts";
import { removeContainers, scenarioName } from "./scenario.ts";

export interface ScenarioSuite {
  /** The suite's project (created in beforeAll). */
  readonly project: Project;
  /** A fresh deployment name, removed at the end of the suite. */
  name(kind: string): string;
}

export function useScenarioSuite(docker: DockerGate): ScenarioSuite {
  let project: Project | undefined;
  const names: string[] = [];
  beforeAll(async () => {
    docker.assertAvailable();
    project = await Project.create();
  });
  afterAll(async () => {
    await stopAllServing();
    if (docker.available) await removeContainers(names);
    await project?.remove();
  });
  return {
    get project() {
      if (!project) throw new Error("the scenario project exists only inside the suite's tests");
      return project;
    },
    name(kind) {
      const name = scenarioName(kind);
      names.push(name);
      return name;
    },
  };
}
