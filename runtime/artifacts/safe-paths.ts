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
  if (path.includes("\\")) return "it contains a backslash";
  if (posix.isAbsolute(path) || /^[A-Za-z]:/.test(path)) return "it is absolute";
  const parts = path.split("/");
  if (parts.some((part) => part === "..")) return "it uses '..'";
  if (parts.some((part) => part === "" || part === ".")) return "it is not a normalised relative path";
  return null;
}

export function isWithin(root: string, path: string): boolean {
  return path === root || path.startsWith(root.endsWith(sep) ? root : root + sep);
}
