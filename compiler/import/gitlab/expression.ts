/**
 * GitLab's `rules:if` language (`$CI_COMMIT_BRANCH == "main" && $DEPLOY`) to pipec conditions. The
 * predefined branch, tag and sha variables become `git.*`; the project's own variables become `vars.*`
 * (declared by the importer); other predefined variables and regexes that are not a plain prefix,
 * suffix or substring are refused with the reason.
 */
import type { Cond, CondOperand, CondRef } from "../model.ts";

export type ParsedCondition = { readonly ok: true; readonly cond: Cond; readonly vars: readonly string[]; readonly approximations: readonly string[] } | { readonly ok: false; readonly message: string };

const GIT: Readonly<Record<string, "branch" | "tag" | "sha" | "ref">> = { CI_COMMIT_BRANCH: "branch", CI_COMMIT_TAG: "tag", CI_COMMIT_SHA: "sha", CI_COMMIT_REF_NAME: "ref" };

type Token = { kind: "var"; name: string } | { kind: "str"; value: string } | { kind: "regex"; source: string; flags: string } | { kind: "null" } | { kind: "op"; op: string };

class Refused extends Error {}

export function parseGitlabCondition(text: string): ParsedCondition {
  const vars = new Set<string>();
  const approximations: string[] = [];
  try {
    const tokens = tokenize(text);
    let at = 0;
    const peek = () => tokens[at];
    const take = () => tokens[at++];
    const ref = (name: string): CondRef => {
      const git = GIT[name];
      if (git) return { root: "git", name: git };
      if (name === "CI_DEFAULT_BRANCH") throw new Refused("$CI_DEFAULT_BRANCH is GitLab's setting; write the branch name (e.g. when.branch(\"main\"))");
      if (/^(CI|GITLAB|CHAT|TRIGGER)_/.test(name)) throw new Refused(`$${name} is a GitLab predefined variable with no pipec equivalent`);
      vars.add(name);
      return { root: "vars", name };
    };
    const operand = (): CondOperand | { regex: string; flags: string } => {
      const token = take();
      if (!token) throw new Refused("the expression ends too early");
      if (token.kind === "var") return ref(token.name);
      if (token.kind === "str") return token.value;
      if (token.kind === "null") return null;
      if (token.kind === "regex") return { regex: token.source, flags: token.flags };
      throw new Refused(`unexpected "${token.op}"`);
    };
    const comparison = (): Cond => {
      const token = peek();
      if (token?.kind === "op" && token.op === "(") {
        take();
        const inner = or();
        const close = take();
        if (close?.kind !== "op" || close.op !== ")") throw new Refused("a ( is not closed");
        return inner;
      }
      const left = operand();
      const next = peek();
      if (next?.kind === "op" && ["==", "!=", "=~", "!~"].includes(next.op)) {
        take();
        const right = operand();
        if (next.op === "==" || next.op === "!=") {
          if (isRegex(left) || isRegex(right)) throw new Refused("a regex compares with =~ or !~");
          return { kind: next.op === "==" ? "eq" : "ne", left, right };
        }
        if (!isRegex(right) || isRegex(left) || left === null || typeof left === "string") throw new Refused("=~ compares a variable with a /regex/");
        const matched = regexCond(left, right);
        return next.op === "=~" ? matched : { kind: "not", operand: matched };
      }
      if (isRegex(left) || left === null || typeof left === "string") throw new Refused("a text alone is no condition");
      return { kind: "truthy", ref: left };
    };
    const and = (): Cond => {
      const all = [comparison()];
      while (peek()?.kind === "op" && (peek() as { op: string }).op === "&&") {
        take();
        all.push(comparison());
      }
      return all.length === 1 ? all[0]! : { kind: "and", all };
    };
    const or = (): Cond => {
      const all = [and()];
      while (peek()?.kind === "op" && (peek() as { op: string }).op === "||") {
        take();
        all.push(and());
      }
      return all.length === 1 ? all[0]! : { kind: "or", all };
    };
    const cond = or();
    if (at < tokens.length) throw new Refused(`unexpected text after the condition`);
    return { ok: true, cond, vars: [...vars], approximations };
  } catch (cause) {
    if (cause instanceof Refused) return { ok: false, message: cause.message };
    throw cause;
  }
}

const isRegex = (value: unknown): value is { regex: string; flags: string } => typeof value === "object" && value !== null && "regex" in value;

/** A regex that is a plain text, anchored or not, as startsWith/endsWith/contains/==. */
function regexCond(subject: CondRef, { regex, flags }: { regex: string; flags: string }): Cond {
  if (flags.replace(/[gm]/g, "") !== "") throw new Refused(`/${regex}/${flags}: flags other than g and m have no pipec equivalent`);
  const start = regex.startsWith("^");
  const end = regex.endsWith("$") && !regex.endsWith("\\$");
  const body = regex.slice(start ? 1 : 0, end ? -1 : undefined).replace(/\.\*$/, "");
  const literal = body.replace(/\\([^A-Za-z0-9])/g, "$1");
  if (/(?<!\\)[.*+?()[\]{}|^$]/.test(body.replace(/\\[^A-Za-z0-9]/g, ""))) throw new Refused(`/${regex}/ is a regex; pipec conditions test prefixes, suffixes and substrings`);
  if (start && end) return { kind: "eq", left: subject, right: literal };
  if (start) return { kind: "call", name: "startsWith", subject, text: literal };
  if (end) return { kind: "call", name: "endsWith", subject, text: literal };
  return { kind: "call", name: "contains", subject, text: literal };
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    const two = text.slice(i, i + 2);
    if (["==", "!=", "=~", "!~", "&&", "||"].includes(two)) {
      tokens.push({ kind: "op", op: two });
      i += 2;
      continue;
    }
    if (ch === "(" || ch === ")") {
      tokens.push({ kind: "op", op: ch });
      i++;
      continue;
    }
    if (ch === "$") {
      const match = /^\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/.exec(text.slice(i));
      if (!match) throw new Refused(`a lone $ at character ${i + 1}`);
      tokens.push({ kind: "var", name: match[1]! });
      i += match[0].length;
      continue;
    }
    if (ch === '"' || ch === "'") {
      const close = text.indexOf(ch, i + 1);
      if (close < 0) throw new Refused("a quoted text is not closed");
      tokens.push({ kind: "str", value: text.slice(i + 1, close) });
      i = close + 1;
      continue;
    }
    if (ch === "/") {
      let j = i + 1;
      while (j < text.length && text[j] !== "/") j += text[j] === "\\" ? 2 : 1;
      if (j >= text.length) throw new Refused("a /regex/ is not closed");
      const flags = /^[a-z]*/.exec(text.slice(j + 1))![0];
      tokens.push({ kind: "regex", source: text.slice(i + 1, j), flags });
      i = j + 1 + flags.length;
      continue;
    }
    const word = /^[A-Za-z]+/.exec(text.slice(i));
    if (word && word[0] === "null") {
      tokens.push({ kind: "null" });
      i += 4;
      continue;
    }
    throw new Refused(`unexpected "${text.slice(i, i + 10)}"`);
  }
  return tokens;
}
