/** Splits a byte stream into lines for log events; a line longer than `maxLine` is cut. Bounded memory. */
export function createLineSplitter(onLine: (line: string) => void, maxLine = 16 * 1024) {
  let partial = "";
  return {
    push(chunk: Buffer): void {
      const text = partial + chunk.toString("utf8");
      const lines = text.split("\n");
      partial = lines.pop() ?? "";
      for (const line of lines) onLine(line.endsWith("\r") ? line.slice(0, -1) : line);
      while (partial.length > maxLine) {
        onLine(partial.slice(0, maxLine));
        partial = partial.slice(maxLine);
      }
    },
    flush(): void {
      if (partial !== "") onLine(partial);
      partial = "";
    },
  };
}
