// The stack's outputs as the lab reads them (automation/engine/stack-outputs.ts): held to what
// infra/index.ts exports, run under Pulumi mocks as test/infra runs it, and read by name, so that a
// renamed or mistyped output fails with its name rather than reading as undefined.
import { expect } from "chai";
import { STACK_OUTPUTS, StackOutputError, bucketsInOutputs, readOutputs } from "../../../automation/engine/stack-outputs";
import { ExitCode } from "../../../common/exit-codes";
import { OUTPUTS_TRAIL } from "../../support/doubles/lab-fakes";
import { runProgram } from "../../support/pulumi-program";

describe("automation/engine/stack-outputs: the outputs infra/index.ts exports", function () {
  this.timeout(60_000);

  it("names exactly the program's exports, and reads them with the lab's defaults", async function () {
    const run = await runProgram({}, "lab-outputs");
    expect(Object.keys(STACK_OUTPUTS).sort()).to.deep.equal(Object.keys(run.outputs).sort());
    const outputs = readOutputs(run.outputs, "lab-outputs");
    expect(outputs.trailName).to.equal("my-logs-trail");
    expect(outputs.instanceId).to.be.a("string");
    // The opt-in switches' outputs, all off by default: each read as null, not missing.
    const optIns = [
      "kmsKeyArn",
      "logGroupName",
      "athenaDatabase",
      "athenaTable",
      "athenaWorkgroup",
      "canaryBucketName",
      "alertTopicArn",
      "alertQueueUrl",
    ] as const;
    expect(optIns.filter((name) => outputs[name] !== null)).to.deep.equal([]);
  });

  it("reads every switched-on output as text", async function () {
    const run = await runProgram(
      { kmsEncryption: "true", cloudWatchLogs: "true", athena: "true", dataEvents: "true", detections: "true" },
      "lab-all-on",
    );
    const outputs = readOutputs(run.outputs, "lab-all-on");
    for (const [name, value] of Object.entries(outputs)) expect(value, name).to.be.a("string").and.not.equal("");
  });
});

describe("automation/engine/stack-outputs: readOutputs", function () {
  it("takes an absent switched-off output as null, as a stand-in engine or an older program leaves it out", function () {
    expect(OUTPUTS_TRAIL).to.not.have.property("athenaTable");
    expect(readOutputs(OUTPUTS_TRAIL, "lab-x")).to.include({ athenaTable: null, bucketName: OUTPUTS_TRAIL.bucketName });
  });

  it("names a missing output, the stack and where to look, exit 3", function () {
    const { bucketName: _, ...withoutBucket } = OUTPUTS_TRAIL;
    let error: unknown;
    try {
      readOutputs(withoutBucket, "lab-x");
    } catch (caught) {
      error = caught;
    }
    expect(error).to.be.instanceOf(StackOutputError);
    const refused = error as StackOutputError;
    expect(refused).to.include({ stackName: "lab-x", output: "bucketName", problem: "missing", exitCode: ExitCode.AwsError });
    expect(refused.message)
      .to.contain("Stack 'lab-x' has its output 'bucketName' missing")
      .and.contain("infra/index.ts")
      .and.contain("pulumi stack output --stack lab-x --json");
  });

  it("names an output of the wrong type, and what it expected", function () {
    expect(() => readOutputs({ ...OUTPUTS_TRAIL, instanceId: 42 }, "lab-x")).to.throw(
      StackOutputError,
      "'instanceId' as a number, expected a non-empty string or null",
    );
    expect(() => readOutputs({ ...OUTPUTS_TRAIL, trailArn: null }, "lab-x")).to.throw(
      StackOutputError,
      "'trailArn' as null, expected a non-empty string",
    );
    expect(() => readOutputs({ ...OUTPUTS_TRAIL, region: "" }, "lab-x")).to.throw(StackOutputError, "'region' as an empty string");
  });

  it("bucketsInOutputs takes what a half-created stack still names, and never throws", function () {
    expect(bucketsInOutputs({ ...OUTPUTS_TRAIL, accessLogBucketName: "audit-logs-access-1" })).to.deep.equal([
      OUTPUTS_TRAIL.bucketName,
      "audit-logs-access-1",
    ]);
    expect(bucketsInOutputs({ bucketName: 7, accessLogBucketName: "audit-logs-access-1" })).to.deep.equal(["audit-logs-access-1"]);
    // The data events' canary bucket goes with the rest: destroy empties it, the sweep finds it by name.
    expect(bucketsInOutputs({ ...OUTPUTS_TRAIL, canaryBucketName: "data-canary-bucket-1" })).to.deep.equal([
      OUTPUTS_TRAIL.bucketName,
      "data-canary-bucket-1",
    ]);
    expect(bucketsInOutputs({})).to.deep.equal([]);
    expect(bucketsInOutputs(null)).to.deep.equal([]);
  });
});
