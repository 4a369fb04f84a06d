/** Process entry: wires signals, runs `main`, turns an internal failure into a short report, sets the exit code. */
import { isPipecError } from "../runtime/errors.ts";
import { main } from "./main.ts";
import { processTerminal } from "./output.ts";

const controller = new AbortController();
let interrupts = 0;
// A run has jobs to stop, `deploy undo` a deployment to take down, a watch ends normally on Ctrl-C
// (exit 0); any other command exits at once.
const args = process.argv.slice(2);
const isRun = args.includes("run");
// `deploy serve` is a deployment's background supervisor: SIGTERM takes the deployment down (drained); a hangup is no reason to.
const isServe = args[0] === "deploy" && args[1] === "serve";
const graceful = isRun || isServe || args.includes("--watch");
const interrupt = (signal: NodeJS.Signals) => {
  if (isServe && signal === "SIGHUP") return;
  interrupts += 1;
  if (graceful && interrupts === 1) {
    if (isRun) process.stderr.write(`\npipec: ${signal}: stopping running jobs (again to quit at once)\n`);
    else if (isServe) process.stderr.write(`pipec: ${signal}: taking the deployment down (again to quit at once)\n`);
    controller.abort(signal);
    return;
  }
  process.exit(130);
};
// `pipec ... | head`: a reader that went away is not a failure of the command; stop writing, carry on.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code !== "EPIPE" && error.code !== "ERR_STREAM_DESTROYED") throw error;
  });
}
process.on("SIGINT", interrupt);
process.on("SIGTERM", interrupt);
process.on("SIGHUP", interrupt);

main(process.argv.slice(2), { terminal: processTerminal(), signal: controller.signal, isTty: Boolean(process.stdout.isTTY) && !process.env.CI }).then(
  (code) => {
    process.exitCode = code;
  },
  (cause: unknown) => {
    // An expected failure (the engine went away, the store is busy) is a message, not a bug report.
    if (isPipecError(cause) && !process.env.PIPEC_DEBUG) {
      process.stderr.write(`pipec: ${cause.message}\n`);
      process.exitCode = 1;
      return;
    }
    const detail = cause instanceof Error ? (process.env.PIPEC_DEBUG ? cause.stack : cause.message) : String(cause);
    process.stderr.write(`pipec: internal error: ${detail}\nThis is a bug in pipec, not in your pipeline. Set PIPEC_DEBUG=1 for the stack trace.\n`);
    process.exitCode = 70;
  },
);
