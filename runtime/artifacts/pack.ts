/**
 * Packs: the small objects of one project snapshot in one file, like git's packfiles. A first run of
 * a project of 10,000 small files would otherwise create 10,000 object files, each a file creation
 * (the costliest call of the run) that no reader needs apart: one pack and its index cost two.
 *
 *   objects/pack/<name>.pack   the objects' bytes, one after the other
 *   objects/pack/<name>.idx    "pipecpk1", then one 48-byte entry per object, sorted by digest:
 *                              sha256 (32 bytes), offset in the pack (u64 BE), size (u64 BE)
 *
 * `<name>` is the sha256 of the index. Objects stay content-addressed: every reader that verifies
 * (restore, verify) hashes a packed object's bytes as it would a loose one's. Both files are written
 * to `tmp/` and renamed, the pack first, the index last: a reader trusts only a pack whose index is
 * there and whose size covers every entry, so a crash leaves at most a pack no one reads (gc removes
 * it, as it removes a pack none of whose objects is referenced any more; a pack some live artifact
 * still uses is kept whole). Restore and verify prefer a loose object of the same digest, so bytes
 * stored again as a loose object (a collect) stand in for a damaged packed one; a job workspace's
 * checkout, which trusts names, reads the pack first (no lookup on disk per file).
 */
import { createHash } from "node:crypto";
import { closeSync, constants, fstatSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, renameSync, unlinkSync, writeSync } from "node:fs";
import { join } from "node:path";
import { tempPath } from "./atomic-file.ts";
import type { StoreLayout } from "./layout.ts";

const MAGIC = Buffer.from("pipecpk1");
const ENTRY = 48;
/** Pending bytes written to the pack file at once. */
const FLUSH_BYTES = 1 << 20;

/** Objects up to this size are packed (restore reads them whole: see SMALL_FILE_BYTES in restore.ts). */
export const PACKED_MAX_BYTES = 256 * 1024;
/** A snapshot packs its new small objects when there are at least this many; fewer stay loose files. */
export const PACK_MIN_OBJECTS = 64;

export function packDir(layout: StoreLayout): string {
  return join(layout.objects, "pack");
}

export interface PackedObject {
  readonly pack: PackInfo;
  readonly offset: number;
  readonly size: number;
}

export interface PackInfo {
  readonly name: string;
  readonly packPath: string;
  readonly indexPath: string;
  /** Bytes of the pack and its index. */
  readonly bytes: number;
  readonly count: number;
  /** The digests it holds, in order. */
  digests(): Generator<string>;
}

/** Writes one pack: objects appended as they come (in memory up to FLUSH_BYTES), committed by `finish`. */
export class PackWriter {
  private readonly entries = new Map<string, { offset: number; size: number }>();
  private readonly pending: Buffer[] = [];
  private pendingBytes = 0;
  private offset = 0;
  private fd: number | null = null;
  private readonly temp: string;

  constructor(private readonly layout: StoreLayout) {
    this.temp = tempPath(layout.tmp);
  }

  get size(): number {
    return this.entries.size;
  }

  add(digest: string, bytes: Buffer): void {
    if (this.entries.has(digest)) return;
    this.entries.set(digest, { offset: this.offset, size: bytes.length });
    this.offset += bytes.length;
    this.pending.push(bytes);
    this.pendingBytes += bytes.length;
    if (this.pendingBytes >= FLUSH_BYTES) this.flush();
  }

  /** Renames the pack, then its index, into place; returns the pack's name (null when empty: nothing is written). */
  finish(): string | null {
    if (this.entries.size === 0) return null;
    this.flush();
    closeSync(this.fd!);
    this.fd = null;
    const sorted = [...this.entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const index = Buffer.alloc(MAGIC.length + sorted.length * ENTRY);
    MAGIC.copy(index, 0);
    sorted.forEach(([digest, { offset, size }], i) => {
      const at = MAGIC.length + i * ENTRY;
      index.write(digest, at, "hex");
      index.writeBigUInt64BE(BigInt(offset), at + 32);
      index.writeBigUInt64BE(BigInt(size), at + 40);
    });
    const name = createHash("sha256").update(index).digest("hex");
    const dir = packDir(this.layout);
    const indexTemp = tempPath(this.layout.tmp);
    try {
      mkdirSync(dir, { recursive: true });
      renameSync(this.temp, join(dir, `${name}.pack`));
      const fd = openSync(indexTemp, "wx", 0o444);
      try {
        for (let done = 0; done < index.length; ) done += writeSync(fd, index, done);
      } finally {
        closeSync(fd);
      }
      renameSync(indexTemp, join(dir, `${name}.idx`));
    } catch (error) {
      this.abandon();
      removeQuietly(indexTemp);
      throw error;
    }
    return name;
  }

  /** Drops what was written (a failed snapshot): the temp file goes. */
  abandon(): void {
    if (this.fd !== null) {
      closeSync(this.fd);
      this.fd = null;
    }
    removeQuietly(this.temp);
  }

  private flush(): void {
    if (this.pending.length === 0) return;
    if (this.fd === null) {
      mkdirSync(this.layout.tmp, { recursive: true });
      this.fd = openSync(this.temp, "wx", 0o444);
    }
    const chunk = Buffer.concat(this.pending, this.pendingBytes);
    for (let done = 0; done < chunk.length; ) done += writeSync(this.fd, chunk, done);
    this.pending.length = 0;
    this.pendingBytes = 0;
  }
}

/** The packs of a store as they are now: lookups by digest, reads of a packed object's bytes. Close when done. */
export class Packs {
  private readonly fds = new Map<string, number>();

  private constructor(
    private readonly indexes: readonly { readonly info: PackInfo; readonly index: Buffer }[],
    /** Files of the pack folder that no reader trusts: a pack without its index, an index without its pack or shorter than it says. */
    readonly broken: readonly string[],
  ) {}

  static load(layout: StoreLayout): Packs {
    const dir = packDir(layout);
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return new Packs([], []);
    }
    const indexes: { info: PackInfo; index: Buffer }[] = [];
    const trusted = new Set<string>();
    for (const file of names.sort()) {
      const name = file.slice(0, -".idx".length);
      if (!file.endsWith(".idx") || !/^[0-9a-f]{64}$/.test(name)) continue;
      const loaded = loadIndex(dir, name);
      if (!loaded) continue;
      indexes.push(loaded);
      trusted.add(`${name}.idx`).add(`${name}.pack`);
    }
    return new Packs(
      indexes,
      names.filter((file) => !trusted.has(file)).map((file) => join(dir, file)),
    );
  }

  get list(): readonly PackInfo[] {
    return this.indexes.map((i) => i.info);
  }

  find(digest: string): PackedObject | undefined {
    if (this.indexes.length === 0) return undefined;
    const key = Buffer.from(digest, "hex");
    for (const { info, index } of this.indexes) {
      let low = 0;
      let high = info.count - 1;
      while (low <= high) {
        const middle = (low + high) >> 1;
        const at = MAGIC.length + middle * ENTRY;
        const order = index.compare(key, 0, 32, at, at + 32);
        if (order === 0) return { pack: info, offset: Number(index.readBigUInt64BE(at + 32)), size: Number(index.readBigUInt64BE(at + 40)) };
        if (order < 0) low = middle + 1;
        else high = middle - 1;
      }
    }
    return undefined;
  }

  /** A packed object's bytes, as the pack holds them now (the caller verifies them if it must). */
  read(object: PackedObject): Buffer {
    let fd = this.fds.get(object.pack.packPath);
    if (fd === undefined) {
      fd = openSync(object.pack.packPath, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
      this.fds.set(object.pack.packPath, fd);
    }
    const buffer = Buffer.allocUnsafe(object.size);
    let length = 0;
    for (let read = -1; read !== 0 && length < object.size; length += read) read = readSync(fd, buffer, length, object.size - length, object.offset + length);
    return buffer.subarray(0, length);
  }

  close(): void {
    for (const fd of this.fds.values()) closeSync(fd);
    this.fds.clear();
  }
}

function loadIndex(dir: string, name: string): { info: PackInfo; index: Buffer } | null {
  const indexPath = join(dir, `${name}.idx`);
  const packPath = join(dir, `${name}.pack`);
  let index: Buffer;
  let packBytes: number;
  try {
    index = readFileSync(indexPath);
    const fd = openSync(packPath, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    try {
      const stats = fstatSync(fd);
      if (!stats.isFile()) return null;
      packBytes = stats.size;
    } finally {
      closeSync(fd);
    }
  } catch {
    return null;
  }
  if (index.length < MAGIC.length || (index.length - MAGIC.length) % ENTRY !== 0 || !index.subarray(0, MAGIC.length).equals(MAGIC)) return null;
  const count = (index.length - MAGIC.length) / ENTRY;
  for (let i = 0; i < count; i++) {
    const at = MAGIC.length + i * ENTRY;
    if (index.readBigUInt64BE(at + 32) + index.readBigUInt64BE(at + 40) > BigInt(packBytes)) return null;
  }
  const info: PackInfo = {
    name,
    packPath,
    indexPath,
    bytes: index.length + packBytes,
    count,
    *digests() {
      for (let i = 0; i < count; i++) yield index.toString("hex", MAGIC.length + i * ENTRY, MAGIC.length + i * ENTRY + 32);
    },
  };
  return { info, index };
}

function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Never made, or gone already.
  }
}
