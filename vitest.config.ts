import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: { alias: { pipec: fileURLToPath(new URL("./dsl/index.ts", import.meta.url)) } },
  test: {
    include: ["test/**/*.test.ts"],
    typecheck: { enabled: true, include: ["test/dsl/**/*.test.ts"], tsconfig: "./tsconfig.json" },
    testTimeout: 30_000,
    // GitHub's workflow parser imports a JSON file without import attributes: vitest must bundle it.
    server: { deps: { inline: ["@actions/workflow-parser"] } },
  },
});
