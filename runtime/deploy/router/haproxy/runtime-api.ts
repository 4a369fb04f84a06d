import net from "node:net";
import { HaproxyError } from "../errors.ts";

/** Replies HAProxy gives when a runtime command failed (successful `set` commands reply nothing or a notice). */
const FAILURE = /^(No such|Unknown|Require|Invalid|Missing|Can't|Cannot|Unable|Not |Failed|Error|'[^']*' is|This command|Permission denied)|(not found|failed|error)/i;

/**
 * Sends one command to HAProxy's admin socket (non-interactive mode: one command per
 * connection) and returns the reply. A reply that reads as a failure throws HaproxyError.
 */
export async function runtimeCommand(socketPath: string, command: string, timeoutMs = 5000): Promise<string> {
  const reply = await new Promise<string>((resolve, reject) => {
    const socket = net.createConnection(socketPath);
    const chunks: Buffer[] = [];
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`no reply within ${timeoutMs} ms`)));
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.once("error", (error) =>
      reject(new HaproxyError(`HAProxy runtime API (${socketPath}) failed on "${command}": ${error.message}`, error)),
    );
    socket.once("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    socket.end(`${command}\n`);
  });
  const trimmed = reply.trim();
  if (FAILURE.test(trimmed.split("\n", 1)[0] ?? "") && !command.startsWith("show ")) {
    throw new HaproxyError(`HAProxy refused "${command}": ${trimmed}`);
  }
  return reply;
}

/** Escapes a runtime API argument: the CLI splits on spaces and `;` and drops single backslashes. */
export function cliArgument(value: string): string {
  return value.replace(/[\\ ;]/g, (char) => `\\${char}`);
}
