// Who tells Pulumi to stop, and what a give-up leaves on record, through runLab with the recording
// fakes. Pulumi runs in a process group of its own (pulumi-process.ts), so no signal reaches it but
// the one the lab sends through the engine: the first signal stops the running up (once), a
// destroy is left to finish, and a second signal (give up) stops the destroy and lists every
// resource the state holds. What the run returned and wrote stays as it was when it gave up.
/* eslint-disable @typescript-eslint/require-await -- fake engine steps are async functions that need not await */
import { expect } from "chai";
import * as fs from "node:fs";
import * as path from "node:path";
import { runLab } from "../../../automation/lab";
import { unlessAborted } from "../../../automation/signals";
import { ExitCode } from "../../../common/exit-codes";
import { Fakes, INSTANCE_ID, OUTPUTS_TRAIL, gate, hangingDestroy, labOptions } from "../../support/doubles/lab-fakes";

const PROBE_URN = "urn:pulumi:lab-test::trail-lab::trail-lab:index:ProbeInstance$aws:ec2/instance:Instance::probe-instance";

/** The up Pulumi runs stops only when the engine's signal says so, as a canceled update: it fails. */
function upThatStopsWhenTold(step: string, started: () => void): (s: string, signal: AbortSignal) => Promise<void> {
  return async (s, signal) => {
    if (s !== step) return;
    started();
    await new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
    throw new Error("update canceled");
  };
}

describe("automation/lab: the lab alone tells Pulumi to stop", function () {
  let fakes: Fakes;
  afterEach(() => fakes?.cleanup());

  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    it(`a ${signal} to the lab during the probe's up stops that up exactly once, then clears, destroys and exits 130`, async function () {
      const upStarted = gate();
      fakes = new Fakes({
        pending: [{ type: "creating", resource: { urn: PROBE_URN, type: "aws:ec2/instance:Instance" } }],
        onUp: upThatStopsWhenTold("probe", upStarted.open),
      });
      const run = runLab(labOptions(), fakes.deps());
      await upStarted.wait;
      fakes.signals.emit(signal);
      fakes.signals.emit(signal); // npm's forwarded copy of a Ctrl-C: still one stop
      const report = await run;
      expect(fakes.steps().filter((s) => s.startsWith("stop "))).to.deep.equal(["stop up probe"]);
      expect(report.exitCode, JSON.stringify(report.error)).to.equal(ExitCode.Interrupted);
      expect(report.cleanup).to.include({ destroyed: true, stackRemoved: true, complete: true });
      expect(report.cleanup?.pendingOperationsCleared.map((p) => p.urn)).to.deep.equal([PROBE_URN]);
    });
  }

  it("a signal during destroy leaves the destroy running (Pulumi is not told): it completes, the stack goes, exit 130", async function () {
    fakes = new Fakes({
      onDestroy: async (signal) => {
        fakes.signals.emit("SIGINT");
        expect(signal.aborted, "the destroy is not stopped by a first signal").to.equal(false);
      },
    });
    const report = await runLab(labOptions(), fakes.deps());
    expect(report.exitCode).to.equal(ExitCode.Interrupted);
    expect(fakes.steps().filter((s) => s.startsWith("destroy ") || s.startsWith("stop "))).to.deep.equal(["destroy 1"]);
    expect(report.cleanup).to.include({ destroyed: true, stackRemoved: true, complete: true });
  });

  it("a second signal during destroy stops it (its one SIGINT) and lists every resource the state holds, not only the stack", async function () {
    const destroy = hangingDestroy();
    fakes = new Fakes({ onDestroy: destroy.onDestroy });
    const run = runLab(labOptions(), fakes.deps());
    await destroy.started;
    fakes.signals.emit("SIGINT");
    fakes.clock += 5_000;
    fakes.signals.emit("SIGINT");
    const report = await run;
    expect(fakes.steps()).to.include("stop destroy 1");
    expect(report.exitCode).to.equal(ExitCode.CleanupIncomplete);
    expect(report.cleanup?.gaveUp).to.equal(true);
    expect(report.cleanup?.leftovers.map((l) => `${l.kind} ${l.id}`)).to.include.members([
      `bucket ${OUTPUTS_TRAIL.bucketName}`,
      "trail my-logs-trail",
      `instance ${INSTANCE_ID}`,
      "stack lab-test",
    ]);
    destroy.release();
  });

  it("the teardown it gave up on changes nothing of what the run returned and wrote: stdout's JSON and evidence.json agree", async function () {
    const destroy = hangingDestroy();
    fakes = new Fakes({ onDestroy: destroy.onDestroy });
    const run = runLab(labOptions(), fakes.deps());
    await destroy.started;
    fakes.signals.emit("SIGTERM");
    fakes.clock += 5_000;
    fakes.signals.emit("SIGTERM");
    const report = await run;
    const returned = JSON.stringify(report.cleanup);
    // The abandoned destroy ends after all (Pulumi finished its in-flight deletes).
    destroy.release();
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
    expect(JSON.stringify(report.cleanup)).to.equal(returned);
    const saved = JSON.parse(fs.readFileSync(path.join(fakes.projectDir, "lab-runs", "lab-test", "evidence.json"), "utf8"));
    expect(saved.cleanup).to.deep.equal(report.cleanup);
    expect(saved.cleanup).to.include({ destroyed: false, gaveUp: true, complete: false });
  });

  it("a second signal before cleanup begins: no destroy starts, every resource in state is listed, exit 4", async function () {
    const upStarted = gate();
    fakes = new Fakes({
      onUp: async (step, signal) => {
        if (step !== "probe") return;
        upStarted.open();
        await new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
        // Pulumi is still finishing the create in flight when the user gives up.
        fakes.clock += 5_000;
        fakes.signals.emit("SIGINT");
        fakes.resources.push({ urn: PROBE_URN, type: "aws:ec2/instance:Instance", id: INSTANCE_ID });
        throw new Error("update canceled");
      },
    });
    const run = runLab(labOptions(), fakes.deps());
    await upStarted.wait;
    fakes.signals.emit("SIGINT");
    const report = await run;
    expect(fakes.steps().filter((s) => s.startsWith("destroy "))).to.deep.equal([]);
    expect(fakes.steps()).not.to.include("remove");
    expect(report.exitCode).to.equal(ExitCode.CleanupIncomplete);
    expect(report.cleanup?.gaveUp).to.equal(true);
    expect(report.cleanup?.leftovers.map((l) => l.kind)).to.include.members(["bucket", "trail", "instance", "stack"]);
    // The up still finishing its create was let go, not waited for: named, and waited for before any removal.
    expect(report.error, "the give-up is the interruption, not an error of the run").to.equal(null);
    expect(report.cleanup?.leftRunning.map((l) => l.command)).to.deep.equal(["pulumi up"]);
    const pid = report.cleanup!.leftRunning[0].pid;
    expect(report.cleanup?.commands.slice(0, 2)).to.deep.equal([
      `while ps -p ${pid} -o args= 2>/dev/null | grep -q 'pulumi up'; do sleep 5; done   # let pulumi up end first (its output: ${report.cleanup!.leftRunning[0].output})`,
      "npm run lab -- --cleanup lab-test",
    ]);
  });
});

describe("automation/signals: unlessAborted", function () {
  it("returns at once, without the work's value, when the signal fired before the wait began", async function () {
    const stopped = new AbortController();
    stopped.abort();
    const work = new Promise<string>((resolve) => setTimeout(() => resolve("finished"), 50));
    expect(await unlessAborted(work, stopped.signal)).to.equal(undefined);
  });

  it("returns the work's value when the signal never fires", async function () {
    expect(await unlessAborted(Promise.resolve(42), new AbortController().signal)).to.deep.equal({ value: 42 });
  });
});
