// checkPosture against the local S3 (with S3 Control) and CloudTrail servers: the lab's own stack
// as infra/ declares it (the Pulumi program under mocks, every bucket it declares stood up
// locally), its switches turned on, and a stack hardened until every control passes; each
// verdict with its reason, evidence and metadata; the real SDK parses every answer, "not
// configured" included. The controls' own cases are in the posture-*.test.ts files beside this one.
import { expect } from "chai";
import { checkPosture, postureExitCode, AwsCallError, ExitCode, type PostureOptions } from "../../../verify";
import { startCloudTrailServer, trailArn, type LocalCloudTrail } from "../../support/servers/cloudtrail-server";
import { OWNER_ID } from "../../support/servers/s3-bucket-config";
import { deployWorld, type DeployedWorld } from "../../support/worlds/deployed-world";
import { startS3Server, type LocalS3 } from "../../support/servers/s3-server";
import { control, controlKey, failing, statuses } from "../../support/posture-report";
import { ACCOUNT } from "../../support/pulumi-program";

/** The lab's default stack, the account's own Block Public Access never set (a new account's). */
const DEFAULT_STACK = {
  "CloudTrail.1": "pass",
  "CloudTrail.2": "fail",
  "CloudTrail.3": "pass",
  "CloudTrail.4": "pass",
  "CloudTrail.5": "fail",
  "CloudTrail.6": "pass",
  "CloudTrail.7": "pass",
  "S3.1": "fail",
  "S3.4": "pass",
  "S3.4@access-log": "pass",
  "S3.5": "pass",
  "S3.5@access-log": "pass",
  "S3.8": "pass",
  "S3.8@access-log": "pass",
  "S3.9": "pass",
  "S3.9@access-log": "accepted",
  "S3.12": "pass",
  "S3.12@access-log": "pass",
  "S3.14": "pass",
  "S3.14@access-log": "pass",
  "S3.20": "fail",
  "S3.20@access-log": "fail",
  "S3.22": "fail",
  "S3.23": "fail",
  "TrailLab.Delivery": "pass",
  "TrailLab.Retention": "pass",
  "TrailLab.DataEventLoop": "pass",
};

const BLOCK_ALL = { blockPublicAcls: true, ignorePublicAcls: true, blockPublicPolicy: true, restrictPublicBuckets: true };

describe("verify: posture of a trail and its stack", function () {
  this.timeout(60_000);
  let s3: LocalS3;
  let ct: LocalCloudTrail;

  beforeEach(async () => {
    s3 = await startS3Server();
    ct = await startCloudTrailServer();
  });
  afterEach(async () => {
    await s3.close();
    await ct.close();
  });

  const check = (trail: string, more: Partial<PostureOptions> = {}) =>
    checkPosture({ trail, region: "us-east-1", clients: { s3: s3.client, s3Control: s3.controlClient, cloudTrail: ct.client() }, ...more });

  describe("the lab's own stack", () => {
    it("with the default config, judges the trail, its bucket and the access-log bucket it finds, and the account", async () => {
      const world = await deployWorld(s3, ct);
      const report = await check(world.trail.name);
      expect(statuses(report)).to.deep.equal(DEFAULT_STACK);
      expect(report.controls.map(controlKey)).to.deep.equal(Object.keys(DEFAULT_STACK));
      expect(postureExitCode(report)).to.equal(ExitCode.CheckFailed);
      expect(control(report, "CloudTrail.2").evidence).to.deep.equal({ trail: trailArn(world.trail), KmsKeyId: null });
      expect(control(report, "CloudTrail.2").fix).to.include("trail-lab:kmsEncryption true");
      expect(control(report, "CloudTrail.5").fix).to.include("trail-lab:cloudWatchLogs true");
      expect(control(report, "CloudTrail.7").evidence).to.deep.equal({
        bucket: world.bucket,
        LoggingEnabled: { TargetBucket: world.accessLogBucket, TargetPrefix: "audit-bucket/" },
      });
      expect(control(report, "S3.5").evidence.denyStatement).to.include({ Sid: "DenyInsecureTransport", Effect: "Deny" });
      expect(control(report, "S3.4").evidence.rules).to.deep.equal([
        { SSEAlgorithm: "AES256", KMSMasterKeyID: null, BucketKeyEnabled: false },
      ]);
      // The access-log bucket does not log its own access: accepted, with the reason, not skipped.
      const accessLog = control(report, "S3.9@access-log");
      expect(accessLog).to.deep.include({ status: "fail", statusDetail: `s3://${world.accessLogBucket} has server access logging off.` });
      expect(accessLog.accepted!.reason).to.equal(
        `s3://${world.accessLogBucket} receives the server access logs of s3://${world.bucket}: ` +
          "S3 advises against logging a log target's own access (into itself, each delivery would be logged again without end).",
      );
      expect(control(report, "S3.1").statusDetail).to.equal(
        `Account ${ACCOUNT} has no Block Public Access configuration (S3 Control: NoSuchPublicAccessBlockConfiguration).`,
      );
      for (const c of report.controls) {
        expect(Object.keys(c)).to.deep.equal([
          "id",
          "title",
          "status",
          "statusDetail",
          "evidence",
          "fix",
          "severity",
          "cis",
          "resource",
          "remediationUrl",
          "risk",
          "remediation",
          "frameworks",
          "accepted",
        ]);
        expect(c.fix === null, c.id).to.equal(c.status === "pass");
        expect(c.statusDetail, c.id).to.match(/^[A-Zs].*\.$/);
      }
    });

    it("names each control's severity, frameworks (CIS, FSBP), risk, fix as CLI and Pulumi, resource and remediation page", async () => {
      const world = await deployWorld(s3, ct);
      const report = await check(world.trail.name);
      const trail = trailArn(world.trail);
      const bucket = `arn:aws:s3:::${world.bucket}`;
      const meta = (key: string) => {
        const c = control(report, key);
        return [
          c.severity,
          c.frameworks!.map((f) => `${f.framework.replace("CIS AWS Foundations Benchmark", "CIS")} ${f.requirement}`).join("; "),
          c.resource.type,
          c.resource.arn,
          c.resource.name,
        ];
      };
      const FSBP = "AWS Foundational Security Best Practices v1.0.0";
      expect(
        Object.fromEntries(report.controls.filter((c) => !c.resource.role || c.resource.role === "trail").map((c) => [c.id, meta(c.id)])),
      ).to.deep.equal({
        "CloudTrail.1": ["high", `CIS v3.0.0 3.1; CIS v1.4.0 3.1; ${FSBP} CloudTrail.1`, "AWS::CloudTrail::Trail", trail, "my-logs-trail"],
        "CloudTrail.2": [
          "medium",
          `CIS v3.0.0 3.5; CIS v1.4.0 3.7; ${FSBP} CloudTrail.2`,
          "AWS::CloudTrail::Trail",
          trail,
          "my-logs-trail",
        ],
        "CloudTrail.3": ["high", "", "AWS::CloudTrail::Trail", trail, "my-logs-trail"],
        "CloudTrail.4": ["low", `CIS v3.0.0 3.2; CIS v1.4.0 3.2; ${FSBP} CloudTrail.4`, "AWS::CloudTrail::Trail", trail, "my-logs-trail"],
        "CloudTrail.5": ["low", `CIS v1.4.0 3.4; ${FSBP} CloudTrail.5`, "AWS::CloudTrail::Trail", trail, "my-logs-trail"],
        "CloudTrail.6": ["critical", "CIS v1.4.0 3.3", "AWS::S3::Bucket", bucket, world.bucket],
        "CloudTrail.7": ["low", "CIS v3.0.0 3.4; CIS v1.4.0 3.6", "AWS::S3::Bucket", bucket, world.bucket],
        "S3.1": ["medium", `CIS v3.0.0 2.1.4; CIS v1.4.0 2.1.5; ${FSBP} S3.1`, "AWS::::Account", `AWS::::Account:${ACCOUNT}`, ACCOUNT],
        "S3.4": ["medium", `CIS v1.4.0 2.1.1; ${FSBP} S3.4`, "AWS::S3::Bucket", bucket, world.bucket],
        "S3.5": ["medium", `CIS v3.0.0 2.1.1; CIS v1.4.0 2.1.2; ${FSBP} S3.5`, "AWS::S3::Bucket", bucket, world.bucket],
        "S3.8": ["high", `CIS v3.0.0 2.1.4; CIS v1.4.0 2.1.5; ${FSBP} S3.8`, "AWS::S3::Bucket", bucket, world.bucket],
        "S3.9": ["medium", `${FSBP} S3.9`, "AWS::S3::Bucket", bucket, world.bucket],
        "S3.12": ["medium", `${FSBP} S3.12`, "AWS::S3::Bucket", bucket, world.bucket],
        "S3.14": ["low", "", "AWS::S3::Bucket", bucket, world.bucket],
        "S3.20": ["low", "CIS v3.0.0 2.1.2; CIS v1.4.0 2.1.3", "AWS::S3::Bucket", bucket, world.bucket],
        "S3.22": ["medium", "CIS v3.0.0 3.8", "AWS::::Account", `AWS::::Account:${ACCOUNT}`, ACCOUNT],
        "S3.23": ["medium", "CIS v3.0.0 3.9", "AWS::::Account", `AWS::::Account:${ACCOUNT}`, ACCOUNT],
        "TrailLab.Delivery": ["high", "trail-lab controls TrailLab.Delivery", "AWS::S3::Bucket", bucket, world.bucket],
        "TrailLab.Retention": ["medium", "trail-lab controls TrailLab.Retention", "AWS::S3::Bucket", bucket, world.bucket],
        "TrailLab.DataEventLoop": ["medium", "trail-lab controls TrailLab.DataEventLoop", "AWS::CloudTrail::Trail", trail, "my-logs-trail"],
      });
      for (const c of report.controls) {
        expect(c.risk, c.id).to.match(/^[A-Z].{40,}\.$/);
        expect(c.remediation!.cli, c.id).to.match(/^aws (cloudtrail|s3api|s3control) /);
        expect(c.remediation!.pulumi, c.id).to.match(/aws\.(cloudtrail|s3)\.[A-Z]\w+/);
        expect(c.remediationUrl, c.id).to.equal(
          c.id.startsWith("TrailLab.") ? null : `https://docs.aws.amazon.com/console/securityhub/${c.id}/remediation`,
        );
      }
      expect(control(report, "S3.8@access-log").resource).to.deep.equal({
        type: "AWS::S3::Bucket",
        arn: `arn:aws:s3:::${world.accessLogBucket}`,
        region: "us-east-1",
        name: world.accessLogBucket,
        role: "access-log",
      });
      expect(control(report, "S3.14").remediation!.cli).to.equal(
        `aws s3api put-bucket-versioning --bucket ${world.bucket} --versioning-configuration Status=Enabled`,
      );
      s3.bucketConfig(world.bucket).region = "eu-west-1";
      expect(control(await check(world.trail.name), "S3.8").resource.region).to.equal("eu-west-1");
    });

    it("returns the facts it judged, as AWS returned them (the ACL's grants, MFA delete, the account's block), and when it read them", async () => {
      const world = await deployWorld(s3, ct);
      s3.accountConfig(ACCOUNT).publicAccessBlock = { ...BLOCK_ALL, blockPublicPolicy: false };
      const before = Date.now();
      const report = await check(world.trail.name);
      expect(Date.parse(report.checkedAt!)).to.be.within(before, Date.now());
      expect(report.facts!.trail).to.deep.include({
        name: "my-logs-trail",
        arn: trailArn(world.trail),
        homeRegion: "us-east-1",
        isMultiRegionTrail: true,
        logFileValidationEnabled: true,
        kmsKeyId: null,
        cloudWatchLogsLogGroupArn: null,
        s3BucketName: world.bucket,
        isLogging: true,
        managementEvents: { read: true, write: true, gap: null },
      });
      const hardened = {
        region: "us-east-1",
        publicAccessBlock: { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true },
        encryption: [{ SSEAlgorithm: "AES256", KMSMasterKeyID: null, BucketKeyEnabled: false }],
        ownership: "BucketOwnerEnforced",
        versioning: "Enabled",
        mfaDelete: null,
        grants: [{ grantee: OWNER_ID, type: "CanonicalUser", permission: "FULL_CONTROL" }],
        lifecycle: [
          { id: "expire-after-retention", status: "Enabled", expirationDays: 90, noncurrentDays: 90, prefix: "", expirationDate: null },
        ],
        policyIsPublic: false,
      };
      expect(report.facts!.bucket).to.deep.equal({
        name: world.bucket,
        arn: `arn:aws:s3:::${world.bucket}`,
        ...hardened,
        policy: s3.bucketConfig(world.bucket).policy,
        logging: { targetBucket: world.accessLogBucket, targetPrefix: "audit-bucket/" },
      });
      expect(report.facts!.buckets).to.deep.equal([
        {
          name: world.accessLogBucket,
          arn: `arn:aws:s3:::${world.accessLogBucket}`,
          ...hardened,
          policy: s3.bucketConfig(world.accessLogBucket!).policy,
          logging: null,
          role: "access-log",
        },
      ]);
      expect(report.facts!.unreadBuckets).to.deep.equal([]);
      expect(report.facts!.account).to.deep.equal({
        id: ACCOUNT,
        publicAccessBlock: { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: false, RestrictPublicBuckets: true },
        unread: null,
      });
      expect(control(report, "S3.1").statusDetail).to.equal(`Account ${ACCOUNT}'s Block Public Access has BlockPublicPolicy off.`);
    });

    it("with kmsEncryption and cloudWatchLogs on, fails only what the stack cannot set: the account's block, MFA delete, data events", async () => {
      const world = await deployWorld(s3, ct, { kmsEncryption: "true", cloudWatchLogs: "true" });
      const report = await check(trailArn(world.trail));
      expect(failing(report)).to.deep.equal(["S3.1", "S3.20", "S3.20@access-log", "S3.22", "S3.23"]);
      expect(control(report, "CloudTrail.2").evidence.KmsKeyId).to.match(/^arn:aws:kms:us-east-1:123456789012:key\//);
      expect(control(report, "CloudTrail.5").evidence.CloudWatchLogsLogGroupArn).to.equal(
        "arn:aws:logs:us-east-1:123456789012:log-group:/aws/cloudtrail/my-logs-trail:*",
      );
      // The trail's logs are SSE-KMS by the trail's own setting; the bucket's default stays SSE-S3.
      expect(control(report, "S3.4").evidence.rules).to.deep.equal([
        { SSEAlgorithm: "AES256", KMSMasterKeyID: null, BucketKeyEnabled: false },
      ]);
    });

    it("hardened past the stack (the account's block, MFA delete, data events on every bucket but the log buckets), passes every control and exits 0", async () => {
      const world = await deployWorld(s3, ct, { kmsEncryption: "true", cloudWatchLogs: "true" });
      s3.accountConfig(ACCOUNT).publicAccessBlock = BLOCK_ALL;
      for (const b of [world.bucket, world.accessLogBucket!]) s3.bucketConfig(b).mfaDelete = "Enabled";
      world.trail.advancedEventSelectors = [
        { Name: "Management events", FieldSelectors: [{ Field: "eventCategory", Equals: ["Management"] }] },
        {
          Name: "S3 objects, not the log buckets",
          FieldSelectors: [
            { Field: "eventCategory", Equals: ["Data"] },
            { Field: "resources.type", Equals: ["AWS::S3::Object"] },
            { Field: "resources.ARN", NotStartsWith: [`arn:aws:s3:::${world.bucket}/`, `arn:aws:s3:::${world.accessLogBucket}/`] },
          ],
        },
      ];
      const report = await check(world.trail.name);
      expect(failing(report)).to.deep.equal([]);
      expect(statuses(report)).to.include({ "S3.9@access-log": "accepted" });
      expect(postureExitCode(report)).to.equal(ExitCode.Ok);
      expect(control(report, "S3.22").statusDetail).to.equal(
        `Trail my-logs-trail (multi-Region, logging) records S3 object-level write events on every bucket except arn:aws:s3:::${world.bucket}/, arn:aws:s3:::${world.accessLogBucket}/.`,
      );
    });

    it("without access logging (accessLogging false), fails CloudTrail.7 and S3.9, and has no access-log bucket to judge", async () => {
      const world = await deployWorld(s3, ct, { accessLogging: "false" });
      const report = await check(world.trail.name);
      expect(failing(report)).to.deep.equal(["CloudTrail.2", "CloudTrail.5", "CloudTrail.7", "S3.1", "S3.9", "S3.20", "S3.22", "S3.23"]);
      expect(control(report, "S3.9").evidence).to.deep.equal({ bucket: world.bucket, LoggingEnabled: null });
      expect(report.controls.filter((c) => c.resource.role === "access-log")).to.deep.equal([]);
    });
  });

  it("asked from another region, reads the selectors of the trail (and of every other trail) in its home region", async () => {
    const world = await deployWorld(s3, ct);
    const elsewhere = await startCloudTrailServer({ region: "eu-west-1", trails: ct.state.trails });
    try {
      const report = await checkPosture({
        trail: world.trail.name,
        region: "eu-west-1",
        clients: {
          s3: s3.client,
          s3Control: s3.controlClient,
          cloudTrail: elsewhere.client(),
          cloudTrailIn: (region) => (region === "us-east-1" ? ct.client() : elsewhere.client()),
        },
      });
      expect(statuses(report)).to.deep.equal(statuses(await check(world.trail.name)));
      expect(elsewhere.callsOf("GetEventSelectors")).to.have.length(0);
      expect(ct.callsOf("GetEventSelectors").map((c) => c.input.TrailName)).to.deep.equal([trailArn(world.trail), trailArn(world.trail)]);
    } finally {
      await elsewhere.close();
    }
  });

  describe("a bucket and trail that fall short", () => {
    let world: DeployedWorld;
    beforeEach(async () => {
      world = await deployWorld(s3, ct);
    });

    it("reads a bucket with nothing configured through S3's own not-found errors, as failures with null evidence (and not public)", async () => {
      for (const key of Object.keys(s3.bucketConfig(world.bucket))) delete (s3.bucketConfig(world.bucket) as Record<string, unknown>)[key];
      const report = await check(world.trail.name);
      expect(statuses(report)).to.include({
        "CloudTrail.6": "pass",
        "CloudTrail.7": "fail",
        "S3.4": "fail",
        "S3.5": "fail",
        "S3.8": "fail",
        "S3.9": "fail",
        "S3.12": "fail",
        "S3.14": "fail",
        "TrailLab.Delivery": "fail",
        "TrailLab.Retention": "pass",
      });
      expect(control(report, "S3.8").evidence.PublicAccessBlock).to.equal(null);
      expect(control(report, "S3.4").evidence.rules).to.equal(null);
      expect(control(report, "S3.12").evidence.ObjectOwnership).to.equal(null);
      expect(control(report, "S3.14").evidence.Status).to.equal(null);
      expect(control(report, "S3.5").evidence.reason).to.equal("the bucket has no policy");
      expect(control(report, "CloudTrail.6").evidence.PolicyStatus).to.equal(null);
      expect(control(report, "TrailLab.Delivery").statusDetail).to.equal(
        `CloudTrail cannot deliver to s3://${world.bucket}: the bucket has no policy.`,
      );
      // Without logging, posture finds no access-log bucket: the stack's bucket is judged alone.
      expect(report.controls.filter((c) => c.resource.role === "access-log")).to.deep.equal([]);
      const asked = s3.requests.filter((r) => r.bucket === world.bucket && r.method === "GET").map((r) => [...r.query.keys()][0]);
      expect(asked).to.have.members([
        "publicAccessBlock",
        "encryption",
        "policy",
        "policyStatus",
        "versioning",
        "ownershipControls",
        "logging",
        "location",
        "lifecycle",
        "acl",
      ]);
      expect(report.facts!.bucket).to.include({ lifecycle: null, policy: null, ownership: null, versioning: null, region: "us-east-1" });
    });

    it("S3.14 fails on suspended versioning; S3.5 fails on a policy whose TLS deny only covers objects", async () => {
      const config = s3.bucketConfig(world.bucket);
      config.versioning = "Suspended";
      const policy = JSON.parse(config.policy as string);
      policy.Statement[2].Resource = `arn:aws:s3:::${world.bucket}/*`;
      config.policy = JSON.stringify(policy);
      const report = await check(world.trail.name);
      expect(statuses(report)).to.include({ "S3.14": "fail", "S3.5": "fail", "S3.14@access-log": "pass", "S3.5@access-log": "pass" });
      expect(control(report, "S3.14")).to.deep.include({ statusDetail: `s3://${world.bucket} has versioning suspended.` });
      expect(control(report, "S3.5").fix).to.include(`"Resource":["arn:aws:s3:::${world.bucket}","arn:aws:s3:::${world.bucket}/*"]`);
    });

    it("S3.20 passes on a bucket whose versioning requires MFA to delete, and fails where it is not configured", async () => {
      s3.bucketConfig(world.bucket).mfaDelete = "Enabled";
      s3.bucketConfig(world.accessLogBucket!).mfaDelete = "Disabled";
      const report = await check(world.trail.name);
      expect(statuses(report)).to.include({ "S3.20": "pass", "S3.20@access-log": "fail" });
      expect(control(report, "S3.20").evidence).to.deep.equal({ bucket: world.bucket, Status: "Enabled", MFADelete: "Enabled" });
      expect(control(report, "S3.20@access-log").statusDetail).to.equal(`s3://${world.accessLogBucket} has MFA delete disabled.`);
      expect(control(report, "S3.20@access-log").fix).to.match(
        /--versioning-configuration Status=Enabled,MFADelete=Enabled --mfa "arn:aws:iam::123456789012:mfa\/root-account-mfa-device <code>"/,
      );
    });

    it("CloudTrail.4 fails when log file validation is off", async () => {
      world.trail.logFileValidation = false;
      const report = await check(world.trail.name);
      expect(control(report, "CloudTrail.4")).to.deep.include({
        status: "fail",
        evidence: { trail: trailArn(world.trail), LogFileValidationEnabled: false },
        statusDetail: "Trail my-logs-trail has log file validation off: no digest proves its log files unchanged.",
      });
    });

    it("rejects with AwsCallError (exit 3) naming the missing permission when S3 refuses a read of the trail's bucket", async () => {
      for (const [operation, action] of [
        ["GetBucketPolicy", "s3:GetBucketPolicy"],
        ["GetBucketAcl", "s3:GetBucketAcl"],
      ]) {
        s3.bucketConfig(world.bucket).denied = [operation];
        const err = await check(world.trail.name).then(
          () => null,
          (e: unknown) => e,
        );
        expect(err).to.be.instanceOf(AwsCallError);
        expect((err as AwsCallError).exitCode).to.equal(ExitCode.AwsError);
        expect((err as AwsCallError).message).to.equal(
          `${operation} failed (AccessDenied): access denied on bucket ${world.bucket}. Grant the caller ${action} on it.`,
        );
      }
    });

    it("refuses options it cannot use before any call: a retention below a day, a bucket given as a URL", async () => {
      for (const [options, message] of [
        [{ retentionDays: 0 }, "retentionDays must be a whole number of days, 1 or more, not 0."],
        [
          { buckets: ["s3://my-bucket"] },
          '"s3://my-bucket" is not an S3 bucket name: pass names such as my-bucket, without s3:// or a key.',
        ],
      ] as const) {
        const err = await check(world.trail.name, options).then(
          () => null,
          (e: unknown) => e as Error,
        );
        expect(err?.message).to.equal(message);
      }
      expect(ct.calls).to.deep.equal([]);
    });

    it("a trail whose management events are put away (PutEventSelectors with none, or read-only) fails CloudTrail.1 saying so", async () => {
      world.trail.eventSelectors = [];
      let report = await check(world.trail.name);
      expect(control(report, "CloudTrail.1").statusDetail).to.equal(
        "Trail my-logs-trail no longer records all management events: it records no management events (no event selectors).",
      );
      world.trail.eventSelectors = [{ ReadWriteType: "ReadOnly", IncludeManagementEvents: true }];
      report = await check(world.trail.name);
      expect(control(report, "CloudTrail.1").statusDetail).to.equal(
        "Trail my-logs-trail no longer records all management events: it records no write management events " +
          "(basic selectors {ReadWriteType ReadOnly, IncludeManagementEvents true}).",
      );
      expect(control(report, "CloudTrail.1").fix).to.match(
        /^For trail my-logs-trail: record all management events, read and write: aws cloudtrail update-trail/,
      );
    });
  });
});
