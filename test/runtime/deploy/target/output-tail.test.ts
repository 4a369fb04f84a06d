import { describe, expect, it } from "vitest";
import { createOutputTail } from "../../../../runtime/deploy/target/output-tail.ts";

describe("output tail", () => {
  it("keeps the last lines of both streams, splitting chunks on newlines per stream", () => {
    const tail = createOutputTail({ maxLines: 3 });
    const out = tail.sink();
    const err = tail.sink();
    out(Buffer.from("one\ntw"));
    err(Buffer.from("E1\n"));
    out(Buffer.from("o\nthree\nfour\n"));
    err("partial");
    expect(tail.lines()).toEqual(["three", "four", "partial"]);
  });

  it("bounds long lines and lines that never end", () => {
    const tail = createOutputTail({ maxLines: 2, maxLineChars: 5 });
    const out = tail.sink();
    out("abcdefghij\r\n");
    out("x".repeat(10_000));
    out("y".repeat(10_000));
    expect(tail.lines()).toEqual(["abcde…", "xxxxx…"]);
  });

  it("does not split a multi-byte character across chunks", () => {
    const tail = createOutputTail();
    const out = tail.sink();
    const bytes = Buffer.from("héllo\n");
    out(bytes.subarray(0, 2));
    out(bytes.subarray(2));
    expect(tail.lines()).toEqual(["héllo"]);
  });
});
