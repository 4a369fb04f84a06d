/**
 * Appending to the run's files so that a reader never sees half a record: a write either lands whole
 * or not at all. A full disk can accept part of a write (the kernel writes what fits and then says
 * ENOSPC), which would leave `events.jsonl` cut mid-line; here the file is cut back to where the
 * record began, so the file always ends at a record boundary.
 */
import { closeSync, fstatSync, ftruncateSync, openSync, writeSync } from "node:fs";

export interface AppendFile {
  /** Appends all of `data` or, throwing the write's error, nothing. */
  append(data: Buffer | string): void;
  close(): void;
}

export function openAppendFile(path: string): AppendFile {
  const fd = openSync(path, "a");
  let size = fstatSync(fd).size;
  return {
    append(data) {
      const bytes = typeof data === "string" ? Buffer.from(data) : data;
      let written = 0;
      try {
        while (written < bytes.length) written += writeSync(fd, bytes, written, bytes.length - written);
      } catch (cause) {
        if (written > 0) {
          try {
            ftruncateSync(fd, size);
          } catch {
            // Cutting back frees space and cannot fail for want of it; if it does, readers skip a torn last line.
          }
        }
        throw cause;
      }
      size += bytes.length;
    },
    close() {
      closeSync(fd);
    },
  };
}
