// One job definition, many jobs: every combination of the axes, minus excludes, plus includes.
// The matrix values reach the image and the steps with their literal types (shard: "1" | "2" | "3").
// Runs as shipped: npx pipec run examples/matrix.pipeline.ts
import { job, pipeline, step, when } from "pipec";

const test = job("test", {
  matrix: {
    shard: ["1", "2", "3"],
    runtime: ["busybox", "node"],
    exclude: [{ shard: "3", runtime: "node" }],
    include: [{ shard: "4", runtime: "busybox" }],
  },
  image: ({ matrix }) => (matrix.runtime === "node" ? "node:20" : "busybox:1.36"),
  steps: ({ matrix }) => [
    step(`shard ${matrix.shard}`, `echo "shard ${matrix.shard} on ${matrix.runtime}"`),
    matrix.runtime === "node" ? "node -e 'console.log(process.version)'" : "busybox | head -1",
  ],
});

const summary = job("summary", {
  image: "busybox:1.36",
  needs: [test],
  if: when.always(),
  steps: ["echo every test job has finished"],
});

export default pipeline("matrix", { jobs: [summary] });
