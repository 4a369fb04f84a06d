/**
 * Path safety, checked twice: on the patterns and symlinks when collecting (nothing outside the
 * workspace is read or referred to) and on every manifest path when restoring (nothing outside the
 * destination is written, even from a tampered manifest).
 */
import { isAbsolute, posix, sep } from "node:path";

/** Why an output pattern may not be used, or null when it is fine. */
export function unsafePatternReason(pattern: string): string | null {
  if (pattern.includes("\0")) return "it contains a NUL character";
  if (isAbsolute(pattern) || posix.isAbsolute(pattern) || /^[A-Za-z]:[\\/]/.test(pattern) || pattern.startsWith("\\")) return "it is an absolute path; output paths are relative to the workspace";
  if (pattern.split(/[\\/]/).includes("..")) return "it uses '..' to leave the workspace";
  return null;
}

/** Why a manifest path may not be restored, or null when it is a plain relative path. */
export function unsafeEntryPathReason(path: string): string | null {
  if (path.includes("\0")) return "it contains a NUL character";
  // A backslash is an ordinary character in a file name on Linux and macOS, a separator only on Windows.
  if (path.includes("\\") && process.platform === "win32") return "it contains a backslash";
  if (posix.isAbsolute(path) || /^[A-Za-z]:/.test(path)) return "it is absolute";
  const parts = path.split("/");
  if (parts.some((part) => part === "..")) return "it uses '..'";
  if (parts.some((part) => part === "" || part === ".")) return "it is not a normalised relative path";
  return null;
}

/**
 * Why a restored symlink's target may not be used, or null. Besides being relative, it must not go
 * down and then up (`a/..`): a `..` after a name is taken by the kernel from wherever that name leads,
 * so `b -> a/..` beside `a -> ..` (restored in either order, from one artifact or two) would resolve
 * outside while looking inside. With `..` only at the start, a target climbs real directories (the
 * link's own directory is a real path), then descends through names that are inside or are links
 * held to the same rule, so it resolves inside whatever else is restored, before or after it.
 */
export function unsafeLinkTargetReason(target: string): string | null {
  if (target.includes("\0")) return "it contains a NUL character";
  if (target === "") return "it is empty";
  if (posix.isAbsolute(target)) return "it is absolute";
  let named = false;
  for (const part of target.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") {
      if (named) return "it goes up ('..') after a name, which resolves through whatever that name is";
    } else named = true;
  }
  return null;
}

export function isWithin(root: string, path: string): boolean {
  return path === root || path.startsWith(root.endsWith(sep) ? root : root + sep);
}
