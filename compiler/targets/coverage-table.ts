/** The coverage table of every target as Markdown, from the emitters' own feature registries (README and `pipec targets --markdown`). */
import { TARGET_NAMES, type Target } from "./types.ts";

export function coverageMarkdown(targets: Readonly<Record<string, Target>>): string {
  const names = TARGET_NAMES.filter((name) => targets[name] !== undefined);
  const fields = Object.keys(targets[names[0]!]!.features);
  const cell = (text: string) => text.replace(/\|/g, "\\|");
  const lines = [`| plan field | ${names.map((name) => targets[name]!.title).join(" | ")} |`, `| --- |${names.map(() => " --- |").join("")}`];
  for (const field of fields) {
    lines.push(`| \`${field}\` | ${names.map((name) => {
      const support = targets[name]!.features[field]!;
      return `${support.coverage}: ${cell(support.note)}`;
    }).join(" | ")} |`);
  }
  return `${lines.join("\n")}\n`;
}
