// The smallest pipeline: one job, one step. Build it with `npx pipec build examples/hello.pipeline.ts`.
import { job, pipeline } from "pipec";

const hello = job("hello", {
  image: "busybox:1.36",
  steps: ["echo \"hello from pipec on $(uname -m)\""],
});

export default pipeline("hello", { jobs: [hello] });
