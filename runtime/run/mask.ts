/**
 * Masks secret values in output: every occurrence becomes `***`. Works on bytes (latin1 strings are a
 * lossless view of them), so invalid UTF-8 passes through untouched, and holds back a partial line so a
 * secret split across two chunks is still found. Memory stays bounded: at most one line of up to
 * `maxHeld` bytes is held.
 */
const MASK = "***";

export function createMasker(secrets: readonly string[], maxHeld = 64 * 1024) {
  // Multi-line secrets (keys, certificates) are masked line by line, as GitHub Actions does, so no
  // needle spans a newline. Longest first, so a secret that contains another is masked whole.
  const lines = secrets.flatMap((secret) => secret.split(/\r?\n/)).map((line) => line.trim());
  const needles = [...new Set(lines.filter((s) => s.length >= 3))]
    .map((s) => Buffer.from(s, "utf8").toString("latin1"))
    .sort((a, b) => b.length - a.length);
  const longest = needles.reduce((n, s) => Math.max(n, s.length), 0);
  const mask = (text: string) => needles.reduce((out, needle) => out.split(needle).join(MASK), text);

  return {
    /** Masks a whole string (messages, env dumps): no holding back. */
    text(value: string): string {
      return needles.length === 0 ? value : Buffer.from(mask(Buffer.from(value, "utf8").toString("latin1")), "latin1").toString("utf8");
    },
    /** A streaming masker for one output stream: `push` returns what may be emitted now, `flush` the rest. */
    stream() {
      let held = "";
      return {
        push(chunk: Buffer): Buffer {
          if (needles.length === 0) return chunk;
          const text = held + chunk.toString("latin1");
          let cut = text.lastIndexOf("\n") + 1;
          // A line longer than maxHeld is emitted anyway, keeping only a tail that could start a secret.
          if (cut === 0 && text.length > maxHeld) cut = safeCut(text, text.length - (longest - 1), needles);
          held = text.slice(cut);
          return Buffer.from(mask(text.slice(0, cut)), "latin1");
        },
        flush(): Buffer {
          const rest = mask(held);
          held = "";
          return Buffer.from(rest, "latin1");
        },
      };
    },
  };
}

export type Masker = ReturnType<typeof createMasker>;

/** Moves a cut point back so that no occurrence of a needle straddles it. */
function safeCut(text: string, cut: number, needles: readonly string[]): number {
  for (let moved = true; moved; ) {
    moved = false;
    for (const needle of needles) {
      for (let i = text.indexOf(needle, Math.max(0, cut - needle.length + 1)); i !== -1 && i < cut; i = text.indexOf(needle, i + 1)) {
        if (i + needle.length > cut) {
          cut = i;
          moved = true;
        }
      }
    }
  }
  return cut;
}
