/** Deployments that outlive the run: one supervisor process per deployment, and its clients. */
export { ensureSupervisor, requestSupervisor, supervisorAnswers, type FinalReply } from "./client.ts";
export { SupervisorError } from "./errors.ts";
export { controlSocketPath, readSupervisorPid, supervisorPidPath } from "./paths.ts";
export { runSupervisedDeployment } from "./run-supervised.ts";
export { superviseDeployment, type SuperviseInput } from "./supervisor.ts";
