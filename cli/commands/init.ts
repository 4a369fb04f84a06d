/**
 * `pipec init`: a starter pipeline at the project root that type-checks and runs at once (busybox, or
 * the local executor without Docker), a tsconfig.json when the project has none, and `.pipec/` in
 * `.gitignore`. It never overwrites a file: an existing pipeline is an error, an existing tsconfig.json
 * or `.gitignore` line is left as it is.
 */
import { appendFileSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { EXIT } from "../exit-codes.ts";
import type { Terminal } from "../output.ts";
import { DEFAULT_PIPELINE_FILES, projectOf } from "../project.ts";

export const STARTER_PIPELINE = `// This project's pipeline. \`npx pipec run\` runs it; \`npx pipec build\` type-checks it and prints its plan.
// Jobs run in Docker containers (or as local processes when there is no Docker engine). A job that
// needs the network (npm ci, pip install) says network: "host"; the default is loopback only.
import { job, output, pipeline } from "pipec";

const build = job("build", {
  image: "busybox:1.36",
  steps: ["mkdir -p dist", "echo 'hello from pipec' > dist/hello.txt"],
  outputs: { dist: output("dist/**") },
});

const test = job("test", {
  image: "busybox:1.36",
  inputs: [build.outputs.dist], // typed: a misspelled output is a type error, and this adds the edge build -> test
  steps: ["test -s dist/hello.txt", "cat dist/hello.txt"],
});

export default pipeline("ci", { jobs: [build, test] });
`;

export const STARTER_TSCONFIG = `{
  "compilerOptions": {
    "target": "ES2022",
    "module": "ESNext",
    "moduleResolution": "Bundler",
    "strict": true,
    "noEmit": true,
    "skipLibCheck": true
  },
  "include": ["ci.pipeline.ts"]
}
`;

export function initCommand(terminal: Terminal): number {
  const cwd = process.cwd();
  const { root } = projectOf(cwd);
  const shown = (file: string) => relative(cwd, join(root, file)) || file;
  const existing = DEFAULT_PIPELINE_FILES.find((name) => existsSync(join(root, name)));
  if (existing) {
    terminal.err(`pipec init: ${shown(existing)} already exists at the project root ${root}; pipec init never overwrites. Edit it, then npx pipec build\n`);
    return EXIT.invalidInput;
  }
  const wrote: string[] = [];
  try {
    writeFileSync(join(root, "ci.pipeline.ts"), STARTER_PIPELINE, { flag: "wx" });
    wrote.push(shown("ci.pipeline.ts"));
    if (!existsSync(join(root, "tsconfig.json"))) {
      writeFileSync(join(root, "tsconfig.json"), STARTER_TSCONFIG, { flag: "wx" });
      wrote.push(shown("tsconfig.json"));
    }
    if (addToGitignore(join(root, ".gitignore"))) wrote.push(`${shown(".gitignore")} (.pipec/)`);
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    const why = code === "EACCES" || code === "EPERM" || code === "EROFS" ? "permission denied" : code === "EEXIST" ? "the file appeared meanwhile" : (cause as Error).message;
    terminal.err(`pipec init: cannot write in ${root}: ${why}${wrote.length ? ` (wrote ${wrote.join(", ")})` : ""}\n`);
    return EXIT.invalidInput;
  }
  terminal.err(`pipec init: wrote ${wrote.join(", ")}\n\nNext:\n  npx pipec build        # type-check ci.pipeline.ts and print its plan\n  npx pipec run          # run it: build, then test with build's output\n  npx pipec logs last    # what each job printed\n`);
  return EXIT.ok;
}

/** Adds `.pipec/` to the .gitignore unless a line already ignores it; true when it wrote. */
function addToGitignore(file: string): boolean {
  const text = existsSync(file) ? readFileSync(file, "utf8") : "";
  const lines = text.split(/\r?\n/).map((line) => line.trim());
  if (lines.some((line) => [".pipec", ".pipec/", "/.pipec", "/.pipec/"].includes(line))) return false;
  appendFileSync(file, `${text === "" || text.endsWith("\n") ? "" : "\n"}.pipec/\n`);
  return true;
}
