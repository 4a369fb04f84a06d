/** Process entry: runs `main`, turns an internal failure into a short report, sets the exit code. */
import { main } from "./main.ts";

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (cause: unknown) => {
    const detail = cause instanceof Error ? (process.env.PIPEC_DEBUG ? cause.stack : cause.message) : String(cause);
    process.stderr.write(`pipec: internal error: ${detail}\nThis is a bug in pipec, not in your pipeline. Set PIPEC_DEBUG=1 for the stack trace.\n`);
    process.exitCode = 70;
  },
);
