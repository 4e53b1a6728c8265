// trail-lab:dataEvents under Pulumi mocks: off, the program is the one it was before the switch
// existed; on, it adds a canary bucket hardened as the audit bucket is and switches the trail to
// advanced selectors that log management events as before and data events of the canary's objects
// only, never of the audit bucket or its access-log bucket (the loop data-event-canary.ts explains).
import { expect } from "chai";
import { CANARY_SELECTOR_NAME, MANAGEMENT_SELECTOR_NAME } from "../../infra/data-event-canary";
import { runProgram, ACCOUNT, type ProgramRun, type RecordedResource } from "../support/pulumi-program";
import { s3ObjectEvent, selectorsLog, toApiSelectors, type SelectedEvent } from "../support/fixtures/advanced-selectors";

const TRAIL = "aws:cloudtrail/trail:Trail";
/** The hardening chain's parts, by the suffix hardenBucket gives each (bucket-hardening.ts). */
const CHAIN = ["ownership", "public-access", "encryption", "versioning", "lifecycle", "policy"];

/** A resource as both runs can compare it: generated bucket names replaced by the logical name. */
function comparable(run: ProgramRun, r: RecordedResource): string {
  let text = JSON.stringify({ type: r.type, name: r.name, parent: r.parent, dependsOn: r.dependsOn, inputs: r.inputs });
  for (const b of run.all("aws:s3/bucket:Bucket")) text = text.split(b.state.bucket as string).join(`<${b.name}>`);
  return text;
}

const management = (eventName: string, readOnly: boolean): SelectedEvent => ({
  eventCategory: "Management",
  eventName,
  eventSource: "ec2.amazonaws.com",
  readOnly,
});

describe("infra: trail-lab:dataEvents", function () {
  let off: ProgramRun;
  let unset: ProgramRun;
  let on: ProgramRun;
  before(async function () {
    unset = await runProgram({}, "data-events");
    off = await runProgram({ dataEvents: "false" }, "data-events");
    on = await runProgram({ dataEvents: "true" }, "data-events");
  });

  describe("off (the default)", function () {
    it("declares exactly the resources, with exactly the inputs, of a config that never names it", function () {
      expect(off.resources.map((r) => comparable(off, r))).to.deep.equal(unset.resources.map((r) => comparable(unset, r)));
    });

    it("declares no canary and leaves the trail without selectors: CloudTrail's default, every management event", function () {
      expect(unset.resources.filter((r) => r.name.startsWith("data-canary"))).to.deep.equal([]);
      const trail = unset.one(TRAIL).inputs;
      expect(trail).to.not.have.any.keys("advancedEventSelectors", "eventSelectors");
      expect(Object.keys(trail).sort()).to.deep.equal([
        "enableLogFileValidation",
        "enableLogging",
        "includeGlobalServiceEvents",
        "isMultiRegionTrail",
        "name",
        "s3BucketName",
        "tags",
      ]);
      expect(unset.outputs.canaryBucketName).to.equal(null);
    });
  });

  describe("on", function () {
    const canaryBucket = () => on.named("data-canary-bucket").state.bucket as string;

    it("adds the canary's bucket and its hardening, and changes nothing else but the trail's selectors", function () {
      const added = on.resources.filter((r) => !unset.resources.some((u) => u.name === r.name)).map((r) => r.name);
      expect(added.sort()).to.deep.equal(["data-canary", "data-canary-bucket", ...CHAIN.map((part) => `data-canary-${part}`)].sort());
      for (const before of unset.resources) {
        const after = on.named(before.name);
        if (before.type === TRAIL) {
          const { advancedEventSelectors: _, ...rest } = after.inputs;
          expect(rest, before.name).to.deep.equal(before.inputs);
        } else {
          expect(comparable(on, after), before.name).to.equal(comparable(unset, before));
        }
      }
      expect(on.outputs.canaryBucketName)
        .to.equal(canaryBucket())
        .and.match(/^data-canary-bucket-/);
    });

    it("hardens the canary's bucket as the audit bucket is: the same chain, the same settings, in the same order", function () {
      const audit = (part: string) => on.named(`audit-logs-${part}`);
      const canary = (part: string) => on.named(`data-canary-${part}`);
      for (const part of CHAIN.filter((p) => p !== "policy")) {
        const { bucket: a, ...auditInputs } = audit(part).inputs;
        const { bucket: c, ...canaryInputs } = canary(part).inputs;
        expect(c, part).to.equal(canaryBucket());
        expect(a, part).to.equal(on.outputs.bucketName);
        expect(canaryInputs, part).to.deep.equal(auditInputs);
      }
      expect(canary("public-access").dependsOn).to.deep.equal(["data-canary-ownership"]);
      expect(canary("lifecycle").dependsOn).to.deep.equal(["data-canary-versioning"]);
      expect(canary("policy").dependsOn).to.deep.equal(["data-canary-lifecycle"]);
      // Only the account's principals use it: the TLS deny, nothing granted to anyone.
      const policy = JSON.parse(canary("policy").inputs.policy);
      expect(policy.Statement).to.have.length(1);
      expect(policy.Statement[0]).to.include({ Effect: "Deny", Sid: "DenyInsecureTransport" });
      expect(policy.Statement[0].Resource).to.deep.equal([`arn:aws:s3:::${canaryBucket()}`, `arn:aws:s3:::${canaryBucket()}/*`]);
      const bucket = on.named("data-canary-bucket");
      expect(bucket.inputs.forceDestroy).to.equal(true);
      expect(bucket.inputs.tags).to.include({ "trail-lab:stack": "data-events", "trail-lab:project": "trail-lab" });
      expect(bucket.parent).to.equal("data-canary");
    });

    it("switches the trail to advanced selectors: management events Read and Write, and S3 data events of the canary's objects", function () {
      expect(on.one(TRAIL).inputs.advancedEventSelectors).to.deep.equal([
        { name: MANAGEMENT_SELECTOR_NAME, fieldSelectors: [{ field: "eventCategory", equals: ["Management"] }] },
        {
          name: CANARY_SELECTOR_NAME,
          fieldSelectors: [
            { field: "eventCategory", equals: ["Data"] },
            { field: "resources.type", equals: ["AWS::S3::Object"] },
            { field: "resources.ARN", startsWiths: [`arn:aws:s3:::${canaryBucket()}/`] },
          ],
        },
      ]);
      expect(on.one(TRAIL).inputs.eventSelectors).to.equal(undefined);
    });

    it("logs every management event and the canary's object calls, and no object call on any other bucket", function () {
      const selectors = toApiSelectors(on.one(TRAIL).inputs.advancedEventSelectors);
      const logs = (event: SelectedEvent) => selectorsLog(selectors, event);
      expect(logs(management("RunInstances", false)), "a management write").to.equal(true);
      expect(logs(management("DescribeInstances", true)), "a management read").to.equal(true);
      for (const eventName of ["PutObject", "GetObject"] as const) {
        expect(logs(s3ObjectEvent("aws", canaryBucket(), "trail-lab/lab-x.txt", eventName)), eventName).to.equal(true);
        // The loop: CloudTrail's own deliveries, and S3's access logs of them.
        const logKey = `AWSLogs/${ACCOUNT}/CloudTrail/eu-west-1/2026/11/25/${ACCOUNT}_CloudTrail_eu-west-1_20261125T2235Z_x.json.gz`;
        expect(logs(s3ObjectEvent("aws", on.outputs.bucketName, logKey, eventName)), "the audit bucket").to.equal(false);
        expect(logs(s3ObjectEvent("aws", on.outputs.accessLogBucketName, "audit-bucket/2026-11-25-22-35-10-0A1B", eventName))).to.equal(
          false,
        );
        // A bucket whose name starts with the canary's is another bucket.
        expect(logs(s3ObjectEvent("aws", `${canaryBucket()}-copy`, "trail-lab/lab-x.txt", eventName)), "a look-alike").to.equal(false);
      }
    });

    it("keeps the trail's inputs otherwise as with the switch off: logging, validation, multi-region, the bucket", function () {
      expect(on.one(TRAIL).inputs).to.include({
        name: "my-logs-trail",
        s3BucketName: on.outputs.bucketName,
        isMultiRegionTrail: true,
        includeGlobalServiceEvents: true,
        enableLogFileValidation: true,
        enableLogging: true,
      });
    });
  });

  it("rejects a switch that is not a boolean, before any AWS call", async function () {
    const error = await runProgram({ dataEvents: "yes" }, "data-events-bad").then(
      () => null,
      (e: Error) => e,
    );
    expect(error?.name).to.equal("InvalidConfigError");
    expect(error?.message).to.match(/trail-lab:dataEvents.*true or false/);
  });
});
