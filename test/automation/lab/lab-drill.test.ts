// The drill as a phase of the lab (--drill): runLab with the recording fakes for the engine and
// the drill world (test/support/worlds/drill-world.ts) for the AWS the drill touches: the stack gets
// the detections, the drill runs after the RunInstances proof and before posture and destroy,
// its record lands in the evidence, a signal while a technique is in effect still leaves the trail
// and bucket as declared and the stack destroyed, and a revert that fails with the stack kept exits 4.
/* eslint-disable @typescript-eslint/require-await -- fake verifiers are async functions that need not await */
import { expect } from "chai";
import * as fs from "node:fs";
import * as path from "node:path";
import { destroyDrillClients } from "../../../automation/aws/drill-clients";
import { canonical } from "../../../automation/drill/declared";
import { sdkDrillAws } from "../../../automation/drill/drill-aws";
import { TECHNIQUE_NAMES, techniqueHelp, type TechniqueName } from "../../../automation/drill/techniques";
import { LAB_COMMAND, labDrillOptions, parseLabArgs } from "../../../automation/cli";
import { helpText } from "../../../common/flag-table";
import type { LabStack } from "../../../automation/engine/lab-engine";
import { runLab, type LabServices } from "../../../automation/lab";
import type { LabVerifyRequest } from "../../../automation/verifier/lab-verifier";
import { ExitCode } from "../../../common/exit-codes";
import { Fakes, evidence, labOptions, type FakeBehaviour } from "../../support/doubles/lab-fakes";
import { drillStack, worldDrillClients, worldLogSearch, worldPosture, type DrillStack } from "../../support/worlds/drill-stack";

const STACK = "lab-drill";

/** The fakes' engine with the drill's stack: its outputs and exported state are the program's, under mocks. */
class DrillFakes extends Fakes {
  constructor(
    readonly drillStack: DrillStack,
    behaviour: FakeBehaviour = {},
  ) {
    super({
      posture: async () => worldPosture(drillStack.world, drillStack.target) as never,
      verify: (request) => this.search(request),
      ...behaviour,
    });
  }

  /** RunInstances as the lab's fakes answer it; the drill's events from what the world delivered. */
  private async search(request: LabVerifyRequest) {
    if (request.eventName === "RunInstances") return evidence(true);
    const find = await worldLogSearch(
      this.drillStack.world,
      this.drillStack.target.bucketName,
    )({
      eventName: request.eventName,
      resource: request.resource ?? null,
      since: request.since,
      timeoutMs: request.timeoutMs ?? 0,
      signal: request.signal,
    });
    const base = evidence(find.found);
    return {
      ...base,
      s3: { ...base.s3, found: find.found, key: find.key, eventId: find.eventId, eventTime: find.eventTime, foundAt: find.foundAt },
      event: find.found
        ? { eventName: request.eventName, eventID: find.eventId!, eventTime: find.eventTime!, userAgent: find.userAgent }
        : null,
    };
  }

  override stack(name: string): LabStack {
    const stack = super.stack(name);
    const { run, checkpoint } = this.drillStack;
    return {
      ...stack,
      outputs: async () => ({ ...(await stack.outputs()), ...run.outputs, instanceId: (await stack.outputs()).instanceId }),
      exportState: async () => {
        this.events.push("export");
        // The drill reads what the program declares; the cleanup's export after destroy finds nothing left.
        return this.resources.length === 0
          ? { version: 3, deployment: { resources: [], pending_operations: [] } }
          : { version: 3, ...(checkpoint as { deployment: never }) };
      },
    };
  }

  override services(): LabServices {
    const { world, target } = this.drillStack;
    return {
      ...super.services(),
      drillAws: (userAgent) => {
        this.events.push(`drill-clients ${userAgent}`);
        const clients = worldDrillClients(world, target, userAgent);
        return { aws: sdkDrillAws(clients), close: () => destroyDrillClients(clients) };
      },
    };
  }
}

const drillOptions = (techniques: TechniqueName[]) => ({ techniques, proofWaitMs: 2_000, pollMs: 5, revertRetryMs: 1 });

/** The trail and bucket as the world holds them. */
function snapshot(stack: DrillStack): string {
  const trail = stack.world.trails.get(stack.target.trailArn);
  const bucket = stack.world.buckets.get(stack.target.bucketName)!;
  return canonical({ logging: trail?.isLogging, selectors: trail?.selectors, policy: bucket.policy, lifecycle: bucket.lifecycle });
}

describe("automation/lab: the tamper drill as a phase of the run (--drill)", function () {
  this.timeout(60_000);
  let stack: DrillStack;
  let fakes: DrillFakes;
  beforeEach(async function () {
    stack = await drillStack({ cloudWatchLogs: "true" }, STACK);
  });
  afterEach(async function () {
    fakes?.cleanup();
    await stack.world.close();
  });

  it("turns the detections on, drills after the proof and before posture and destroy, and keeps the drill's record", async function () {
    const declared = snapshot(stack);
    fakes = new DrillFakes(stack);
    const techniques = TECHNIQUE_NAMES.filter((n) => n !== "delete");
    const report = await runLab(labOptions({ stack: STACK, drill: drillOptions(techniques) }), fakes.deps());
    expect(report.exitCode, JSON.stringify(report.error)).to.equal(ExitCode.Ok);
    expect(fakes.config["trail-lab:detections"]).to.equal("true");
    const steps = fakes.steps();
    const at = (step: string) => steps.indexOf(step);
    expect(at(`drill-clients trail-lab-drill/${STACK}`)).to.be.greaterThan(at("verify"));
    expect(at("posture")).to.be.greaterThan(at(`drill-clients trail-lab-drill/${STACK}`));
    expect(at("destroy 1")).to.be.greaterThan(at("posture"));
    expect(report.drill!.techniques.map((t) => [t.name, t.status, t.reason])).to.deep.equal(techniques.map((n) => [n, "proven", null]));
    expect(report.drill!.verdict).to.equal("proven");
    expect(Object.keys(report.timings)).to.include.members(["drill", "drill-revert"]);
    expect(snapshot(stack)).to.equal(declared);
    const saved = JSON.parse(fs.readFileSync(path.join(fakes.projectDir, "lab-runs", STACK, "evidence.json"), "utf8"));
    expect(saved.drill.techniques.map((t: { name: string }) => t.name)).to.deep.equal(techniques);
    expect(saved.drill.techniques[0].recorded.eventHistory.eventId).to.match(/^[0-9a-f-]{36}$/);
  });

  it("with delete, skips posture (the trail is gone) and still destroys", async function () {
    fakes = new DrillFakes(stack);
    const report = await runLab(labOptions({ stack: STACK, drill: drillOptions(["stop", "delete"]) }), fakes.deps());
    expect(report.exitCode, JSON.stringify(report.error)).to.equal(ExitCode.Ok);
    expect(report.drill!.techniques.map((t) => t.status)).to.deep.equal(["proven", "proven"]);
    expect(stack.world.trails.has(stack.target.trailArn)).to.equal(false);
    // The drill read posture while stop was in effect; the run's posture phase did not run on the deleted trail.
    expect(report.posture).to.equal(null);
    expect(report.timings).to.not.have.property("posture");
    expect(report.warnings).to.include("Posture not checked: the drill deleted the trail (technique delete).");
    expect(fakes.steps()).to.include("destroy 1");
  });

  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    it(`${signal} while selectors is in effect: put back before destroy, the stack destroyed, exit 130`, async function () {
      const declared = snapshot(stack);
      let reads = 0;
      fakes = new DrillFakes(stack, {
        posture: async () => {
          // The first read is the drill's baseline; the second is while the technique is in effect.
          if (++reads === 2) {
            expect(snapshot(stack)).to.not.equal(declared);
            fakes.signals.emit(signal, signal);
          }
          return worldPosture(stack.world, stack.target) as never;
        },
      });
      const report = await runLab(labOptions({ stack: STACK, drill: drillOptions(["selectors", "lifecycle"]) }), fakes.deps());
      expect(report.interrupted).to.equal(signal);
      expect(report.exitCode).to.equal(ExitCode.Interrupted);
      expect(snapshot(stack)).to.equal(declared);
      const steps = fakes.steps();
      expect(steps).to.include("destroy 1");
      expect(report.drill!.techniques.map((t) => t.status)).to.deep.equal(["interrupted", "not-run"]);
      expect(report.drill!.techniques[0].reverted.status).to.equal("reverted");
      const revertAt = Date.parse(report.timings["drill-revert"].endedAt!);
      expect(revertAt).to.be.at.most(Date.parse(report.timings.destroy.startedAt));
    });
  }

  it("a revert that keeps failing with the stack kept (--keep): exit 4, naming the technique and the command that puts it right", async function () {
    stack.world.refusals.StartLogging = { code: "AccessDeniedException", message: "not allowed to start logging", times: Infinity };
    fakes = new DrillFakes(stack);
    const report = await runLab(labOptions({ stack: STACK, keep: true, drill: drillOptions(["stop"]) }), fakes.deps());
    expect(report.exitCode).to.equal(ExitCode.CleanupIncomplete);
    expect(report.error!.name).to.equal("DrillRevertError");
    expect(report.error!.message).to.contain("technique 'stop'");
    expect(report.error!.message).to.contain(`aws cloudtrail start-logging --region eu-west-1 --name ${stack.target.trailArn}`);
    // The drill tried three times, and the finally's putBack() three more: listed once, as it stands.
    expect(stack.world.callsOf("StartLogging")).to.have.length(6);
    expect(report.drill!.unreverted).to.have.length(1);
    expect(fakes.steps()).to.not.include("destroy 1");
  });

  it("the same failed revert with the stack destroyed after it: nothing is left changed, exit 3 naming it", async function () {
    stack.world.refusals.StartLogging = { code: "AccessDeniedException", message: "not allowed to start logging", times: Infinity };
    fakes = new DrillFakes(stack);
    const report = await runLab(labOptions({ stack: STACK, drill: drillOptions(["stop"]) }), fakes.deps());
    expect(report.exitCode).to.equal(ExitCode.AwsError);
    expect(report.error!.message).to.contain("The stack was destroyed afterwards, so nothing is left changed");
  });
});

describe("automation/cli: --drill", function () {
  it("alone means every technique; a list means those, in the table's order; nothing without it", function () {
    expect(parseLabArgs(["--drill"]).drill).to.deep.equal([...TECHNIQUE_NAMES]);
    expect(parseLabArgs(["--drill", "--keep"]).drill).to.deep.equal([...TECHNIQUE_NAMES]);
    expect(parseLabArgs(["--drill", "selectors,stop"]).drill).to.deep.equal(["stop", "selectors"]);
    expect(parseLabArgs(["--drill=lifecycle"]).drill).to.deep.equal(["lifecycle"]);
    expect(parseLabArgs([]).drill).to.equal(undefined);
    expect(() => parseLabArgs(["--drill", "stop,erase"])).to.throw(/does not know the technique 'erase'/);
    expect(() => parseLabArgs(["--cleanup", "lab-x", "--drill"])).to.throw(/--cleanup <stack>/);
  });

  it("--timeout is the drill's one wait for its records and alerts too; without it the drill waits its own 20 minutes", function () {
    expect(labDrillOptions(parseLabArgs(["--drill", "stop", "--timeout", "90"]))).to.deep.equal({
      techniques: ["stop"],
      proofWaitMs: 90_000,
    });
    expect(labDrillOptions(parseLabArgs(["--drill", "stop", "--timeout", "0"]))).to.deep.equal({ techniques: ["stop"], proofWaitMs: 0 });
    expect(labDrillOptions(parseLabArgs(["--drill", "stop"]))).to.deep.equal({ techniques: ["stop"] });
    expect(labDrillOptions(parseLabArgs(["--timeout", "90"]))).to.equal(undefined);
  });

  it("--help lists each technique with what it changes and how it is reverted", function () {
    // --help wraps its notes: compared with the line breaks as spaces.
    const help = helpText(LAB_COMMAND).replace(/\s+/g, " ");
    expect(help).to.include("--drill [<techniques>]");
    for (const line of techniqueHelp()) expect(help).to.include(line);
    expect(techniqueHelp().map((l) => l.split(":")[0])).to.deep.equal([...TECHNIQUE_NAMES]);
  });
});
