/** What goes wrong between a caller and a deployment's supervisor. */
export class SupervisorError extends Error {
  override readonly name = "SupervisorError";
  constructor(
    readonly code: "SUPERVISOR_RUNNING" | "SUPERVISOR_BUSY" | "SUPERVISOR_UNREACHABLE" | "SUPERVISOR_FAILED",
    message: string,
  ) {
    super(message);
  }
}
