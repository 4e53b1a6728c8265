// The teardown on its own (automation/cleanup/cleanup.ts), against the lab's recording fakes: what
// it runs in which order, when it retries destroy, when it sweeps, and what its report says is left
// and how to remove it, after success, failure, a give-up, and a state it could not read.
/* eslint-disable @typescript-eslint/require-await -- fakes implement async interfaces without awaiting */
import { expect } from "chai";
import { spawn, spawnSync } from "node:child_process";
import * as os from "node:os";
import { cleanUp, keptReport, sweepOnly, STATE_READ_MS, type CleanupContext } from "../../../automation/cleanup/cleanup";
import { leftover } from "../../../automation/cleanup/leftovers";
import { GIVE_UP_GRACE_MS, type LabStack } from "../../../automation/engine/lab-engine";
import { EngineError, StackLockedError } from "../../../automation/engine/engine-errors";
import type { ProcessProbe } from "../../../automation/engine/lock-holders";
import { pulumiCommand } from "../../../automation/engine/commands";
import type { SweepHints, SweepReport } from "../../../automation/cleanup/sweep";
import { Fakes, FakeBehaviour, OUTPUTS_TRAIL } from "../../support/doubles/lab-fakes";

const STACK = "lab-test";
const REGION = "eu-west-1";
const RESOURCES = [
  { urn: "urn:pulumi:s::trail-lab::pulumi:pulumi:Stack::trail-lab-s", type: "pulumi:pulumi:Stack" },
  { urn: "urn:pulumi:s::trail-lab::aws:s3/bucket:Bucket::audit-logs-bucket", type: "aws:s3/bucket:Bucket", id: "state-bucket-1" },
  { urn: "urn:pulumi:s::trail-lab::aws:cloudtrail/trail:Trail::audit-trail", type: "aws:cloudtrail/trail:Trail", id: "my-logs-trail" },
];

interface Setup {
  fakes: Fakes;
  stack: LabStack;
  ctx: CleanupContext;
  lines: string[];
  sleeps: [number, AbortSignal | undefined][];
  sweeps: [string, SweepHints][];
  giveUp: AbortController;
}

function setup(behaviour: FakeBehaviour = {}, ctx: Partial<CleanupContext> = {}, sweep?: () => Promise<SweepReport>): Setup {
  const fakes = new Fakes(behaviour);
  fakes.resources = RESOURCES.map((r) => ({ ...r }));
  const lines: string[] = [];
  const sleeps: [number, AbortSignal | undefined][] = [];
  const sweeps: [string, SweepHints][] = [];
  const giveUp = new AbortController();
  const full: CleanupContext = {
    repair: false,
    region: REGION,
    bucketNames: [OUTPUTS_TRAIL.bucketName],
    bucketPrefixes: ["audit-logs-bucket-"],
    sweeper: {
      async sweep(stack, hints) {
        sweeps.push([stack, hints]);
        return sweep ? sweep() : { removed: [], remaining: [] };
      },
    },
    engine: fakes.engine(),
    giveUp: giveUp.signal,
    attempts: 3,
    retryMs: 2_000,
    sleep: async (ms, signal) => {
      sleeps.push([ms, signal]);
    },
    log: (line) => lines.push(line),
    ...ctx,
  };
  return { fakes, stack: fakes.stack(STACK), ctx: full, lines, sleeps, sweeps, giveUp };
}

const DESTROY = (s: Setup) => pulumiCommand("destroy", STACK, s.ctx.engine);

describe("automation/cleanup: the teardown", function () {
  const made: Fakes[] = [];
  const track = (s: Setup) => (made.push(s.fakes), s);
  after(() => made.forEach((f) => f.cleanup()));

  it("reads the state, destroys once, removes the stack, sweeps nothing: complete, nothing left, no commands", async function () {
    const s = track(setup());
    const report = await cleanUp(s.stack, s.ctx);
    expect(s.fakes.events).to.deep.equal(["export", "destroy 1", "remove"]);
    expect(report).to.deep.equal({
      mode: "destroy",
      pendingOperationsCleared: [],
      destroyAttempts: 1,
      destroyed: true,
      stackRemoved: true,
      sweep: null,
      gaveUp: false,
      leftRunning: [],
      complete: true,
      leftovers: [],
      commands: [],
    });
    expect(s.lines).to.deep.equal(["Destroying"]);
    expect(s.sweeps).to.deep.equal([]);
  });

  it("after an unfinished up (repair) sweeps by tag with the outputs' buckets and the state's, and the give-up signal", async function () {
    const removed = leftover("instance", "i-0123456789abcdef0", REGION);
    const s = track(setup({}, { repair: true }, async () => ({ removed: [removed], remaining: [] })));
    const report = await cleanUp(s.stack, s.ctx);
    expect(s.sweeps).to.have.length(1);
    const [stack, hints] = s.sweeps[0];
    expect(stack).to.equal(STACK);
    expect(hints).to.deep.equal({
      region: REGION,
      bucketNames: [OUTPUTS_TRAIL.bucketName, "state-bucket-1"],
      bucketPrefixes: ["audit-logs-bucket-"],
      signal: s.giveUp.signal,
    });
    expect(report.sweep).to.deep.equal({ removed: [removed], remaining: [] });
    expect(report.complete).to.equal(true);
    expect(report.stackRemoved).to.equal(true);
  });

  it("clears the pending operations an unfinished up left, imports the state, says which, and records them", async function () {
    const pending = [
      { type: "creating", resource: { urn: "urn:pulumi:s::trail-lab::aws:ec2/instance:Instance::probe-instance" } },
      { type: "updating", resource: { urn: "urn:pulumi:s::trail-lab::aws:cloudtrail/trail:Trail::audit-trail" } },
    ];
    const s = track(setup({ pending }));
    const report = await cleanUp(s.stack, s.ctx);
    expect(s.fakes.events.slice(0, 3)).to.deep.equal(["export", "import", "destroy 1"]);
    expect(s.fakes.imported?.deployment?.pending_operations).to.deep.equal([]);
    expect(report.pendingOperationsCleared).to.deep.equal([
      { type: "creating", urn: pending[0].resource.urn },
      { type: "updating", urn: pending[1].resource.urn },
    ]);
    expect(s.lines[0]).to.equal(
      "clearing 2 pending operation(s) left by an unfinished update: creating urn:pulumi:s::trail-lab::aws:ec2/instance:Instance::probe-instance, updating urn:pulumi:s::trail-lab::aws:cloudtrail/trail:Trail::audit-trail",
    );
  });

  it("retries destroy after BucketNotEmpty, saying when and which attempt, sleeping the retry time on the give-up signal", async function () {
    const s = track(setup({ destroyBucketNotEmpty: 2 }));
    const report = await cleanUp(s.stack, s.ctx);
    expect(report.destroyAttempts).to.equal(3);
    expect(report.destroyed).to.equal(true);
    expect(report.complete).to.equal(true);
    expect(s.sleeps).to.deep.equal([
      [2_000, s.giveUp.signal],
      [2_000, s.giveUp.signal],
    ]);
    const retries = s.lines.filter((l) => l.startsWith("destroy:"));
    expect(retries).to.deep.equal([
      "destroy: the bucket received late log deliveries (BucketNotEmpty); trying again in 2 s (attempt 2 of 3)",
      "destroy: the bucket received late log deliveries (BucketNotEmpty); trying again in 2 s (attempt 3 of 3)",
    ]);
    expect(s.lines.filter((l) => l.startsWith("destroy failed"))).to.deep.equal([]);
  });

  it("with no attempts allowed, starts no destroy", async function () {
    const s = track(setup({}, { attempts: 0 }));
    const report = await cleanUp(s.stack, s.ctx);
    expect(report.destroyAttempts).to.equal(0);
    expect(s.fakes.events.filter((e) => e.startsWith("destroy"))).to.deep.equal([]);
  });

  it("a state without a deployment still destroys", async function () {
    const s = track(setup());
    const stack: LabStack = { ...s.stack, exportState: async () => ({ version: 3 }) };
    const report = await cleanUp(stack, s.ctx);
    expect(report.destroyed).to.equal(true);
  });

  it("stops after the allowed attempts: not destroyed, says why, sweeps, lists the state's resources and the commands", async function () {
    const s = track(setup({ destroyBucketNotEmpty: 5 }, { attempts: 2 }));
    s.fakes.resources.push({
      urn: "urn:pulumi:s::trail-lab::aws:sns/topic:Topic::alerts",
      type: "aws:sns/topic:Topic",
      id: "alerts-topic",
    });
    const report = await cleanUp(s.stack, s.ctx);
    // The state read first names the leftovers: no second export.
    expect(s.fakes.events.filter((e) => e === "export")).to.have.length(1);
    expect(report.destroyAttempts).to.equal(2);
    expect(s.sleeps).to.have.length(1);
    expect(report.destroyed).to.equal(false);
    expect(report.stackRemoved).to.equal(false);
    expect(s.fakes.events).to.not.include("remove");
    expect(s.lines).to.include(
      "destroy failed: pulumi destroy failed\ndeleting S3 Bucket (audit-logs-bucket-7f3a9c1): BucketNotEmpty: The bucket you tried to delete is not empty",
    );
    expect(s.sweeps).to.have.length(1);
    expect(report.complete).to.equal(false);
    expect(report.gaveUp).to.equal(false);
    expect(report.leftovers.map((l) => [l.kind, l.id])).to.deep.equal([
      ["bucket", "state-bucket-1"],
      ["trail", "my-logs-trail"],
      ["resource", "alerts-topic"],
    ]);
    // A resource without a one-line removal is left to --cleanup, already the first command.
    expect(report.commands).to.deep.equal([
      `npm run lab -- --cleanup ${STACK}`,
      DESTROY(s),
      ...report.leftovers.filter((l) => l.kind !== "resource").map((l) => l.removeWith),
    ]);
  });

  it("does not retry a failure other than BucketNotEmpty", async function () {
    const s = track(setup({ destroyFails: true }));
    const report = await cleanUp(s.stack, s.ctx);
    expect(report.destroyAttempts).to.equal(1);
    expect(s.sleeps).to.deep.equal([]);
    expect(s.lines).to.include("destroy failed: pulumi destroy failed\ndeleting EC2 Instance: UnauthorizedOperation");
  });

  it("reads BucketNotEmpty from an error that is not the engine's too", async function () {
    const s = track(setup());
    let calls = 0;
    const stack: LabStack = {
      ...s.stack,
      async destroy() {
        calls++;
        if (calls === 1) throw new Error("BucketNotEmpty");
      },
    };
    const report = await cleanUp(stack, s.ctx);
    expect(report.destroyAttempts).to.equal(2);
    expect(report.destroyed).to.equal(true);
  });

  it("a stack emptied only by the state: names the stack itself as what is left", async function () {
    const s = track(setup({ destroyFails: true }));
    s.fakes.resources = [];
    const report = await cleanUp(s.stack, s.ctx);
    expect(report.leftovers).to.deep.equal([leftover("stack", STACK, REGION)]);
    expect(report.commands).to.deep.equal([`npm run lab -- --cleanup ${STACK}`, DESTROY(s)]);
  });

  it("what the sweep could not remove is left after a destroy too: not complete, with its removal command", async function () {
    const left = leftover("instance", "i-0123456789abcdef0", REGION);
    const s = track(setup({}, { repair: true }, async () => ({ removed: [], remaining: [left] })));
    const report = await cleanUp(s.stack, s.ctx);
    expect(report.destroyed).to.equal(true);
    expect(report.complete).to.equal(false);
    expect(report.leftovers).to.deep.equal([left]);
    expect(report.commands).to.deep.equal([`npm run lab -- --cleanup ${STACK}`, DESTROY(s), left.removeWith]);
  });

  it("a sweep that throws leaves the stack listed, with why", async function () {
    const s = track(
      setup({ destroyFails: true }, {}, async () => {
        throw new Error("AccessDenied: tag:GetResources");
      }),
    );
    const report = await cleanUp(s.stack, s.ctx);
    expect(report.sweep).to.deep.equal({
      removed: [],
      remaining: [leftover("stack", STACK, REGION, "sweep failed: AccessDenied: tag:GetResources")],
    });
    expect(report.leftovers.map((l) => l.kind)).to.deep.equal(["bucket", "trail", "stack"]);
  });

  it("a state it could not read: says so, still destroys; after a failed destroy it reads the state again for the list", async function () {
    const s = track(setup({ destroyFails: true }));
    let exports = 0;
    const stack: LabStack = {
      ...s.stack,
      async exportState() {
        exports++;
        if (exports === 1) throw new EngineError("stack export", "backend unreachable");
        return s.stack.exportState();
      },
    };
    const report = await cleanUp(stack, s.ctx);
    expect(s.lines[0]).to.equal("could not inspect the stack's state: pulumi stack export failed\nbackend unreachable");
    expect(report.destroyAttempts).to.equal(1);
    expect(exports).to.equal(2);
    expect(report.leftovers.map((l) => l.kind)).to.deep.equal(["bucket", "trail"]);
  });

  it("a state it can read neither time: lists the stack", async function () {
    const s = track(setup({ destroyFails: true }));
    const stack: LabStack = {
      ...s.stack,
      async exportState() {
        throw new Error("backend unreachable");
      },
    };
    const report = await cleanUp(stack, s.ctx);
    expect(report.leftovers).to.deep.equal([leftover("stack", STACK, REGION)]);
  });

  it("removes a stale lock first and says so", async function () {
    const s = track(setup());
    const stack: LabStack = { ...s.stack, releaseStaleLock: async () => true };
    await cleanUp(stack, s.ctx);
    expect(s.lines[0]).to.equal("removed the lock a killed pulumi command of this run left (pulumi cancel): no other process holds it");
  });

  describe("a lock an earlier run left (the refusal names each holder)", function () {
    const CANCEL = "pulumi cancel --yes --stack lab-test";
    const REFUSAL =
      "the stack is currently locked by 1 lock(s). Either wait for the other process(es) to end or delete the lock file with `pulumi cancel`.\n" +
      "  file:///tmp/x/.pulumi-state/.pulumi/locks/organization/trail-lab/lab-test/0b5e.json: created by dev@lab-host (pid 4242) at 2026-12-08T01:12:44Z";
    /** lab-host as this host: pid 4242 running `runs`, or free. */
    const probe = (runs: string | null): ProcessProbe => ({
      hostname: () => "lab-host",
      alive: () => runs !== null,
      commandLine: () => runs,
    });
    /** A stack whose first destroy meets the lock; the calls releaseStaleLock gets, with the lock each time. */
    function lockedOnce(s: Setup, lock: StackLockedError) {
      const released: (StackLockedError | undefined)[] = [];
      let destroys = 0;
      const stack: LabStack = {
        ...s.stack,
        async destroy(onOutput, signal) {
          if (++destroys === 1) throw lock;
          await s.stack.destroy(onOutput, signal);
        },
        async releaseStaleLock(given) {
          released.push(given);
          return given?.gone != null;
        },
      };
      return { stack, released };
    }

    it("held by a Pulumi of this host that no longer runs: removed once, said, and destroy tried again", async function () {
      const s = track(setup());
      const lock = new StackLockedError(STACK, REFUSAL, CANCEL, probe(null));
      const { stack, released } = lockedOnce(s, lock);
      const report = await cleanUp(stack, s.ctx);
      expect(report.destroyed).to.equal(true);
      expect(report.complete).to.equal(true);
      expect(report.destroyAttempts).to.equal(2);
      expect(released).to.deep.equal([undefined, lock]);
      expect(s.lines).to.include(
        "destroy: the stack's lock was stale (pulumi pid 4242 on lab-host (its lock of 2026-12-08T01:12:44Z) is no longer running): " +
          "removed it (pulumi cancel); trying again (attempt 2 of 3)",
      );
    });

    it("held by a Pulumi still running (a let-go destroy finishing): never touched; the error names the cancel command", async function () {
      const s = track(setup());
      const lock = new StackLockedError(STACK, REFUSAL, CANCEL, probe("/opt/pulumi/bin/pulumi destroy --yes --stack lab-test"));
      const { stack, released } = lockedOnce(s, lock);
      const report = await cleanUp(stack, s.ctx);
      expect(report.destroyed).to.equal(false);
      expect(report.destroyAttempts).to.equal(1);
      expect(released, "only the start's check for a lock of this run").to.deep.equal([undefined]);
      expect(s.lines.find((l) => l.startsWith("destroy failed:"))).to.include(CANCEL);
    });

    it("two holders, both gone: each named; with no attempt left, or when the cancel fails, destroy is not tried again", async function () {
      const two = `${REFUSAL}\n  file:///tmp/x/.pulumi-state/.pulumi/locks/organization/trail-lab/lab-test/9c1d.json: created by dev@lab-host (pid 4343) at 2026-12-08T01:13:02Z`;
      const both = new StackLockedError(STACK, two, CANCEL, probe(null));
      const s = track(setup());
      await cleanUp(lockedOnce(s, both).stack, s.ctx);
      expect(s.lines).to.include(
        "destroy: the stack's lock was stale (pulumi pid 4242 on lab-host (its lock of 2026-12-08T01:12:44Z) is no longer running; " +
          "pulumi pid 4343 on lab-host (its lock of 2026-12-08T01:13:02Z) is no longer running): removed it (pulumi cancel); trying again (attempt 2 of 3)",
      );

      const last = track(setup({}, { attempts: 1 }));
      const once = lockedOnce(last, both);
      const report = await cleanUp(once.stack, last.ctx);
      expect([report.destroyed, report.destroyAttempts]).to.deep.equal([false, 1]);
      expect(once.released, "no attempt left to use it").to.deep.equal([undefined]);

      const refused = track(setup());
      const failing: LabStack = {
        ...lockedOnce(refused, both).stack,
        async releaseStaleLock(given) {
          if (given) throw new Error("pulumi cancel failed: permission denied");
          return false;
        },
      };
      const after = await cleanUp(failing, refused.ctx);
      expect([after.destroyed, after.destroyAttempts]).to.deep.equal([false, 1]);
      expect(refused.lines).to.include("destroy: could not remove the stale lock: pulumi cancel failed: permission denied");

      const declined = track(setup());
      const kept: LabStack = { ...lockedOnce(declined, both).stack, releaseStaleLock: async () => false };
      const untouched = await cleanUp(kept, declined.ctx);
      expect([untouched.destroyed, untouched.destroyAttempts], "the engine removed no lock").to.deep.equal([false, 1]);
    });

    it("a stale lock that comes back is not removed twice", async function () {
      const s = track(setup());
      const lock = new StackLockedError(STACK, REFUSAL, CANCEL, probe(null));
      const released: (StackLockedError | undefined)[] = [];
      const stack: LabStack = {
        ...s.stack,
        async destroy() {
          throw lock;
        },
        async releaseStaleLock(given) {
          released.push(given);
          return given !== undefined;
        },
      };
      const report = await cleanUp(stack, s.ctx);
      expect(report.destroyed).to.equal(false);
      expect(report.destroyAttempts).to.equal(2);
      expect(released).to.deep.equal([undefined, lock]);
    });
  });

  it("an empty stack that cannot be removed is a warning: destroyed and complete, not removed", async function () {
    const s = track(setup());
    const stack: LabStack = {
      ...s.stack,
      async remove() {
        throw new Error("stack is locked");
      },
    };
    const report = await cleanUp(stack, s.ctx);
    expect(report.stackRemoved).to.equal(false);
    expect(report.complete).to.equal(true);
    expect(s.lines).to.include("warning: the empty stack could not be removed: stack is locked");
  });

  it("a give-up before it starts: no destroy, no sweep, no pending operations cleared, everything in state listed", async function () {
    const urn = `urn:pulumi:${STACK}::trail-lab::trail-lab:index:ProbeInstance$aws:ec2/instance:Instance::probe-instance`;
    const pending = [{ type: "creating", resource: { urn, type: "aws:ec2/instance:Instance" } }];
    const s = track(setup({ pending }, { repair: true }));
    s.giveUp.abort();
    const report = await cleanUp(s.stack, s.ctx);
    expect(s.fakes.events).to.deep.equal(["export"]);
    expect(s.sweeps).to.deep.equal([]);
    expect(report.gaveUp).to.equal(true);
    expect(report.destroyAttempts).to.equal(0);
    expect(report.pendingOperationsCleared).to.deep.equal([]);
    // The create in flight when the state was read: no id yet, named by its Pulumi name, removed by --cleanup's sweep.
    expect(report.leftovers.map((l) => [l.kind, l.id])).to.deep.equal([
      ["bucket", "state-bucket-1"],
      ["trail", "my-logs-trail"],
      ["instance", "probe-instance"],
      ["stack", STACK],
    ]);
    expect(report.leftovers[2].reason).to.match(/create was in flight/);
    expect(report.leftovers[2].removeWith).to.match(
      new RegExp(`^npm run lab -- --cleanup ${STACK} .*aws:ec2/instance:Instance probe-instance`),
    );
    // --cleanup once: it removes the stack and, by its sweep, the create in flight; then the state's own by hand.
    expect(report.commands).to.deep.equal([
      `npm run lab -- --cleanup ${STACK}`,
      DESTROY(s),
      "aws s3 rb s3://state-bucket-1 --force   # a versioned bucket: delete every object version first if this fails",
      `aws cloudtrail delete-trail --region ${s.ctx.region} --name my-logs-trail`,
    ]);
    expect(report.complete).to.equal(false);
  });

  it("a give-up during destroy: no other step starts, and the report returned does not change as the teardown finishes", async function () {
    let finish: () => void = () => undefined;
    const s = track(setup({ onDestroy: () => new Promise<void>((r) => (finish = r)) }, { repair: true, settleMs: 50 }));
    const running = cleanUp(s.stack, s.ctx);
    await new Promise((r) => setImmediate(r));
    s.giveUp.abort();
    const report = await running;
    expect(report.gaveUp).to.equal(true);
    expect(report.destroyed).to.equal(false);
    expect(report.leftovers.map((l) => l.kind)).to.deep.equal(["bucket", "trail", "stack"]);
    finish();
    await new Promise((r) => setImmediate(r));
    expect(report.destroyed).to.equal(false);
    expect(s.sweeps).to.deep.equal([]);
    expect(s.fakes.events).to.not.include("remove");
  });

  it("a destroy that ends within the give-up's grace: listed as destroyed, the empty stack left for --cleanup", async function () {
    let finish: () => void = () => undefined;
    const s = track(setup({ onDestroy: () => new Promise<void>((r) => (finish = r)) }, { settleMs: 5_000 }));
    const running = cleanUp(s.stack, s.ctx);
    await new Promise((r) => setImmediate(r));
    s.giveUp.abort();
    setTimeout(finish, 20);
    const report = await running;
    expect(report).to.include({ gaveUp: true, destroyed: true, stackRemoved: false, complete: false });
    expect(report.leftovers.map((l) => [l.kind, l.id])).to.deep.equal([["stack", STACK]]);
    expect(s.fakes.events).to.not.include("remove");
  });

  it("a command left running: the first command waits for it by pid and command line, not for another process under that pid", async function () {
    const s = track(setup({}, { settleMs: 50 }));
    // A process whose command line holds "pulumi destroy", as the CLI's does (".../bin/pulumi destroy --yes ...").
    const live = spawn(process.execPath, ["-e", "setTimeout(() => {}, 60000)", "pulumi", "destroy"], { stdio: "ignore", cwd: os.tmpdir() });
    try {
      s.fakes.left.push({ command: "pulumi destroy", pid: live.pid!, output: "/tmp/trail-lab-pulumi-destroy-x" });
      s.giveUp.abort();
      const report = await cleanUp(s.stack, s.ctx);
      const wait = report.commands[0];
      expect(wait).to.match(/# let pulumi destroy end first \(its output: \/tmp\/trail-lab-pulumi-destroy-x\)$/);
      const waiting = spawnSync("sh", ["-c", wait], { timeout: 1_500, cwd: os.tmpdir() });
      expect(waiting.error, "still waiting while it runs").to.have.property("code", "ETIMEDOUT");
      // The same pid held by another command (a reused pid): no wait.
      const other = spawnSync("sh", ["-c", wait.replace(String(live.pid), String(process.pid))], { timeout: 10_000, cwd: os.tmpdir() });
      expect(other.status).to.equal(0);
      live.kill();
      await new Promise((r) => live.once("exit", r));
      const ended = spawnSync("sh", ["-c", wait], { timeout: 10_000, cwd: os.tmpdir() });
      expect(ended.status, "ends once it has gone").to.equal(0);
    } finally {
      live.kill();
    }
  });

  it("waits for the first state read after a give-up, bounded by STATE_READ_MS", async function () {
    expect(STATE_READ_MS).to.equal(30_000);
    let release: () => void = () => undefined;
    const s = track(setup());
    const stack: LabStack = {
      ...s.stack,
      async exportState() {
        await new Promise<void>((r) => (release = r));
        return s.stack.exportState();
      },
    };
    // A read slower than the give-up's settling: the list still waits for it.
    const running = cleanUp(stack, { ...s.ctx, settleMs: 20 });
    await new Promise((r) => setImmediate(r));
    s.giveUp.abort();
    await new Promise((r) => setTimeout(r, 150));
    release();
    const report = await running;
    expect(report.leftovers.map((l) => l.kind)).to.deep.equal(["bucket", "trail", "stack"]);
  });

  it("a destroy the engine lets go of at the give-up is not a failure: no 'destroy failed', only the command left running", async function () {
    const s = track(setup({ onDestroy: () => new Promise<void>(() => undefined) }));
    s.fakes.letGo = s.giveUp.signal;
    const running = cleanUp(s.stack, s.ctx);
    await new Promise((r) => setImmediate(r));
    s.giveUp.abort();
    const report = await running;
    expect(report.leftRunning.map((l) => l.command)).to.deep.equal(["pulumi destroy"]);
    expect(s.lines.filter((l) => l.startsWith("destroy failed"))).to.deep.equal([]);
  });

  it("by default waits out the engine's grace and a little more for the step to settle: a destroy ending 5.3 s after the give-up counts", async function () {
    this.timeout(20_000);
    let finish: () => void = () => undefined;
    const s = track(setup({ onDestroy: () => new Promise<void>((r) => (finish = r)) }));
    const running = cleanUp(s.stack, s.ctx);
    await new Promise((r) => setImmediate(r));
    s.giveUp.abort();
    setTimeout(() => finish(), GIVE_UP_GRACE_MS + 300);
    const report = await running;
    expect(report).to.include({ gaveUp: true, destroyed: true });
  });

  it("--keep: a kept report that says how to clean up later", function () {
    const s = track(setup());
    const report = keptReport(STACK, s.ctx.engine);
    expect(report).to.deep.equal({
      mode: "kept",
      pendingOperationsCleared: [],
      destroyAttempts: 0,
      destroyed: false,
      stackRemoved: false,
      sweep: null,
      gaveUp: false,
      leftRunning: [],
      complete: false,
      leftovers: [],
      commands: [`npm run lab -- --cleanup ${STACK}`, `${DESTROY(s)} && ${pulumiCommand("stack rm", STACK, s.ctx.engine)}`],
    });
  });

  it("--cleanup without a stack: the sweep alone, complete when it leaves nothing, else its commands", async function () {
    const hints: SweepHints[] = [];
    const left = leftover("bucket", "audit-logs-bucket-1", REGION);
    const clean = await sweepOnly(STACK, REGION, ["audit-logs-bucket-"], {
      sweep: async (_stack, h) => (hints.push(h), { removed: [left], remaining: [] }),
    });
    expect(hints).to.deep.equal([{ region: REGION, bucketNames: [], bucketPrefixes: ["audit-logs-bucket-"] }]);
    expect(clean).to.deep.include({ mode: "destroy", destroyed: true, complete: true, leftovers: [], commands: [] });
    expect(clean.sweep).to.deep.equal({ removed: [left], remaining: [] });
    const dirty = await sweepOnly(STACK, REGION, [], { sweep: async () => ({ removed: [], remaining: [left] }) });
    expect(dirty).to.deep.include({ destroyed: true, complete: false, leftovers: [left], commands: [left.removeWith] });
    const failed = await sweepOnly(STACK, REGION, [], {
      sweep: async () => {
        throw new Error("throttled");
      },
    });
    expect(failed.complete).to.equal(false);
    expect(failed.leftovers).to.deep.equal([leftover("stack", STACK, REGION, "sweep failed: throttled")]);
  });
});
