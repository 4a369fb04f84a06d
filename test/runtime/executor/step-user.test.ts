/** Who steps run as, and the one-shot step command: pure. */
import { describe, expect, it } from "vitest";
import { stepCommand } from "../../../runtime/executor/step-scripts.ts";
import { stepUser } from "../../../runtime/executor/step-user.ts";

describe("stepUser", () => {
  it("runs as the invoker's uid:gid by default, with a home of its own", () => {
    expect(stepUser("invoker", { uid: 1000, gid: 100 })).toEqual({ spec: "1000:100", home: { uid: 1000, gid: 100 } });
  });
  it("runs as root when asked, or when pipec itself runs as root, with the image's HOME", () => {
    expect(stepUser("root", { uid: 1000, gid: 100 })).toEqual({ spec: "0:0", home: null });
    expect(stepUser("invoker", { uid: 0, gid: 0 })).toEqual({ spec: "0:0", home: null });
  });
  it("leaves the image's USER alone with image", () => {
    expect(stepUser("image", { uid: 1000, gid: 100 })).toEqual({ spec: "", home: null });
  });
});

describe("stepCommand", () => {
  it("passes the script as an argument, never inside the wrapper's text", () => {
    const command = stepCommand("echo '$HOME' \"$(id)\"", "7", "/pipec/home");
    expect(command.slice(0, 2)).toEqual(["sh", "-c"]);
    expect(command.slice(3)).toEqual(["pipec-step", "echo '$HOME' \"$(id)\"", "7", "/pipec/home"]);
  });
});
