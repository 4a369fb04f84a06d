import { describe, expect, it } from "vitest";
import { createMasker, unmaskableSecrets } from "../../../runtime/run/mask.ts";

const streamAll = (secrets: string[], chunks: (string | Buffer)[], maxHeld?: number) => {
  const stream = createMasker(secrets, maxHeld).stream();
  const out = chunks.map((c) => stream.push(Buffer.isBuffer(c) ? c : Buffer.from(c)));
  out.push(stream.flush());
  return Buffer.concat(out);
};

describe("secret masking", () => {
  it.each([
    { name: "whole secret in one chunk", chunks: ["token is s3cr3t-value\n"], expected: "token is ***\n" },
    { name: "secret split across chunks", chunks: ["token is s3cr", "3t-value and more\n"], expected: "token is *** and more\n" },
    { name: "secret split at every byte", chunks: [..."x s3cr3t-value y\n"], expected: "x *** y\n" },
    { name: "no trailing newline", chunks: ["s3cr3t-value"], expected: "***" },
    { name: "several occurrences", chunks: ["s3cr3t-value s3cr3t-value\n"], expected: "*** ***\n" },
  ])("$name", ({ chunks, expected }) => {
    expect(streamAll(["s3cr3t-value"], chunks).toString()).toBe(expected);
  });

  it("masks a multi-line secret line by line", () => {
    const key = "-----BEGIN KEY-----\nabcdefghij\n-----END KEY-----";
    expect(streamAll([key], [`${key}\n`]).toString()).toBe("***\n***\n***\n");
  });

  it("passes invalid UTF-8 through byte for byte", () => {
    const bytes = Buffer.from([0xff, 0xfe, 0x41, 0x0a, 0xc3, 0x28, 0x0a]);
    expect(streamAll(["s3cr3t-value"], [bytes]).equals(bytes)).toBe(true);
  });

  it("masks inside a very long line without holding it whole, also across the cut", () => {
    const long = `${"a".repeat(100)}s3cr3t-value${"b".repeat(100)}`;
    const chunks = long.match(/.{1,7}/g)!;
    const out = streamAll(["s3cr3t-value"], chunks, 32).toString();
    expect(out).toBe(`${"a".repeat(100)}***${"b".repeat(100)}`);
  });

  it("masks whole strings (messages) and ignores too-short secrets", () => {
    const masker = createMasker(["hunter2", "ab"]);
    expect(masker.text("password hunter2 ab")).toBe("password *** ab");
  });
});

describe("unmaskableSecrets", () => {
  it.each([
    { secrets: { A: "abc", B: "long enough" }, expected: [] },
    { secrets: { B: "ab", A: "x" }, expected: ["A", "B"] },
    { secrets: { A: "  ab  " }, expected: ["A"] },
    { secrets: { A: "-----BEGIN-----\n\nabcdef\n-----END-----\n" }, expected: [] },
    { secrets: { A: "-----BEGIN-----\nzq\n-----END-----" }, expected: ["A"] },
  ] as Array<{ secrets: Record<string, string>; expected: string[] }>)("$secrets -> $expected", ({ secrets, expected }) => {
    expect(unmaskableSecrets(secrets)).toEqual(expected);
  });

  it("contains() finds a secret inside a longer value, and nothing in a value without one", () => {
    const masker = createMasker(["s3cr3t-value"]);
    expect(masker.contains("https://user:s3cr3t-value@example.com")).toBe(true);
    expect(masker.contains("https://example.com")).toBe(false);
  });
});
