/**
 * The one adapter around fast-xml-parser: report files to plain element trees. fast-xml-parser is a
 * real XML parser (well-formedness checked with line and column, entities, CDATA, attributes) with no
 * native code and no dependencies. Entity declarations are refused before parsing, so a report cannot
 * expand itself into gigabytes.
 */
import { createRequire } from "node:module";
import type { XMLParser as Parser } from "fast-xml-parser";

/** An element: its attributes, its child elements by name (always lists), and its text. */
export interface XmlElement {
  readonly name: string;
  readonly attributes: Readonly<Record<string, string>>;
  readonly children: readonly XmlElement[];
  readonly text: string;
}

export type XmlResult = { readonly ok: true; readonly root: XmlElement } | { readonly ok: false; readonly message: string };

// Loaded on first use (its CommonJS build: one file, where the ES build is dozens): most runs read no report.
let fxp: typeof import("fast-xml-parser") | undefined;
let parser: Parser | undefined;
const load = () => (fxp ??= createRequire(import.meta.url)("fast-xml-parser") as typeof import("fast-xml-parser"));
const newParser = (): Parser => new (load().XMLParser)({
  ignoreAttributes: false,
  attributeNamePrefix: "",
  preserveOrder: true,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  processEntities: true,
  htmlEntities: false,
  cdataPropName: "#cdata",
  commentPropName: "#comment",
});

export function parseXml(text: string): XmlResult {
  if (/<!ENTITY/i.test(text)) return { ok: false, message: "it declares XML entities, which pipec does not expand" };
  const valid = load().XMLValidator.validate(text);
  if (valid !== true) return { ok: false, message: `not well-formed XML at line ${valid.err.line}, column ${valid.err.col}: ${describeProblem(valid.err.msg)}` };
  const nodes = (parser ??= newParser()).parse(text) as unknown[];
  const elements = nodes.map(toElement).filter((element): element is XmlElement => element !== null);
  const root = elements[0];
  return root === undefined ? { ok: false, message: "it holds no XML element" } : { ok: true, root };
}

/** preserveOrder nodes look like `{ tag: [children], ":@": { attr: value } }`, text nodes `{ "#text": "..." }`. */
function toElement(node: unknown): XmlElement | null {
  if (node === null || typeof node !== "object") return null;
  const record = node as Record<string, unknown>;
  const name = Object.keys(record).find((key) => key !== ":@" && !key.startsWith("#") && !key.startsWith("?"));
  if (name === undefined) return null;
  const rawChildren = Array.isArray(record[name]) ? (record[name] as unknown[]) : [];
  const attributes: Record<string, string> = {};
  const group = record[":@"];
  if (group !== null && typeof group === "object") for (const [key, value] of Object.entries(group)) attributes[key] = String(value);
  let text = "";
  const children: XmlElement[] = [];
  for (const child of rawChildren) {
    if (child !== null && typeof child === "object") {
      const childRecord = child as Record<string, unknown>;
      if ("#text" in childRecord) text += String(childRecord["#text"]);
      else if ("#cdata" in childRecord) text += cdataText(childRecord["#cdata"]);
      else {
        const element = toElement(child);
        if (element !== null) children.push(element);
      }
    }
  }
  return { name, attributes, children, text };
}

function cdataText(value: unknown): string {
  if (!Array.isArray(value)) return String(value ?? "");
  return value.map((part) => (part !== null && typeof part === "object" && "#text" in part ? String((part as Record<string, unknown>)["#text"]) : "")).join("");
}

/** Every descendant element with this name, depth first. */
export function descendants(element: XmlElement, name: string): XmlElement[] {
  const found: XmlElement[] = [];
  const walk = (node: XmlElement) => {
    for (const child of node.children) {
      if (child.name === name) found.push(child);
      walk(child);
    }
  };
  walk(element);
  return found;
}

/** fast-xml-parser names unclosed elements as a JSON list: say it in words. */
function describeProblem(message: string): string {
  const unclosed = /^Invalid '\[(.*)\]' found\.$/s.exec(message);
  if (unclosed === null) return message;
  const names = [...unclosed[1]!.matchAll(/"([^"]+)"/g)].map((match) => `<${match[1]}>`);
  return `${names.join(", ")} never closed (is the file cut short?)`;
}
