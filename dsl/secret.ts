import { SECRET } from "./brand.ts";

/** A reference to a secret supplied at run time. The plan names it; it never holds the value. */
export interface Secret<Name extends string = string> {
  readonly [SECRET]: true;
  readonly name: Name;
}

export function secret<const Name extends string>(name: Name): Secret<Name> {
  return { [SECRET]: true, name };
}

/** An environment value: a template string (`"${HOME}/x"`, `"${TAG:-latest}"`) or a secret. */
export type EnvValue = string | number | boolean | Secret;
export type Env = Readonly<Record<string, EnvValue>>;
