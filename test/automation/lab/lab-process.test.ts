// `npm run lab` as its own process on the stand-in `pulumi`, signalled as the world signals it:
// a terminal's Ctrl-C goes to the lab's whole process group (and under npm, npm forwards a copy
// to the lab), a supervisor's SIGTERM or `kill <pid>` to the lab alone. Pulumi runs in a group of
// its own, so in every case it hears the stop from the lab only, exactly once, and the run
// destroys, removes the stack and exits 130, its stdout and its evidence.json saying the same.
// A Pulumi killed outright (kill -9, the OOM killer) leaves its lock and a pending create: the lab
// removes the lock it knows is stale, clears the create, destroys, and exits 3.
import { expect } from "chai";
import * as fs from "node:fs";
import * as path from "node:path";
import { ExitCode } from "../../../common/exit-codes";
import { FAKE_PULUMI_BIN } from "../../support/doubles/fake-pulumi";
import { startLabProcess, standInProject, within, type LabProcess } from "../../support/processes/lab-process";

const ways = [
  {
    how: "a terminal's Ctrl-C under npm: the lab's process group, then npm's forwarded copy",
    send: (pid: number) => (process.kill(-pid, "SIGINT"), process.kill(pid, "SIGINT")),
    signal: "SIGINT",
  },
  { how: "a supervisor's SIGTERM to the lab's pid alone", send: (pid: number) => process.kill(pid, "SIGTERM"), signal: "SIGTERM" },
] as const;

describe("automation/cli as a process: who sends the signal does not change what Pulumi hears", function () {
  // Bounded inside: the child's own bound, 120 s for the probe's up to start, 30 s for the stop.
  this.timeout(10 * 60_000);
  let lab: LabProcess;
  let projectDir: string;
  let fakeDir: string;
  let waitFile: string;

  const calls = () =>
    fs.existsSync(path.join(fakeDir, "calls.jsonl"))
      ? fs
          .readFileSync(path.join(fakeDir, "calls.jsonl"), "utf8")
          .trim()
          .split("\n")
          .map((l) => JSON.parse(l) as { argv?: string[]; signal?: string; pid?: number; pgid?: number | null })
      : [];

  beforeEach(async function () {
    projectDir = standInProject();
    fakeDir = fs.mkdtempSync(path.join(projectDir, "fake-pulumi-"));
    waitFile = path.join(projectDir, "up-may-finish");
    lab = await startLabProcess({
      projectDir,
      env: {
        PATH: `${FAKE_PULUMI_BIN}${path.delimiter}${process.env.PATH ?? ""}`,
        FAKE_PULUMI_DIR: fakeDir,
        FAKE_PULUMI_UP_WAIT_FILE: waitFile,
      },
    });
  });
  afterEach(async function () {
    await lab.close();
    fs.rmSync(projectDir, { recursive: true, force: true });
  });

  for (const way of ways) {
    it(`${way.how}: Pulumi gets one SIGINT, from the lab; destroyed, removed, exit 130`, async function () {
      const run = lab.start(["--json", "--stack", "lab-proc", "--settle", "0"]);
      expect(await within(120_000, () => fs.existsSync(path.join(fakeDir, "up.pid"))), "the probe's up started").to.equal(true);
      way.send(run.pid());
      const told = await within(30_000, () => calls().some((c) => c.signal === "SIGINT"));
      // Bounded either way: an up nobody stopped is let finish, so the run ends and the test fails on its own terms.
      if (!told) fs.writeFileSync(waitFile, "");
      const { code, stdout, stderr } = await run.done;

      expect(told, `Pulumi was told to stop within 30 s\n${stderr}`).to.equal(true);
      expect(
        calls().filter((c) => c.signal === "SIGINT"),
        "SIGINTs Pulumi received",
      ).to.have.length(1);
      const up = calls()
        .filter((c) => c.argv?.[0] === "up")
        .at(-1)!;
      if (up.pgid !== null)
        expect(up.pgid, "pulumi up leads a process group of its own, not the lab's").to.equal(up.pid).and.not.equal(run.pid());
      const report = JSON.parse(stdout);
      expect(code, `${stderr}\n${JSON.stringify(report.cleanup)}`).to.equal(ExitCode.Interrupted);
      expect(report.interrupted).to.equal(way.signal);
      expect(report.cleanup).to.include({ destroyed: true, stackRemoved: true, complete: true });
      // One SIGINT: Pulumi ends the create in flight and leaves nothing pending, as the real engine does.
      expect(report.cleanup.pendingOperationsCleared).to.deep.equal([]);
      const saved = JSON.parse(fs.readFileSync(path.join(projectDir, "lab-runs", "lab-proc", "evidence.json"), "utf8"));
      expect(saved.cleanup).to.deep.equal(report.cleanup);
      expect(saved.exitCode).to.equal(ExitCode.Interrupted);
    });
  }

  it("a Pulumi killed during the probe's up: the lab cancels the stale lock its own up left, clears the pending create, destroys, exit 3", async function () {
    const run = lab.start(["--json", "--stack", "lab-kill", "--settle", "0"]);
    expect(await within(120_000, () => fs.existsSync(path.join(fakeDir, "up.pid"))), "the probe's up started").to.equal(true);
    process.kill(Number(fs.readFileSync(path.join(fakeDir, "up.pid"), "utf8")), "SIGKILL");
    const { code, stdout, stderr } = await run.done;
    const report = JSON.parse(stdout);
    expect(code, `${stderr}\n${JSON.stringify(report.cleanup)}`).to.equal(ExitCode.AwsError);
    const commands = calls()
      .filter((c) => c.argv)
      .map((c) => c.argv![0]);
    expect(commands.indexOf("cancel"), "pulumi cancel after the killed up").to.be.greaterThan(commands.lastIndexOf("up"));
    expect(commands.indexOf("cancel")).to.be.lessThan(commands.indexOf("destroy"));
    expect(report.cleanup.pendingOperationsCleared.map((p: { urn: string }) => p.urn)).to.deep.equal([
      "urn:pulumi:lab-kill::trail-lab::trail-lab:index:ProbeInstance$aws:ec2/instance:Instance::probe-instance",
    ]);
    expect(report.cleanup).to.include({ destroyed: true, stackRemoved: true, complete: true });
  });
});
