import { EventEmitter } from "node:events";
import { expect } from "chai";
import { ExitCode } from "../../common/exit-codes";
import { guardUnfinished, unfinishedMessage } from "../../common/unfinished";

/** A process as the guard sees it: an exit code, stderr, and the beforeExit event. */
class FakeProcess extends EventEmitter {
  exitCode: number | undefined = undefined;
  written = "";
  stderr = { write: (text: string) => (this.written += text) };
}

describe("common/unfinished: a command's process never ends 0 without its result", () => {
  it("holds the exit code at Unfinished while the command runs, and gives it back once it settles", async () => {
    const proc = new FakeProcess();
    let during: number | undefined;
    const result = await guardUnfinished(
      "verify",
      async () => {
        during = proc.exitCode;
        await new Promise((r) => setImmediate(r));
        return 1;
      },
      proc,
    );
    expect([during, result, proc.exitCode]).to.deep.equal([ExitCode.Unfinished, 1, undefined]);
    expect(proc.listenerCount("beforeExit")).to.equal(0);
    expect(proc.written).to.equal("");
  });

  it("gives the exit code back when the command rejects, too", async () => {
    const proc = new FakeProcess();
    proc.exitCode = 4;
    const failed = await guardUnfinished("lab", () => Promise.reject(new Error("boom")), proc).catch((e: Error) => e.message);
    expect([failed, proc.exitCode, proc.listenerCount("beforeExit")]).to.deep.equal(["boom", 4, 0]);
  });

  it("says on stderr, once, that the command had no result when the process is about to end with it unsettled", async () => {
    const proc = new FakeProcess();
    let settle: (code: number) => void = () => undefined;
    const running = guardUnfinished("verify", () => new Promise<number>((r) => (settle = r)), proc);
    proc.emit("beforeExit");
    proc.emit("beforeExit");
    expect(proc.exitCode).to.equal(ExitCode.Unfinished);
    expect(proc.written).to.equal(unfinishedMessage("verify"));
    expect(proc.written).to.match(/^trail-lab verify: .*defect.*--debug.*Exit code 70\.\n$/);
    settle(0);
    expect(await running).to.equal(0);
  });
});
