/**
 * The last lines an instance printed, for error messages: a ring of at most `maxLines` lines, each
 * cut at `maxLineChars`, so a chatty instance costs bounded memory. stdout and stderr are split into
 * lines separately (a partial line of one does not glue onto the other) and interleave by arrival.
 */
import { StringDecoder } from "node:string_decoder";

export interface OutputTailOptions {
  /** @default 40 */
  readonly maxLines?: number;
  /** @default 1000 */
  readonly maxLineChars?: number;
}

export interface OutputTail {
  /** A writer for one stream (stdout, stderr): feed it chunks as they come. */
  sink(): (chunk: Buffer | string) => void;
  /** The kept lines, oldest first, partial lines of each stream at the end. */
  lines(): string[];
}

export function createOutputTail(options: OutputTailOptions = {}): OutputTail {
  const maxLines = Math.max(1, options.maxLines ?? 40);
  const maxLineChars = Math.max(1, options.maxLineChars ?? 1000);
  const ring: string[] = [];
  const partials: { text: string }[] = [];
  const cut = (line: string) => (line.length > maxLineChars ? `${line.slice(0, maxLineChars)}…` : line);
  const push = (line: string) => {
    ring.push(cut(line.replace(/\r$/, "")));
    if (ring.length > maxLines) ring.shift();
  };
  return {
    sink() {
      const decoder = new StringDecoder("utf8");
      const partial = { text: "" };
      partials.push(partial);
      return (chunk) => {
        const text = partial.text + (typeof chunk === "string" ? chunk : decoder.write(chunk));
        const parts = text.split("\n");
        partial.text = parts.pop() ?? "";
        // Only the last `maxLines` complete lines of a chunk can survive.
        for (const line of parts.slice(-maxLines)) push(line);
        // A line that never ends must not grow without bound.
        if (partial.text.length > maxLineChars) partial.text = partial.text.slice(0, maxLineChars + 1);
      };
    },
    lines() {
      const open = partials.filter((p) => p.text !== "").map((p) => cut(p.text.replace(/\r$/, "")));
      return [...ring, ...open].slice(-maxLines);
    },
  };
}

/** Splits a block of text (such as container logs) into its last `maxLines` non-empty-ended lines. */
export function lastLines(text: string, maxLines: number): string[] {
  const tail = createOutputTail({ maxLines });
  tail.sink()(text);
  return tail.lines();
}
