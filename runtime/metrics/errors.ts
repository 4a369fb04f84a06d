/** What the metrics and the run report refuse: a user's mistake, said in one line (exit code 2). */
import { PipecError } from "../errors.ts";

export class MetricsInputError extends PipecError {
  override readonly name = "MetricsInputError";
  readonly code = "METRICS_INVALID_INPUT";
}
