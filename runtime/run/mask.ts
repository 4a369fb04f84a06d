/**
 * Masks secret values in output: every occurrence becomes `***`. Works on bytes (latin1 strings are a
 * lossless view of them), so invalid UTF-8 passes through untouched, and holds back a partial line so a
 * secret split across two chunks is still found. Memory stays bounded: at most one line of up to
 * `maxHeld` bytes is held.
 */
import { PipecError } from "../errors.ts";

const MASK = "***";
/** Shorter values (or lines of a multi-line value) would mask every "ab" in the logs, so they are refused instead. */
export const MIN_SECRET_LENGTH = 3;

/** A secret's value is too short to mask: refused before the first job, since it would leak in clear. */
export class UnmaskableSecretError extends PipecError {
  override readonly name = "UnmaskableSecretError";
  readonly code = "SECRET_TOO_SHORT";
  constructor(readonly secrets: readonly string[]) {
    super(
      `secret ${secrets.join(", ")}: a value (or a line of a multi-line value) shorter than ${MIN_SECRET_LENGTH} characters cannot be masked in logs; ` +
        `use a longer value, or leave it unset if the job does not need it`,
    );
  }
}

// Multi-line secrets (keys, certificates) are masked line by line, as GitHub Actions does, so no
// needle spans a newline; blank lines are not secret.
const secretLines = (secret: string) => secret.split(/\r?\n/).map((line) => line.trim()).filter((line) => line !== "");

/** Names of the secrets whose value could not be masked whole (see MIN_SECRET_LENGTH), sorted. Never their values. */
export function unmaskableSecrets(secrets: Readonly<Record<string, string>>): string[] {
  return Object.entries(secrets)
    .filter(([, value]) => secretLines(value).some((line) => line.length < MIN_SECRET_LENGTH))
    .map(([name]) => name)
    .sort();
}

export function createMasker(secrets: readonly string[], maxHeld = 64 * 1024) {
  // Longest first, so a secret that contains another is masked whole.
  const lines = secrets.flatMap(secretLines);
  const needles = [...new Set(lines.filter((s) => s.length >= MIN_SECRET_LENGTH))]
    .map((s) => Buffer.from(s, "utf8").toString("latin1"))
    .sort((a, b) => b.length - a.length);
  const longest = needles.reduce((n, s) => Math.max(n, s.length), 0);
  const mask = (text: string) => needles.reduce((out, needle) => out.split(needle).join(MASK), text);

  return {
    /** True when `value` holds a secret (or a line of one). */
    contains(value: string): boolean {
      const text = Buffer.from(value, "utf8").toString("latin1");
      return needles.some((needle) => text.includes(needle));
    },
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
