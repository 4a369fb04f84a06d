// One job definition, many jobs: every combination of the axes, minus excludes, plus includes.
// The matrix values reach the steps with their literal types ("20" | "22" | "24").
import { job, pipeline, step, when } from "pipec";

const test = job("test", {
  matrix: {
    node: ["20", "22"],
    os: ["bookworm", "alpine"],
    exclude: [{ node: "20", os: "alpine" }],
    include: [{ node: "24", os: "bookworm" }],
  },
  image: ({ matrix }) => `node:${matrix.node}-${matrix.os}`,
  steps: ({ matrix }) => [step("install", "npm ci"), step(`test on node ${matrix.node}`, `npm test -- --runtime=node${matrix.node}`)],
});

const summary = job("summary", {
  image: "alpine:3.20",
  needs: [test],
  if: when.always(),
  steps: ["echo every test job has finished"],
});

export default pipeline("matrix", { jobs: [summary] });
