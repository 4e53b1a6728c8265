// `npm run lab` through the real Pulumi CLI and language host, the stand-in AWS provider plugin,
// and the local AWS protocol servers the offline tests use (test/support/processes/lab-process.ts): the
// lab's own Automation API calls, its real checkpoint edits (`stack export`/`import`) and the
// real engine's answers to a failed create and to the one SIGINT the lab sends it. Only verify/ is
// a double (verifier-double.ts): the stand-in provider writes no trail logs to find.
import { expect } from "chai";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ExitCode } from "../../common/exit-codes";
import { startLabProcess, within, type LabProcess } from "../support/processes/lab-process";
import { createEngineWorld, type EngineWorld } from "./engine-world";
import type { Call } from "./plugin/store";
import { standInDrillWorld } from "./drill-standin";
import type { DrillReport } from "../../automation/drill/drill-report";

/** What the lab's child needs of the world's environment to reach the real CLI and the stand-in plugin. */
const ENGINE_ENV = [
  "PATH",
  "PULUMI_HOME",
  "PULUMI_SKIP_UPDATE_CHECK",
  "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION",
  "PULUMI_IGNORE_AMBIENT_PLUGINS",
  "TRAIL_LAB_AWS_STANDIN_DIR",
];
const INSTANCE = "aws:ec2/instance:Instance";

interface LabJson {
  exitCode: number;
  interrupted: string | null;
  outputs: Record<string, unknown> | null;
  error: { message: string; exitCode: number | null } | null;
  drill?: DrillReport | null;
  cleanup: {
    destroyed: boolean;
    stackRemoved: boolean;
    complete: boolean;
    gaveUp: boolean;
    leftRunning: { command: string; pid: number; output: string }[];
    commands: string[];
    pendingOperationsCleared: { type: string; urn: string }[];
    leftovers: { kind: string; id: string }[];
  } | null;
}

describe("engine: npm run lab through the real CLI and the stand-in AWS plugin", function () {
  let world: EngineWorld;
  let lab: LabProcess;
  let labOptions: Parameters<typeof startLabProcess>[0];

  beforeEach(async function () {
    world = createEngineWorld();
    const env: NodeJS.ProcessEnv = Object.fromEntries(ENGINE_ENV.map((k) => [k, world.env[k]]));
    // Type-checking of infra/ under the real host is the subject of pulumi-cli and typecheck.test.ts;
    // here each of the lab's ups would spend 30 to 60 s on it again.
    env.PULUMI_NODEJS_TRANSPILE_ONLY = "true";
    labOptions = {
      projectDir: world.projectDir,
      env,
      instanceState: (id) =>
        Object.values(world.standIn.resources()).some((r) => r.type === INSTANCE && r.id === id) ? "running" : "terminated",
    };
    lab = await startLabProcess(labOptions);
  });
  afterEach(async function () {
    await lab?.close();
    world?.remove();
  });

  const stackFile = (stack: string) => path.join(world.projectDir, ".pulumi-state", ".pulumi", "stacks", "trail-lab", `${stack}.json`);
  const creates = (calls: Call[]) => calls.filter((c) => c.method === "Create" && !c.outcome).map((c) => c.name);
  /** The lab's stderr carries the engine's output; the real CLI says this once per SIGINT it gets. */
  const sigintsPulumiHeard = (stderr: string) => stderr.split("^C received").length - 1;

  const runToEnd = (args: string[]) => finish(lab.start(args));

  it("the cycle: up of the trail, up of the probe, verify, evidence, destroy, stack rm; nothing left, exit 0", async function () {
    const { code, report, stderr } = await runToEnd(["--json", "--stack", "lab-eng", "--settle", "0"]);
    expect(code, stderr).to.equal(ExitCode.Ok);
    expect(report.outputs).to.include.keys("bucketName", "trailName", "trailArn", "instanceId");
    expect(report.cleanup).to.include({ destroyed: true, stackRemoved: true, complete: true });

    // Two ups, each a plugin process of its own: the trail and its bucket first, then the probe alone.
    const calls = world.standIn.calls();
    const byUp = [...new Set(calls.filter((c) => c.method === "Create").map((c) => c.pid))].map((pid) =>
      creates(calls.filter((c) => c.pid === pid)),
    );
    expect(byUp, "the creates of each up").to.have.length(2);
    expect(byUp[0]).to.include.members(["audit-logs-bucket", "audit-logs-policy", "audit-trail"]).and.not.include("probe-instance");
    expect(byUp[1]).to.include("probe-instance").and.not.include("audit-trail");
    const saved = JSON.parse(fs.readFileSync(path.join(world.projectDir, "lab-runs", "lab-eng", "evidence.json"), "utf8")) as LabJson;
    expect(saved.cleanup).to.deep.equal(report.cleanup);
    expect(saved.outputs).to.deep.equal(report.outputs);

    expect(world.standIn.resources(), "the stand-in's store after destroy").to.deep.equal({});
    expect(fs.existsSync(stackFile("lab-eng")), "the stack's checkpoint after stack rm").to.equal(false);
    expect(fs.existsSync(path.join(world.projectDir, "Pulumi.lab-eng.yaml")), "Pulumi.lab-eng.yaml after stack rm").to.equal(false);
  });

  // delete is left out: the drill world answers no CreateTrail (its revert re-creates the trail), and a
  // trail made outside Pulumi is one the stand-in plugin never learns of, so destroy would leave it.
  it("--drill stop,selectors,lifecycle,bucket-policy against the trail and bucket the real engine declared: each recorded, seen, alerted, reverted; destroyed, exit 0", async function () {
    const drillWorld = await standInDrillWorld(world.standIn, "us-east-1");
    const drillLab = await startLabProcess({ ...labOptions, env: { ...labOptions.env, TRAIL_LAB_DRILL_WORLD: drillWorld.endpoint } });
    try {
      const { code, report, stderr } = await finish(
        drillLab.start(["--json", "--stack", "lab-drill", "--settle", "0", "--drill", "stop,selectors,lifecycle,bucket-policy"]),
      );
      expect(code, stderr).to.equal(ExitCode.Ok);
      const drill = report.drill!;
      expect(drill, "the evidence's drill record").to.be.an("object");
      expect(drill.techniques.map((t) => [t.name, t.status])).to.deep.equal([
        ["stop", "proven"],
        ["selectors", "proven"],
        ["lifecycle", "proven"],
        ["bucket-policy", "proven"],
      ]);
      for (const t of drill.techniques) {
        expect([t.recorded.eventHistory.status, t.recorded.s3.status], `${t.name} recorded`).to.deep.equal(["proven", "proven"]);
        const seen = t.seen.filter((s) => s.check !== "integrity");
        expect(seen, `${t.name} seen`).to.not.be.empty;
        for (const s of seen) expect(s.status, `${t.name} seen by ${s.check} ${s.what}: ${s.reason}`).to.equal("proven");
        expect(
          t.alerts.filter((a) => a.via === "eventbridge").map((a) => a.status),
          `${t.name} alerted`,
        ).to.include("proven");
        expect(t.reverted.status, `${t.name} reverted`).to.equal("reverted");
      }
      expect(drill.unreverted).to.deep.equal([]);
      expect(drill.verdict).to.equal("proven");
      // The drill's calls reached the world with the run's user agent, and the world was the stand-in's.
      expect(drillWorld.callsOf("StopLogging").map((c) => c.userAgent)).to.have.length(1);
      expect(drillWorld.callsOf("StopLogging")[0].userAgent).to.contain(drill.userAgent);
      expect(report.cleanup).to.include({ destroyed: true, stackRemoved: true, complete: true });
      expect(world.standIn.resources()).to.deep.equal({});
      expect(fs.existsSync(stackFile("lab-drill"))).to.equal(false);
    } finally {
      await drillLab.close();
      await drillWorld.close();
    }
  });

  it("a failed second up (the probe's create): exit 3, what the first up made destroyed, stack removed", async function () {
    world.standIn.setControl({ failCreate: { "probe-instance": "" } });
    const { code, report, stderr } = await runToEnd(["--json", "--stack", "lab-fail", "--settle", "0"]);
    expect(code, stderr).to.equal(ExitCode.AwsError);
    expect(report.error?.message).to.match(/creating EC2 Instance \(probe-instance\)/);
    expect(report.cleanup).to.include({ destroyed: true, stackRemoved: true, complete: true });
    expect(world.standIn.resources()).to.deep.equal({});
    expect(fs.existsSync(stackFile("lab-fail"))).to.equal(false);
  });

  const signals = [
    {
      how: "a terminal's Ctrl-C under npm (the lab's group, then npm's copy)",
      send: (pid: number) => (process.kill(-pid, "SIGINT"), process.kill(pid, "SIGINT")),
      signal: "SIGINT",
    },
    { how: "a supervisor's SIGTERM to the lab's pid alone", send: (pid: number) => process.kill(pid, "SIGTERM"), signal: "SIGTERM" },
  ] as const;
  for (const way of signals) {
    it(`${way.how} during the probe's create: the real CLI hears one SIGINT, cancels the create; destroyed, removed, exit 130`, async function () {
      world.standIn.setControl({ hangCreate: ["probe-instance"], hangSeconds: 600 });
      const run = lab.start(["--json", "--stack", "lab-sig", "--settle", "0"]);
      const hanging = await within(10 * 60_000, () => world.standIn.calls().some((c) => c.outcome === "hanging"));
      expect(hanging, "the probe's create started").to.equal(true);
      // What the real checkpoint holds while the create is in flight: the lab has to clear it after a kill.
      const during = JSON.parse(fs.readFileSync(stackFile("lab-sig"), "utf8"));
      expect(
        during.checkpoint.latest.pending_operations?.map((p: { type: string; resource: { urn: string } }) => [
          p.type,
          p.resource.urn.split("::").pop(),
        ]),
      ).to.deep.equal([["creating", "probe-instance"]]);
      way.send(run.pid());
      const { code, stdout, stderr } = await run.done;
      const report = JSON.parse(stdout) as LabJson;

      expect(sigintsPulumiHeard(stderr), `SIGINTs the real CLI reported\n${stderr}`).to.equal(1);
      // The engine passed the stop on to the provider (Cancel), which ended the create as failed.
      expect(
        world.standIn
          .calls()
          .filter((c) => c.method === "Create" && c.name === "probe-instance")
          .map((c) => c.outcome),
      ).to.deep.equal(["hanging", "failed: Create of probe-instance canceled: the engine asked the provider to stop"]);
      expect(code, stderr).to.equal(ExitCode.Interrupted);
      expect(report.interrupted).to.equal(way.signal);
      expect(report.cleanup).to.include({ destroyed: true, stackRemoved: true, complete: true });
      // One SIGINT lets the engine finish the create (it failed, canceled) and write a clean checkpoint.
      expect(report.cleanup?.pendingOperationsCleared).to.deep.equal([]);
      expect(world.standIn.resources()).to.deep.equal({});
      expect(fs.existsSync(stackFile("lab-sig"))).to.equal(false);
    });
  }

  it("a second SIGTERM while Pulumi finishes a create that ignores the cancel: Pulumi is not told twice, the lab stops waiting for it; no destroy; every resource in the real state and the create in flight listed, exit 4", async function () {
    world.standIn.setControl({ hangCreate: ["probe-instance"], hangSeconds: 600, hangIgnoresCancel: true });
    const run = lab.start(["--json", "--stack", "lab-give", "--settle", "0"]);
    const labEnded = endedFlag(run);
    expect(
      await within(10 * 60_000, () => world.standIn.calls().some((c) => c.outcome === "hanging")),
      "the probe's create started",
    ).to.equal(true);
    const plugin = world.standIn.calls().find((c) => c.outcome === "hanging")!.pid;
    const up = parentOf(plugin);
    process.kill(run.pid(), "SIGTERM");
    expect(
      await within(60_000, () => world.standIn.calls().some((c) => c.method === "Cancel" && c.pid === plugin)),
      "the engine passed the stop to the provider",
    ).to.equal(true);
    // Past the window in which a repeat counts as the same signal (signals.ts, REPEAT_WINDOW_MS).
    await new Promise((r) => setTimeout(r, 2_500));
    process.kill(run.pid(), "SIGTERM");
    const ended = await within(60_000, labEnded);
    // The provider's call comes back after all: the instance exists, and the checkpoint says so.
    world.standIn.setControl({});
    const { code, report, stderr } = await finish(run);
    await within(120_000, () => !alive(up));
    expect(ended, `the lab still waited for pulumi up 60 s after the give-up\n${stderr}`).to.equal(true);

    expect(sigintsPulumiHeard(stderr), stderr).to.equal(1);
    expect(code, stderr).to.equal(ExitCode.CleanupIncomplete);
    expect(report.cleanup).to.include({ gaveUp: true, destroyed: false, complete: false });
    expect(report.cleanup!.leftRunning.map((l) => [l.command, l.pid])).to.deep.equal([["pulumi up", up]]);
    fs.rmSync(report.cleanup!.leftRunning[0].output, { recursive: true, force: true });
    expect(
      world.standIn.calls().filter((c) => c.method === "Delete"),
      "no destroy started",
    ).to.deep.equal([]);
    const created = Object.values(world.standIn.resources());
    expect(created.map((r) => r.name)).to.include.members(["audit-logs-bucket", "audit-trail", "probe-instance"]);
    // What the state held at the give-up, by id; the create then in flight, by its name (its id came later).
    const listed = report.cleanup!.leftovers.map((l) => l.id);
    for (const r of created)
      expect(listed, `${r.name} (${r.id}) among the leftovers`).to.include(r.name === "probe-instance" ? r.name : r.id);
    expect(listed).to.include("lab-give");
  });

  it("a second SIGTERM while a destroy hangs on a delete that ignores the cancel (#20 item 9): the lab stops waiting at once, starts no other destroy, and Pulumi starts no delete after its one SIGINT; exit 4", async function () {
    world.standIn.setControl({ hangDelete: ["probe-instance"], hangSeconds: 600, hangIgnoresCancel: true });
    const run = lab.start(["--json", "--stack", "lab-hang", "--settle", "0"]);
    const labEnded = endedFlag(run);
    expect(
      await within(10 * 60_000, () => world.standIn.calls().some((c) => c.method === "Delete" && c.outcome === "hanging")),
      "the probe's delete started",
    ).to.equal(true);
    const plugin = world.standIn.calls().find((c) => c.method === "Delete" && c.outcome === "hanging")!.pid;
    const destroy = parentOf(plugin);
    process.kill(run.pid(), "SIGTERM");
    // Past the window in which a repeat counts as the same signal (signals.ts, REPEAT_WINDOW_MS).
    await new Promise((r) => setTimeout(r, 2_500));
    process.kill(run.pid(), "SIGTERM");
    expect(
      await within(60_000, () => world.standIn.calls().some((c) => c.method === "Cancel" && c.pid === plugin)),
      "the engine passed the give-up's SIGINT to the provider",
    ).to.equal(true);
    const atGiveUp = world.standIn.calls().length;
    const ended = await within(60_000, labEnded);
    const seen = () =>
      world.standIn
        .calls()
        .map((c, i) => `${i < atGiveUp ? "before" : "after "} pid ${c.pid} ${c.method} ${c.name ?? ""} ${c.outcome ?? ""}`)
        .join("\n");
    // Whatever the lab did, the provider's call now comes back, and the engine may go on.
    world.standIn.setControl({});
    const { code, report, stderr } = await finish(run);
    await within(120_000, () => !alive(destroy));
    const diagnosis = `\n--- provider calls\n${seen()}\n--- lab stderr\n${stderr}`;
    expect(ended, `the lab still waited for pulumi destroy 60 s after the give-up${diagnosis}`).to.equal(true);
    expect(code, diagnosis).to.equal(ExitCode.CleanupIncomplete);
    expect(report.cleanup, diagnosis).to.include({ gaveUp: true, destroyed: false, complete: false });
    // The destroy it let go of: named, and waited for before anything else the commands say.
    const left = report.cleanup!.leftRunning;
    expect(
      left.map((l) => [l.command, l.pid]),
      diagnosis,
    ).to.deep.equal([["pulumi destroy", destroy]]);
    expect(report.cleanup!.commands[0], diagnosis).to.contain(`while ps -p ${destroy} -o args=`);
    // Pulumi wrote on into its files after the lab had gone (a pipe would have killed it: SIGPIPE),
    // heard one SIGINT, and finished the delete in flight.
    const pulumiSaid = ["stdout", "stderr"].map((f) => fs.readFileSync(path.join(left[0].output, f), "utf8")).join("\n");
    fs.rmSync(left[0].output, { recursive: true, force: true });
    expect(sigintsPulumiHeard(pulumiSaid), `${pulumiSaid}${diagnosis}`).to.equal(1);
    expect(pulumiSaid).to.match(/aws:ec2:Instance probe-instance deleted/);
    const after = world.standIn.calls().slice(atGiveUp);
    expect(
      after.filter((c) => c.method === "Delete").map((c) => [c.pid, c.name, c.outcome ?? "done"]),
      `only the delete in flight at the give-up ends after it, in the same destroy${diagnosis}`,
    ).to.deep.equal([[plugin, "probe-instance", "done"]]);
    expect(
      world.standIn.calls().filter((c) => c.method === "Delete" && c.pid !== plugin),
      `deletes of another pulumi destroy${diagnosis}`,
    ).to.deep.equal([]);
  });

  it("a Pulumi killed during the probe's create (the OOM killer): its stale lock cancelled, the pending create cleared from the real checkpoint, destroyed, exit 3", async function () {
    world.standIn.setControl({ hangCreate: ["probe-instance"], hangSeconds: 600 });
    const run = lab.start(["--json", "--stack", "lab-kill", "--settle", "0"]);
    expect(
      await within(10 * 60_000, () => world.standIn.calls().some((c) => c.outcome === "hanging")),
      "the probe's create started",
    ).to.equal(true);
    const plugin = world.standIn.calls().find((c) => c.outcome === "hanging")!.pid;
    const pulumiPid = parentOf(plugin);
    // The plugin outlives its engine: let its create fail now, as an API call dropped with it would.
    world.standIn.setControl({ failCreate: { "probe-instance": "" } });
    // The OOM killer takes Pulumi alone: its language host (sdk 3.68.0's) is left running, orphaned, as
    // it would be on a real machine; the test ends it, so that the suite leaves nothing behind.
    const orphans = childrenOf(pulumiPid).filter((pid) => pid !== plugin);
    process.kill(pulumiPid, "SIGKILL");
    const { code, report, stderr } = await finish(run);
    for (const pid of orphans) if (runs(pid, "pulumi-language-nodejs")) process.kill(pid, "SIGKILL");
    expect(code, stderr).to.equal(ExitCode.AwsError);
    expect(stderr).to.contain("removed the lock a killed pulumi command of this run left");
    expect(report.cleanup?.pendingOperationsCleared.map((p) => [p.type, p.urn.split("::").pop()])).to.deep.equal([
      ["creating", "probe-instance"],
    ]);
    expect(report.cleanup).to.include({ destroyed: true, stackRemoved: true, complete: true });
    expect(Object.values(world.standIn.resources()).map((r) => r.name)).to.deep.equal([]);
  });

  it("--cleanup of a stack left by --keep: destroyed and removed, exit 0", async function () {
    const kept = await runToEnd(["--json", "--stack", "lab-keep", "--settle", "0", "--keep"]);
    expect(kept.code, kept.stderr).to.equal(ExitCode.Ok);
    expect(Object.values(world.standIn.resources()).map((r) => r.name)).to.include.members(["audit-trail", "probe-instance"]);
    expect(fs.existsSync(stackFile("lab-keep"))).to.equal(true);

    const { code, report, stderr } = await runToEnd(["--json", "--cleanup", "lab-keep"]);
    expect(code, stderr).to.equal(ExitCode.Ok);
    expect(report.cleanup).to.include({ destroyed: true, stackRemoved: true, complete: true });
    expect(world.standIn.resources()).to.deep.equal({});
    expect(fs.existsSync(stackFile("lab-keep"))).to.equal(false);
  });

  it("--cleanup of a stack whose lock a Pulumi of this host left and no longer runs (a reboot, a killed container): removed, destroyed, exit 0", async function () {
    const kept = await runToEnd(["--json", "--stack", "lab-stale", "--settle", "0", "--keep"]);
    expect(kept.code, kept.stderr).to.equal(ExitCode.Ok);
    // The lock file as Pulumi's file backend writes it (backend/diy/lock.go), by a pid no process holds now.
    const dead = spawnSync("true").pid;
    const locks = path.join(world.projectDir, ".pulumi-state", ".pulumi", "locks", "organization", "trail-lab", "lab-stale");
    fs.mkdirSync(locks, { recursive: true });
    const taken = new Date(Date.now() - 3_600_000).toISOString().replace(/\.\d+Z$/, "Z");
    fs.writeFileSync(
      path.join(locks, "5f0c2b9e-3d4a-4f7e-9a61-0b2c8d1e7f44.json"),
      JSON.stringify({ pid: dead, username: os.userInfo().username, hostname: os.hostname(), timestamp: taken }),
    );

    const { code, report, stderr } = await runToEnd(["--json", "--cleanup", "lab-stale"]);
    expect(code, stderr).to.equal(ExitCode.Ok);
    expect(stderr).to.include(
      `destroy: the stack's lock was stale (pulumi pid ${dead} on ${os.hostname()} (its lock of ${taken}) is no longer running)`,
    );
    expect(report.cleanup).to.include({ destroyed: true, stackRemoved: true, complete: true, destroyAttempts: 2 });
    expect(world.standIn.resources()).to.deep.equal({});
    expect(fs.existsSync(stackFile("lab-stale"))).to.equal(false);
    expect(fs.existsSync(locks) ? fs.readdirSync(locks) : [], "the stale lock").to.deep.equal([]);
  });

  async function finish(run: ReturnType<LabProcess["start"]>): Promise<{ code: number | null; report: LabJson; stderr: string }> {
    const { code, stdout, stderr } = await run.done;
    try {
      return { code, report: JSON.parse(stdout) as LabJson, stderr };
    } catch {
      throw new Error(`the lab printed no JSON report (exit ${code})\n--- stdout\n${stdout}\n--- stderr\n${stderr}`);
    }
  }
});

/** Whether the lab's run has ended, asked at any time (a give-up must let it end without Pulumi). */
function endedFlag(run: ReturnType<LabProcess["start"]>): () => boolean {
  let ended = false;
  const end = () => (ended = true);
  void run.done.then(end, end);
  return () => ended;
}

/** The processes whose parent is `pid`, from /proc (Linux). */
function childrenOf(pid: number): number[] {
  return fs
    .readdirSync("/proc")
    .filter((entry) => /^\d+$/.test(entry))
    .map(Number)
    .filter((child) => {
      try {
        return parentOf(child) === pid;
      } catch {
        return false; // ended while being read
      }
    });
}

/** Whether process `pid` is alive and its program's name ends with `name` (not a pid reused by another). */
function runs(pid: number, name: string): boolean {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0")[0].endsWith(name);
  } catch {
    return false;
  }
}

/** Whether a process (the destroy's pulumi) is still running. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The parent of a process, from /proc (Linux): the engine that started a plugin. */
function parentOf(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
  return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
}
