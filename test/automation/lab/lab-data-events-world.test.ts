// The lab's data-event proof end to end on the project's servers (data-event-world.ts): the
// program's own stack with trail-lab:dataEvents on, stood up in the local S3 and CloudTrail; the
// lab's real canary client writing and reading through S3's protocol; a world that delivers each
// object call the trail's selectors (as declared) select, as CloudTrail delivers data events; and
// the lab's real port to verify/ finding RunInstances, then PutObject and GetObject, in the logs.
// Only the Pulumi engine is the recording fake. With selectors that leave the canary out, the same
// run ends not verified.
import { expect } from "chai";
import { createLabClients, destroyLabClients } from "../../../automation/aws/aws-clients";
import { writeAndReadCanary } from "../../../automation/aws/canary-object";
import { runLab, type LabDeps } from "../../../automation/lab";
import { verifyAdapter } from "../../../automation/verifier/verify-adapter";
import { ExitCode } from "../../../common/exit-codes";
import { Fakes, INSTANCE_ID, labOptions } from "../../support/doubles/lab-fakes";
import { DUMMY_CREDENTIALS } from "../../support/servers/s3-server";
import { startDataEventWorld, type DataEventWorld } from "../../support/worlds/data-event-world";

const ENV = [
  "AWS_ENDPOINT_URL_S3",
  "AWS_ENDPOINT_URL_CLOUDTRAIL",
  "AWS_ACCESS_KEY_ID",
  "AWS_SECRET_ACCESS_KEY",
  "AWS_SESSION_TOKEN",
  "AWS_PROFILE",
];

describe("automation/lab: the data-event proof end to end on the project's servers", function () {
  this.timeout(180_000);
  let world: DataEventWorld;
  let fakes: Fakes;
  const saved: Record<string, string | undefined> = {};

  beforeEach(async function () {
    world = await startDataEventWorld();
    for (const name of ENV) saved[name] = process.env[name];
    delete process.env.AWS_SESSION_TOKEN;
    delete process.env.AWS_PROFILE;
    // The lab's clients and verify's find the servers as a user's would find any endpoint.
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_S3: world.s3.endpoint,
      AWS_ENDPOINT_URL_CLOUDTRAIL: world.ct.endpoint,
      AWS_ACCESS_KEY_ID: DUMMY_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: DUMMY_CREDENTIALS.secretAccessKey,
    });
  });
  afterEach(async function () {
    for (const name of ENV) {
      if (saved[name] === undefined) delete process.env[name];
      else process.env[name] = saved[name];
    }
    fakes?.cleanup();
    await world?.close();
  });

  /** The fakes' engine with the world's outputs; the real canary client and the real verifier. */
  const run = (verifyTimeoutMs: number) => {
    fakes = new Fakes({
      outputs: world.outputs,
      onUp: async (step) => {
        if (step === "probe") await world.launch(INSTANCE_ID);
      },
    });
    fakes.clock = Date.now();
    const deps: LabDeps = {
      ...fakes.deps(),
      services: (region) => {
        const clients = createLabClients({ region });
        return {
          ...fakes.services(),
          verifier: verifyAdapter(region),
          writeCanaryObject: (request) => writeAndReadCanary(clients.s3, request, () => Date.now()),
          close: () => destroyLabClients(clients),
        };
      },
    };
    return runLab(labOptions({ region: world.ct.state.region, dataEvents: true, verifyTimeoutMs, verifyIntervalMs: 100 }), deps);
  };

  it("writes and reads the canary object, and finds both calls as data events naming it; the log buckets are never selected; exit 0", async function () {
    const report = await run(60_000);
    expect(report.verified, JSON.stringify(report.error)).to.equal(true);
    const d = report.dataEvents!;
    expect(d.status, d.reason ?? "").to.equal("verified");
    const canary = world.deployed.canaryBucket!;
    expect(d.objectArn).to.equal(`arn:aws:s3:::${canary}/trail-lab/lab-test.txt`);
    expect(d.object).to.include({ bucket: canary, key: "trail-lab/lab-test.txt" });
    for (const [name, evidence] of [
      ["PutObject", d.putObject],
      ["GetObject", d.getObject],
    ] as const) {
      const sent = world.delivered.find((x) => x.record.eventName === name && x.record.requestParameters !== null);
      expect(evidence?.verified, name).to.equal(true);
      expect(evidence?.eventHistory, name).to.equal(null);
      expect(evidence?.eventCategory, name).to.equal("Data");
      expect(evidence?.s3.key, name).to.equal(sent?.key);
      expect(evidence?.event, name).to.deep.equal(sent?.record);
      expect(evidence?.event).to.deep.include({ eventCategory: "Data", managementEvent: false, readOnly: name === "GetObject" });
      expect((evidence?.event?.resources as { ARN: string }[])[0]).to.deep.equal({ type: "AWS::S3::Object", ARN: d.objectArn });
    }
    // Every delivery to the audit bucket and every read of it was an object call the trail judged, and left out.
    const onLogBuckets = world.judged.filter((c) => c.bucket === world.deployed.bucket || c.bucket === world.deployed.accessLogBucket);
    expect(onLogBuckets.filter((c) => c.eventName === "PutObject").length, "deliveries judged").to.be.greaterThan(1);
    expect(onLogBuckets.filter((c) => c.eventName === "GetObject").length, "log reads judged").to.be.greaterThan(1);
    expect(onLogBuckets.filter((c) => c.delivered)).to.deep.equal([]);
    expect(world.delivered.map((x) => x.record.requestParameters)).to.deep.equal([
      { bucketName: canary, Host: `${canary}.s3.us-east-1.amazonaws.com`, key: "trail-lab/lab-test.txt" },
      { bucketName: canary, Host: `${canary}.s3.us-east-1.amazonaws.com`, key: "trail-lab/lab-test.txt" },
    ]);
    // Event History was asked about the probe only.
    const asked = world.ct.callsOf("LookupEvents").map((c) => JSON.stringify(c.input.LookupAttributes));
    expect(asked.length).to.be.greaterThan(0);
    for (const attributes of asked) expect(attributes).to.contain(INSTANCE_ID);
    expect(report.exitCode).to.equal(ExitCode.Ok);
  });

  it("selectors that leave the canary out (management events only): the calls are never delivered, not verified, exit 1", async function () {
    world.deployed.trail.advancedEventSelectors = [
      { Name: "Management events", FieldSelectors: [{ Field: "eventCategory", Equals: ["Management"] }] },
    ];
    const report = await run(1_500);
    expect(report.verified).to.equal(true);
    expect(report.dataEvents?.status).to.equal("not-verified");
    expect(report.dataEvents?.reason).to.match(/^PutObject and GetObject of arn:aws:s3:::data-canary-bucket-\S+ not found/);
    expect(world.delivered).to.deep.equal([]);
    expect(world.judged.filter((c) => c.bucket === world.deployed.canaryBucket).map((c) => c.eventName)).to.deep.equal([
      "PutObject",
      "GetObject",
    ]);
    expect(report.exitCode).to.equal(ExitCode.CheckFailed);
  });
});
