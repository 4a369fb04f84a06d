/** What `pipec report` refuses: a user's mistake, said in one line (exit code 2). */
import { PipecError } from "../errors.ts";

export class ReportInputError extends PipecError {
  override readonly name = "ReportInputError";
  readonly code = "REPORT_INVALID_INPUT";
}
