// The drill against a world that plays AWS (test/support/worlds/drill-world.ts) through the real
// SDK clients: the lab's stack as the program declares it (Pulumi mocks), each technique
// detonated, seen, alerted, recorded, put back and proven put back; a revert that fails; a signal
// in each technique; drift; a target that is not the stack's.
import { expect } from "chai";
import { destroyDrillClients, type DrillClients } from "../../../automation/aws/drill-clients";
import { canonical } from "../../../automation/drill/declared";
import { Drill, drillUserAgent, type DrillChecks, type DrillOptions } from "../../../automation/drill/drill";
import { sdkDrillAws } from "../../../automation/drill/drill-aws";
import { DrillRevertError, DrillTargetError } from "../../../automation/drill/drill-errors";
import type { TechniqueReport } from "../../../automation/drill/drill-report";
import { TECHNIQUE_NAMES, parseTechniques, techniqueHelp, type TechniqueName } from "../../../automation/drill/techniques";
import { ExitCode } from "../../../common/exit-codes";
import { drillStack, worldDrillClients, worldLogSearch, worldPosture, type DrillStack } from "../../support/worlds/drill-stack";

const quick = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal?.aborted) return resolve();
    setTimeout(resolve, Math.min(ms, 5));
  });

interface Harness {
  drill: Drill;
  lines: string[];
  stop: AbortController;
  giveUp: AbortController;
  clients: DrillClients;
}

function harness(stack: DrillStack, options: Partial<DrillOptions> = {}, checks: Partial<DrillChecks> = {}): Harness {
  const { world, target, checkpoint } = stack;
  const userAgent = drillUserAgent(target.stack);
  const clients = worldDrillClients(world, target, userAgent);
  const lines: string[] = [];
  const stop = new AbortController();
  const giveUp = new AbortController();
  const drill = new Drill(
    { techniques: [...TECHNIQUE_NAMES], proofWaitMs: 1500, pollMs: 5, revertRetryMs: 1, ...options },
    {
      aws: sdkDrillAws(clients),
      checks: {
        posture: () => Promise.resolve(worldPosture(world, target)),
        findInLogs: worldLogSearch(world, target.bucketName),
        ...checks,
      },
      target,
      checkpoint: () => Promise.resolve(checkpoint),
      userAgent,
      log: (line) => lines.push(line),
      sleep: quick,
      now: () => Date.now(),
      stop: stop.signal,
      giveUp: giveUp.signal,
    },
  );
  return { drill, lines, stop, giveUp, clients };
}

/** What the world holds for the trail and bucket, to compare with what it held before the drill. */
function snapshot(stack: DrillStack) {
  const trail = stack.world.trails.get(stack.target.trailArn);
  const bucket = stack.world.buckets.get(stack.target.bucketName)!;
  // Key order is S3's or the SDK's to choose: the same configuration is the same whatever order its XML came in.
  return canonical({ logging: trail?.isLogging, selectors: trail?.selectors, policy: bucket.policy, lifecycle: bucket.lifecycle });
}

const byName = (techniques: TechniqueReport[], name: string) => techniques.find((t) => t.name === name)!;

describe("automation/drill: every technique against the lab's stack, through the real SDK", function () {
  this.timeout(60_000);
  let stack: DrillStack;
  let h: Harness;
  let declared: string;

  before(async function () {
    stack = await drillStack({ cloudWatchLogs: "true" });
    declared = snapshot(stack);
    h = harness(stack);
    await h.drill.run();
  });
  after(async function () {
    destroyDrillClients(h.clients);
    await stack.world.close();
  });

  it("proves each technique and leaves the trail and bucket as the program declares them", function () {
    const { report, error } = h.drill.finish(true);
    expect(report.techniques.map((t) => [t.name, t.status, t.reason])).to.deep.equal(TECHNIQUE_NAMES.map((n) => [n, "proven", null]));
    expect(report.verdict).to.equal("proven");
    expect(report.unreverted).to.deep.equal([]);
    expect(error).to.equal(null);
    // delete removed the trail: everything else is as it was.
    const after = JSON.parse(snapshot(stack));
    expect({ ...after, logging: undefined, selectors: undefined }).to.deep.equal({
      ...JSON.parse(declared),
      logging: undefined,
      selectors: undefined,
    });
  });

  it("finds each detonation's own record in Event History by its request id and the drill's user agent", function () {
    for (const t of h.drill.report.techniques) {
      const record = stack.world.history.find((r) => r.eventID === t.recorded.eventHistory.eventId)!;
      expect(record, t.name).to.not.equal(undefined);
      expect(record.requestID, t.name).to.equal(t.detonation.requestId);
      expect(record.eventName, t.name).to.equal(t.detonation.event);
      expect(record.userAgent, t.name).to.contain("trail-lab-drill/lab-drill");
    }
    // selectors, lifecycle and bucket-policy share their event name with their own revert: the request id tells them apart.
    const selectorCalls = stack.world.history.filter((r) => r.eventName === "PutEventSelectors");
    expect(selectorCalls).to.have.length(2);
    expect(byName(h.drill.report.techniques, "selectors").recorded.eventHistory.eventId).to.equal(selectorCalls[0].eventID);
  });

  it("makes every call, reads included, with the run's user agent", function () {
    expect(stack.world.calls.length).to.be.greaterThan(20);
    for (const call of stack.world.calls) expect(call.userAgent, call.operation).to.match(/ trail-lab-drill\/lab-drill$/);
  });

  it("finds each record in the S3 logs where CloudTrail delivers it, StopLogging's own included, and says why DeleteTrail's is not", function () {
    const techniques = h.drill.report.techniques;
    for (const name of ["stop", "selectors", "lifecycle", "bucket-policy"]) {
      const s3 = byName(techniques, name).recorded.s3;
      expect(s3.status, name).to.equal("proven");
      expect(s3.eventId, name).to.equal(byName(techniques, name).recorded.eventHistory.eventId);
      expect(s3.key, name).to.match(
        /^AWSLogs\/123456789012\/CloudTrail\/eu-west-1\/\d{4}\/\d\d\/\d\d\/123456789012_CloudTrail_eu-west-1_\d{8}T\d{4}Z_[0-9a-f]{16}\.json\.gz$/,
      );
      expect(s3.deliveredAt, name).to.match(/^\d{4}-\d\d-\d\dT\d\d:\d\d:00\.000Z$/);
    }
    const del = byName(techniques, "delete").recorded.s3;
    expect(del.status).to.equal("not-expected");
    expect(del.reason).to.match(/deleted trail delivers nothing more/);
  });

  it("reads each technique with trail-lab's checks while it is in effect", function () {
    const seen = (name: string) => byName(h.drill.report.techniques, name).seen.map((s) => [s.check, s.what, s.status, s.observed]);
    expect(seen("stop")).to.deep.equal([
      ["status", "IsLogging", "proven", "not logging"],
      ["posture", "CloudTrail.1", "proven", "fail"],
      ["posture", "CloudTrail.3", "proven", "fail"],
      ["integrity", "stopped gap", "not-checked", null],
    ]);
    expect(seen("selectors")).to.deep.equal([["posture", "CloudTrail.1", "proven", "fail"]]);
    expect(seen("lifecycle")).to.deep.equal([["posture", "TrailLab.Retention", "proven", "fail"]]);
    expect(seen("bucket-policy")).to.deep.equal([["posture", "TrailLab.Delivery", "proven", "fail"]]);
    expect(seen("delete")).to.deep.equal([["status", "IsLogging", "proven", "trail not found"]]);
  });

  it("takes each alert from the queue: the EventBridge rule carrying the detonation's record, and the CIS alarm that counts it", function () {
    const alerts = (name: string) => byName(h.drill.report.techniques, name).alerts.map((a) => [a.via, a.name, a.status]);
    expect(alerts("stop")).to.deep.equal([
      ["eventbridge", "detections-trail-changes-8e9f0a1", "proven"],
      ["alarm", "my-logs-trail-cloudtrail-changes", "proven"],
    ]);
    expect(alerts("selectors")).to.deep.equal([
      ["eventbridge", "detections-trail-changes-8e9f0a1", "proven"],
      ["alarm", "CIS alarms", "not-expected"],
    ]);
    expect(byName(h.drill.report.techniques, "selectors").alerts[1].reason).to.equal("CIS's metric filters do not count PutEventSelectors");
    for (const name of ["lifecycle", "bucket-policy"]) {
      expect(alerts(name), name).to.deep.equal([
        ["eventbridge", "detections-bucket-changes-8e9f0a1", "proven"],
        ["alarm", "my-logs-trail-bucket-policy-changes", "proven"],
      ]);
    }
    // One ALARM notification answers both bucket techniques: the alarm counts a period's events.
    const bucketAlarms = ["lifecycle", "bucket-policy"].map((n) => byName(h.drill.report.techniques, n).alerts[1].messageId);
    expect(bucketAlarms[0]).to.equal(bucketAlarms[1]);
    const rule = byName(h.drill.report.techniques, "stop").alerts[0];
    expect(rule.eventId).to.equal(byName(h.drill.report.techniques, "stop").recorded.eventHistory.eventId);
    expect(Date.parse(rule.at!)).to.be.at.least(Date.parse(byName(h.drill.report.techniques, "stop").detonation.at!));
  });

  it("puts each technique back before the next one starts, and proves it by reading it back", function () {
    const order = stack.world.calls
      .map(
        (c) =>
          `${c.operation}${c.operation === "PutEventSelectors" ? `:${JSON.stringify((c.input.EventSelectors as { ReadWriteType: string }[])[0].ReadWriteType)}` : ""}`,
      )
      .filter((op) => /^(StopLogging|StartLogging|PutEventSelectors|PutBucketLifecycle|PutBucketPolicy|DeleteTrail)/.test(op));
    expect(order).to.deep.equal([
      "StopLogging",
      "StartLogging",
      'PutEventSelectors:"ReadOnly"',
      'PutEventSelectors:"All"',
      "PutBucketLifecycle",
      "PutBucketLifecycle",
      "PutBucketPolicy",
      "PutBucketPolicy",
      "DeleteTrail",
    ]);
    const reverted = (name: string) => byName(h.drill.report.techniques, name).reverted;
    expect(reverted("stop")).to.include({ status: "reverted", attempts: 1 });
    expect(reverted("stop").proof).to.equal("GetTrailStatus reports IsLogging again: IsLogging true");
    expect(reverted("lifecycle").proof).to.match(/^GetBucketLifecycleConfiguration returns the declared rules: .*expire-after-retention/);
    expect(reverted("delete")).to.include({ status: "left-to-destroy" });
  });

  it("times each step from the detonation", function () {
    for (const t of h.drill.report.techniques) {
      expect(t.latency.eventHistoryMs, t.name).to.be.a("number").and.at.least(0);
      expect(t.latency.alertMs, t.name).to.be.a("number").and.at.least(0);
      if (t.name !== "delete") expect(t.latency.s3Ms, t.name).to.be.a("number");
    }
  });
});

describe("automation/drill: never leaves it worse", function () {
  this.timeout(60_000);
  let stack: DrillStack;
  beforeEach(async function () {
    stack = await drillStack();
  });
  afterEach(async function () {
    await stack.world.close();
  });

  it("retries a revert AWS refuses, then lists it with the exact command that puts it right: exit 4 if the stack stays, 3 once destroyed", async function () {
    stack.world.refusals.StartLogging = { code: "AccessDeniedException", message: "not allowed to start logging", times: Infinity };
    const h = harness(stack, { techniques: ["stop", "selectors"] });
    await h.drill.run();
    expect(h.drill.report.techniques[0].reverted).to.include({ status: "failed", attempts: 3 });
    expect(stack.world.callsOf("StartLogging")).to.have.length(3);
    const command = `aws cloudtrail start-logging --region eu-west-1 --name ${stack.target.trailArn}`;
    expect(h.drill.report.unreverted).to.deep.equal([
      {
        technique: "stop",
        what: "stops the trail's logging (StopLogging)",
        command,
        reason: "cloudtrail:StartLogging failed (AccessDeniedException): not allowed to start logging",
      },
    ]);
    expect(h.lines).to.include(
      `drill: stop: NOT put back (cloudtrail:StartLogging failed (AccessDeniedException): not allowed to start logging); put it right with: ${command}`,
    );
    // The next technique still ran, and was put back.
    expect(h.drill.report.techniques[1].reverted.status).to.equal("reverted");
    const kept = h.drill.finish(false);
    expect(kept.error).to.be.instanceOf(DrillRevertError);
    expect(kept.error!.exitCode).to.equal(ExitCode.CleanupIncomplete);
    expect(kept.error!.message).to.contain(command);
    expect(kept.report.techniques[0].status).to.equal("not-proven");
    expect(h.drill.finish(true).error!.exitCode).to.equal(ExitCode.AwsError);
    destroyDrillClients(h.clients);
  });

  it("tries a refused revert again and counts the attempts when it then succeeds", async function () {
    stack.world.refusals.PutBucketPolicy = { code: "AccessDenied", message: "Access Denied", times: 0 };
    const h = harness(stack, { techniques: ["bucket-policy"] });
    // The detonation passes; the first revert is refused once.
    const originalPolicy = stack.world.buckets.get(stack.target.bucketName)!.policy;
    stack.world.beforeEach = () => {
      if (
        stack.world.callsOf("PutBucketPolicy").length === 1 &&
        stack.world.refusals.PutBucketPolicy.times === 0 &&
        !("armed" in stack.world.refusals)
      ) {
        stack.world.refusals.PutBucketPolicy.times = 1;
        stack.world.refusals.armed = { code: "", message: "", times: 0 };
      }
    };
    await h.drill.run();
    expect(h.drill.report.techniques[0].reverted).to.include({ status: "reverted", attempts: 2 });
    expect(stack.world.buckets.get(stack.target.bucketName)!.policy).to.equal(originalPolicy);
    destroyDrillClients(h.clients);
  });

  for (const name of TECHNIQUE_NAMES.filter((n) => n !== "delete")) {
    it(`a signal while ${name} is in effect: the drill stops there, and putBack() leaves the trail and bucket as declared`, async function () {
      const before = snapshot(stack);
      const late: { h?: Harness } = {};
      // The signal arrives while trail-lab's checks read the technique: every technique but delete has posture read it.
      const posture = () => {
        const detonated = late.h!.drill.report.techniques.find((t) => t.name === name)?.detonation.at;
        if (detonated) late.h!.stop.abort();
        return Promise.resolve(worldPosture(stack.world, stack.target));
      };
      const h = (late.h = harness(
        stack,
        { techniques: [name, ...TECHNIQUE_NAMES.filter((n) => n !== name && n !== "delete")] },
        { posture },
      ));
      await h.drill.run();
      expect(snapshot(stack), "still in effect before putBack").to.not.equal(before);
      await h.drill.putBack();
      expect(snapshot(stack)).to.equal(before);
      const { report } = h.drill.finish(true);
      expect(report.techniques[0]).to.include({ name, status: "interrupted" });
      expect(report.techniques[0].reverted.status).to.equal("reverted");
      expect(report.techniques.slice(1).map((t) => t.status)).to.deep.equal(report.techniques.slice(1).map(() => "not-run"));
      expect(report.verdict).to.equal("incomplete");
      destroyDrillClients(h.clients);
    });
  }

  it("puts back a technique whose detonation answered with an error: its call may have landed", async function () {
    const before = snapshot(stack);
    stack.world.refusals.PutBucketLifecycle = {
      code: "InternalError",
      message: "We encountered an internal error.",
      status: 500,
      times: 1,
    };
    const h = harness(stack, { techniques: ["lifecycle"] });
    let thrown: unknown;
    await h.drill.run().catch((e: unknown) => (thrown = e));
    expect(String(thrown)).to.match(/PutLifecycleConfiguration failed \(InternalError\)/);
    expect(h.drill.report.techniques[0]).to.include({ status: "failed" });
    await h.drill.putBack();
    expect(stack.world.callsOf("PutBucketLifecycle").map((c) => c.operation)).to.have.length(2);
    expect(snapshot(stack)).to.equal(before);
    destroyDrillClients(h.clients);
  });

  it("skips a technique whose target is not as the program declares before the drill, and changes nothing", async function () {
    stack.world.buckets.get(stack.target.bucketName)!.policy = '{"Version":"2012-10-17","Statement":[]}';
    const h = harness(stack, { techniques: ["bucket-policy"] });
    await h.drill.run();
    expect(h.drill.report.techniques[0].status).to.equal("skipped");
    expect(h.drill.report.techniques[0].reason).to.match(/^not as the program declares before the drill/);
    expect(stack.world.callsOf("PutBucketPolicy")).to.deep.equal([]);
    destroyDrillClients(h.clients);
  });

  it("refuses a trail that is not in the stack's state, before any call", async function () {
    const h = harness({ ...stack, target: { ...stack.target, trailArn: "arn:aws:cloudtrail:eu-west-1:123456789012:trail/someone-elses" } });
    let thrown: unknown;
    await h.drill.run().catch((e: unknown) => (thrown = e));
    expect(thrown).to.be.instanceOf(DrillTargetError);
    expect(stack.world.calls).to.deep.equal([]);
    destroyDrillClients(h.clients);
  });
});

describe("automation/drill: what the proofs say when something is missing", function () {
  this.timeout(60_000);
  let stack: DrillStack;
  beforeEach(async function () {
    stack = await drillStack();
  });
  afterEach(async function () {
    await stack.world.close();
  });

  it("a record the logs never get, and a control posture still passes: not proven, each named", async function () {
    const h = harness(
      stack,
      { techniques: ["selectors"] },
      {
        findInLogs: () => Promise.resolve({ found: false, key: null, eventId: null, eventTime: null, foundAt: null, userAgent: null }),
        posture: () => Promise.resolve({ controls: [{ id: "CloudTrail.1", status: "pass" }] }),
      },
    );
    await h.drill.run();
    const { report } = h.drill.finish(true);
    expect(report.techniques[0].status).to.equal("not-proven");
    expect(report.techniques[0].reason).to.equal("missing: its record in the S3 logs; posture CloudTrail.1 (fail)");
    expect(report.verdict).to.equal("not-proven");
    destroyDrillClients(h.clients);
  });

  it("a control posture does not have, or that failed before the drill, is not checked rather than proven", async function () {
    const h = harness(
      stack,
      { techniques: ["selectors", "lifecycle"] },
      { posture: () => Promise.resolve({ controls: [{ id: "CloudTrail.1", status: "fail" }] }) },
    );
    await h.drill.run();
    const seen = h.drill.report.techniques.map((t) => [t.seen[0].status, t.seen[0].reason]);
    expect(seen).to.deep.equal([
      ["not-checked", "CloudTrail.1 already failed before the drill"],
      ["not-checked", "posture has no control TrailLab.Retention"],
    ]);
    expect(h.drill.finish(true).report.techniques.map((t) => t.status)).to.deep.equal(["proven", "proven"]);
    destroyDrillClients(h.clients);
  });

  it("an alert that never comes is missing after the wait, named by its rule", async function () {
    stack.world.rules.length = 0;
    const h = harness(stack, { techniques: ["stop"], proofWaitMs: 300 });
    await h.drill.run();
    const { report } = h.drill.finish(true);
    expect(report.techniques[0].alerts[0]).to.include({ via: "eventbridge", status: "missing", reason: "not found within 0 s of waiting" });
    expect(report.techniques[0].reason).to.equal("missing: the EventBridge rule detections-trail-changes-8e9f0a1's alert");
    expect(h.lines.some((l) => /^drill: waiting for 1 record\(s\) and alert\(s\)/.test(l))).to.equal(true);
    destroyDrillClients(h.clients);
  });

  it("reads the stop window from integrity's structured gap named by the drill's StopLogging, when integrity ran", async function () {
    const h = harness(stack, { techniques: ["stop"] });
    await h.drill.run();
    const stopId = h.drill.report.techniques[0].recorded.eventHistory.eventId;
    h.drill.seeIntegrity({ gaps: [{ region: "eu-west-1", from: null, to: null, reason: "chain restarted" }] });
    expect(h.drill.report.techniques[0].seen[3]).to.include({ status: "not-checked" });
    h.drill.seeIntegrity({
      covered: { from: "2026-11-25T22:00:00Z", to: "2099-01-01T00:00:00Z" },
      gaps: [
        {
          kind: "stopped",
          from: "2026-11-25T22:40:11Z",
          to: "2026-11-25T22:40:13Z",
          events: [
            { name: "StopLogging", time: "2026-11-25T22:40:11Z", who: "lab", eventId: stopId },
            { name: "StartLogging", time: "2026-11-25T22:40:13Z", who: "lab", eventId: "x" },
          ],
        },
      ],
    });
    expect(h.drill.report.techniques[0].seen[3]).to.include({
      status: "proven",
      observed: "stopped from 2026-11-25T22:40:11Z to 2026-11-25T22:40:13Z",
    });
    destroyDrillClients(h.clients);
  });
});

describe("automation/drill: the technique list", function () {
  it("takes all, a list in any order (run in the table's order, delete last), and refuses an unknown name", function () {
    expect(parseTechniques("all")).to.deep.equal([...TECHNIQUE_NAMES]);
    expect(parseTechniques("delete,stop")).to.deep.equal(["stop", "delete"] satisfies TechniqueName[]);
    expect(() => parseTechniques("stop,unplug")).to.throw(
      /does not know the technique 'unplug'; it takes a comma-separated list of stop, selectors/,
    );
  });

  it("describes each technique for --help: what it changes and how it is reverted", function () {
    const help = techniqueHelp();
    expect(help).to.have.length(TECHNIQUE_NAMES.length);
    expect(help[0]).to.equal("stop: stops the trail's logging (StopLogging); reverted by StartLogging.");
  });
});
