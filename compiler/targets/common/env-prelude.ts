/**
 * Env templates (`${VAR}`, `${VAR:-x}`, `${VAR:+x}`, `$$`) as a POSIX `export` prelude at the top of a
 * step's script: pipec's template syntax is a subset of `sh` parameter expansion, while the engines'
 * own env blocks write such text literally. Values without `$` stay native (the engine's env), where
 * their layering (pipeline < job < step) is the engine's own.
 *
 * Exactness: layers are exported outermost first, so a template reads the outer layers as pipec's
 * resolver does, and within a layer definitions come in dependency order (`A: ${B}/x` after `B`). A
 * native value that an outer layer's template would overwrite is exported again at its own layer.
 */
import type { EnvValue } from "../../../runtime/plan/schema.ts";
import { parseTemplate, parseTemplateParts, type TemplatePart } from "../../../runtime/plan/variables.ts";
import { doubleQuoteBody } from "./shell.ts";

export type EnvLayer = Readonly<Record<string, EnvValue>>;

/** A value the engine can carry itself: plain text without `$`. */
export function isNativeLiteral(value: EnvValue): value is string {
  return typeof value === "string" && !value.includes("$");
}

export interface Prelude {
  readonly lines: readonly string[];
  /** Per layer: literal names the engine must not set natively (an outer template reads their outer value). */
  readonly notNative: readonly ReadonlySet<string>[];
  /** Env names the shell must set but that hold a secret: the caller refuses them. */
  readonly secretClashes: readonly string[];
}

/**
 * The `export` lines for a step whose env is `layers` (outermost first). Layers from `nativeLayers`
 * on have no engine env of their own (GitLab steps): all their values go to the prelude.
 */
export function envPrelude(layers: readonly EnvLayer[], nativeLayers: number = layers.length): Prelude {
  const native = (index: number, value: EnvValue) => index < nativeLayers && isNativeLiteral(value);
  // A literal set natively by an inner layer would be seen, wrongly, by an outer layer's template.
  const notNative = layers.map(() => new Set<string>());
  layers.forEach((layer, outer) => {
    for (const value of Object.values(layer)) {
      if (typeof value !== "string" || native(outer, value)) continue;
      const parsed = parseTemplate(value);
      if (!parsed.ok) continue;
      for (const ref of parsed.refs) for (let inner = outer + 1; inner < layers.length; inner++) if (Object.hasOwn(layers[inner]!, ref.name)) notNative[inner]!.add(ref.name);
    }
  });
  const lines: string[] = [];
  const secretClashes: string[] = [];
  const shellNames = new Set<string>();
  layers.forEach((layer, index) => {
    const chosen: Record<string, string> = {};
    for (const name of Object.keys(layer).sort()) {
      const value = layer[name]!;
      const inShell = !native(index, value) || shellNames.has(name) || notNative[index]!.has(name);
      if (!inShell) continue;
      if (typeof value === "object") {
        if (shellNames.has(name) || notNative[index]!.has(name)) secretClashes.push(name);
        continue;
      }
      chosen[name] = value;
    }
    for (const name of dependencyOrder(chosen)) {
      lines.push(`export ${name}="${shellWord(parseTemplateParts(chosen[name]!))}"`);
      shellNames.add(name);
    }
  });
  return { lines, notNative, secretClashes };
}

/** Names sorted so that each comes after the names of its layer it references (the plan has no cycles). */
function dependencyOrder(defs: Readonly<Record<string, string>>): string[] {
  const order: string[] = [];
  const state = new Map<string, "visiting" | "done">();
  const visit = (name: string): void => {
    if (state.get(name) !== undefined) return;
    state.set(name, "visiting");
    const parsed = parseTemplate(defs[name]!);
    if (parsed.ok) for (const ref of [...parsed.refs].sort((a, b) => (a.name < b.name ? -1 : 1))) if (ref.name !== name && Object.hasOwn(defs, ref.name)) visit(ref.name);
    state.set(name, "done");
    order.push(name);
  };
  for (const name of Object.keys(defs).sort()) visit(name);
  return order;
}

/** A template as the body of a double-quoted shell word. */
function shellWord(parts: readonly TemplatePart[]): string {
  return parts
    .map((part) => {
      if (part.kind === "text") return doubleQuoteBody(part.value);
      const { name, operator } = part.ref;
      return operator === null ? `\${${name}}` : `\${${name}${operator}${shellWord(part.word)}}`;
    })
    .join("");
}
