#!/usr/bin/env node
// pipec's command. The CLI is bundled into dist/ by `npm install` (the prepare script) or `npm run build`.
import { existsSync } from "node:fs";

const cli = new URL("../dist/cli.mjs", import.meta.url);
if (!existsSync(cli)) {
  process.stderr.write("pipec is not built yet: run `npm install` (or `npm run build`) in the pipec folder.\n");
  process.exit(2);
}
await import(cli.href);
