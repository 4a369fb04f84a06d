// The smallest pipeline: one job, one step. Build it with `npx pipec build examples/hello.pipeline.ts`.
import { job, pipeline } from "pipec";

const hello = job("hello", {
  image: "pipec-test/busybox:1",
  steps: ["echo \"hello from pipec on $(uname -m)\""],
});

export default pipeline("hello", { jobs: [hello] });
