// The opt-in parts of the program through the real engine: a KMS key for the log files, CloudWatch
// Logs delivery with its role, the Athena table and workgroup, and the detections (rules, topic,
// queue, CIS filters and alarms), turned on with
// `pulumi config set` as docs/lab.md says. The engine's resources must be the mocks' for the same
// config, created in the declared order, and all gone after destroy.
import { expect } from "chai";
import type { ProgramRun } from "../support/pulumi-program";
import { callIndex, engineResources } from "./deployment";
import { createEngineWorld, type EngineWorld } from "./engine-world";
import { mocksRun, typeNameParent } from "./mocks-run";

const OPT_IN = {
  "trail-lab:kmsEncryption": "true",
  "trail-lab:cloudWatchLogs": "true",
  "trail-lab:athena": "true",
  "trail-lab:detections": "true",
};

describe("engine: the KMS key, CloudWatch Logs delivery, Athena search and detections, turned on by config", function () {
  let world: EngineWorld;
  let mocks: ProgramRun;

  before(async function () {
    world = createEngineWorld();
    mocks = await mocksRun(OPT_IN);
    await world.pulumiOk(["login", `file://${world.stateDir}`]);
    await world.pulumiOk(["stack", "init", "dev"]);
    for (const [key, value] of Object.entries(OPT_IN)) await world.pulumiOk(["config", "set", key, value]);
  });
  after(function () {
    world?.remove();
  });

  it("creates the resources the mocks declare for that config, each after what it depends on", async function () {
    await world.pulumiOk(["up", "--yes"]);
    const resources = engineResources(await world.exportStack());
    expect(resources.map(typeNameParent).sort()).to.deep.equal(mocks.resources.map(typeNameParent).sort());
    expect(resources.map((r) => r.type)).to.include.members([
      "aws:kms/key:Key",
      "aws:cloudwatch/logGroup:LogGroup",
      "aws:iam/rolePolicy:RolePolicy",
      "aws:glue/catalogTable:CatalogTable",
      "aws:athena/workgroup:Workgroup",
      "aws:sns/topicSubscription:TopicSubscription",
      "aws:cloudwatch/eventTarget:EventTarget",
      "aws:cloudwatch/metricAlarm:MetricAlarm",
    ]);
    const calls = world.standIn.calls();
    for (const r of mocks.resources) {
      for (const dependency of r.dependsOn) {
        const first = callIndex(calls, "Create", dependency);
        expect(first, `${dependency} created`).to.be.at.least(0);
        expect(callIndex(calls, "Create", r.name), `${r.name} created after ${dependency}`).to.be.greaterThan(first);
      }
    }
    expect(mocks.named("audit-trail").dependsOn).to.include("trail-events-role-policy");
  });

  it("destroys all of it", async function () {
    await world.pulumiOk(["destroy", "--yes"]);
    expect(world.standIn.resources()).to.deep.equal({});
    expect(engineResources(await world.exportStack())).to.deep.equal([]);
  });
});
