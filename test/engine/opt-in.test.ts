// The opt-in parts of the program through the real engine: a KMS key for the log files, CloudWatch
// Logs delivery with its role, the Athena table and workgroup, the data events' canary bucket with
// the trail's advanced selectors, and the detections (rules, topic, queue, CIS filters and alarms),
// turned on with `pulumi config set` as docs/lab.md says. The engine's resources must be the mocks'
// for the same config, created in the declared order, a second preview must show no change (the
// selectors as the provider holds them: trail-selectors.ts), and all of it is gone after destroy.
import { expect } from "chai";
import type { ProgramRun } from "../support/pulumi-program";
import { callIndex, engineResources } from "./deployment";
import { createEngineWorld, type EngineWorld } from "./engine-world";
import { mocksRun, typeNameParent } from "./mocks-run";
import { bucketObjectsArnPrefix, dataEventSelectors } from "../../infra/data-event-canary";

const OPT_IN = {
  "trail-lab:kmsEncryption": "true",
  "trail-lab:cloudWatchLogs": "true",
  "trail-lab:athena": "true",
  "trail-lab:dataEvents": "true",
  "trail-lab:detections": "true",
};

describe("engine: the KMS key, CloudWatch Logs delivery, Athena search, data events and detections, turned on by config", function () {
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

  it("holds the trail's advanced selectors as the provider reads them back, and a second preview shows no change", async function () {
    const trail = engineResources(await world.exportStack()).find((r) => r.type === "aws:cloudtrail/trail:Trail");
    const canary = engineResources(await world.exportStack()).find((r) => r.name === "data-canary-bucket");
    // The program's own selectors for the canary the engine created (test/infra holds them to the mocks').
    expect(trail?.inputs.advancedEventSelectors).to.deep.equal(dataEventSelectors(bucketObjectsArnPrefix("aws", canary?.outputs.bucket)));
    // The field selectors in the set's order, not the declared one: a list compare would see a change.
    expect(trail?.outputs.advancedEventSelectors[1].fieldSelectors).to.deep.equal([
      { field: "eventCategory", equals: ["Data"] },
      { field: "resources.ARN", startsWiths: [`arn:aws:s3:::${canary?.outputs.bucket}/`] },
      { field: "resources.type", equals: ["AWS::S3::Object"] },
    ]);
    const before = world.standIn.calls().length;
    await world.pulumiOk(["preview", "--expect-no-changes"]);
    const diffs = world.standIn
      .calls()
      .slice(before)
      .filter((c) => c.method === "Diff");
    expect(diffs.map((c) => c.name)).to.include("audit-trail");
  });

  it("destroys all of it", async function () {
    await world.pulumiOk(["destroy", "--yes"]);
    expect(world.standIn.resources()).to.deep.equal({});
    expect(engineResources(await world.exportStack())).to.deep.equal([]);
  });
});
