// checkPosture against the local S3 and CloudTrail servers: the lab's own stack as infra/ declares
// it (the Pulumi program under mocks, stood up locally), its paid switches turned on, and the
// ways a trail or bucket falls short; the real SDK parses every answer, "not configured" included.
import { expect } from "chai";
import { checkPosture, postureExitCode, AwsCallError, ExitCode, type PostureReport } from "../../../verify";
import { startCloudTrailServer, trailArn, type LocalCloudTrail } from "../../support/servers/cloudtrail-server";
import { deployWorld, type DeployedWorld } from "../../support/worlds/deployed-world";
import { startS3Server, type LocalS3 } from "../../support/servers/s3-server";

const statuses = (report: PostureReport) => Object.fromEntries(report.controls.map((c) => [c.id, c.status]));
const control = (report: PostureReport, id: string) => report.controls.find((c) => c.id === id)!;

const ALL_IDS = [
  "CloudTrail.1",
  "CloudTrail.2",
  "CloudTrail.3",
  "CloudTrail.4",
  "CloudTrail.5",
  "CloudTrail.6",
  "CloudTrail.7",
  "S3.1",
  "S3.4",
  "S3.5",
  "S3.8",
  "S3.9",
  "S3.12",
  "S3.14",
];

describe("verify: posture of a trail and its bucket", function () {
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

  const check = (trail: string) => checkPosture({ trail, region: "us-east-1", clients: { s3: s3.client, cloudTrail: ct.client() } });

  describe("the lab's own stack", () => {
    it("with the default config, passes every control but the two it chooses not to pay for (CloudTrail.2 KMS, CloudTrail.5 CloudWatch Logs)", async () => {
      const world = await deployWorld(s3, ct);
      const report = await check(world.trail.name);
      expect(report.controls.map((c) => c.id)).to.deep.equal(ALL_IDS);
      expect(statuses(report)).to.deep.equal({
        "CloudTrail.1": "pass",
        "CloudTrail.2": "fail",
        "CloudTrail.3": "pass",
        "CloudTrail.4": "pass",
        "CloudTrail.5": "fail",
        "CloudTrail.6": "pass",
        "CloudTrail.7": "pass",
        "S3.1": "n/a",
        "S3.4": "pass",
        "S3.5": "pass",
        "S3.8": "pass",
        "S3.9": "pass",
        "S3.12": "pass",
        "S3.14": "pass",
      });
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
      for (const c of report.controls) {
        expect(Object.keys(c)).to.deep.equal(["id", "title", "status", "evidence", "fix", "severity", "cis", "resource", "remediationUrl"]);
        expect(c.fix === null).to.equal(c.status === "pass", c.id);
      }
    });

    it("names each control's Security Hub severity, CIS sections, resource (ARN and region) and remediation page", async () => {
      const world = await deployWorld(s3, ct);
      const report = await check(world.trail.name);
      const meta = (id: string) => {
        const c = control(report, id);
        return [c.severity, c.cis["v1.4.0"], c.cis["v3.0.0"], c.resource.type, c.resource.arn, c.resource.region];
      };
      const trail = trailArn(world.trail);
      const bucket = `arn:aws:s3:::${world.bucket}`;
      expect(report.controls.map((c) => [c.id, ...meta(c.id)])).to.deep.equal([
        ["CloudTrail.1", "high", "3.1", "3.1", "AWS::CloudTrail::Trail", trail, "us-east-1"],
        ["CloudTrail.2", "medium", "3.7", "3.5", "AWS::CloudTrail::Trail", trail, "us-east-1"],
        ["CloudTrail.3", "high", null, null, "AWS::CloudTrail::Trail", trail, "us-east-1"],
        ["CloudTrail.4", "low", "3.2", "3.2", "AWS::CloudTrail::Trail", trail, "us-east-1"],
        ["CloudTrail.5", "low", "3.4", null, "AWS::CloudTrail::Trail", trail, "us-east-1"],
        ["CloudTrail.6", "critical", "3.3", null, "AWS::S3::Bucket", bucket, "us-east-1"],
        ["CloudTrail.7", "low", "3.6", "3.4", "AWS::S3::Bucket", bucket, "us-east-1"],
        ["S3.1", "medium", "2.1.5", "2.1.4", "AWS::::Account", "AWS::::Account:123456789012", "us-east-1"],
        ["S3.4", "medium", "2.1.1", null, "AWS::S3::Bucket", bucket, "us-east-1"],
        ["S3.5", "medium", "2.1.2", "2.1.1", "AWS::S3::Bucket", bucket, "us-east-1"],
        ["S3.8", "high", "2.1.5", "2.1.4", "AWS::S3::Bucket", bucket, "us-east-1"],
        ["S3.9", "medium", null, null, "AWS::S3::Bucket", bucket, "us-east-1"],
        ["S3.12", "medium", null, null, "AWS::S3::Bucket", bucket, "us-east-1"],
        ["S3.14", "low", null, null, "AWS::S3::Bucket", bucket, "us-east-1"],
      ]);
      expect(control(report, "S3.5").remediationUrl).to.equal("https://docs.aws.amazon.com/console/securityhub/S3.5/remediation");
      s3.bucketConfig(world.bucket).region = "eu-west-1";
      expect(control(await check(world.trail.name), "S3.8").resource.region).to.equal("eu-west-1");
    });

    it("returns the facts it judged, as AWS returned them, and when it read them", async () => {
      const world = await deployWorld(s3, ct);
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
      expect(report.facts!.bucket).to.deep.equal({
        name: world.bucket,
        arn: `arn:aws:s3:::${world.bucket}`,
        region: "us-east-1",
        publicAccessBlock: { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true },
        encryption: [{ SSEAlgorithm: "AES256", KMSMasterKeyID: null, BucketKeyEnabled: false }],
        ownership: "BucketOwnerEnforced",
        versioning: "Enabled",
        lifecycle: [{ id: "expire-after-retention", status: "Enabled", expirationDays: 90, noncurrentDays: 90 }],
        policy: s3.bucketConfig(world.bucket).policy,
        policyIsPublic: false,
        logging: { targetBucket: world.accessLogBucket, targetPrefix: "audit-bucket/" },
      });
    });

    it("with kmsEncryption and cloudWatchLogs turned on, passes them too and exits 0", async () => {
      const world = await deployWorld(s3, ct, { kmsEncryption: "true", cloudWatchLogs: "true" });
      const report = await check(trailArn(world.trail));
      const failing = report.controls.filter((c) => c.status !== "pass").map((c) => `${c.id} ${c.status}`);
      expect(failing).to.deep.equal(["S3.1 n/a"]);
      expect(postureExitCode(report)).to.equal(ExitCode.Ok);
      expect(control(report, "CloudTrail.2").evidence.KmsKeyId).to.match(/^arn:aws:kms:us-east-1:123456789012:key\//);
      expect(control(report, "CloudTrail.5").evidence.CloudWatchLogsLogGroupArn).to.equal(
        "arn:aws:logs:us-east-1:123456789012:log-group:/aws/cloudtrail/my-logs-trail:*",
      );
      // The trail's logs are SSE-KMS by the trail's own setting; the bucket's default stays SSE-S3.
      expect(control(report, "S3.4").evidence.rules).to.deep.equal([
        { SSEAlgorithm: "AES256", KMSMasterKeyID: null, BucketKeyEnabled: false },
      ]);
    });

    it("without access logging (accessLogging false), fails CloudTrail.7 and S3.9", async () => {
      const world = await deployWorld(s3, ct, { accessLogging: "false" });
      const report = await check(world.trail.name);
      expect(report.controls.filter((c) => c.status === "fail").map((c) => c.id)).to.deep.equal([
        "CloudTrail.2",
        "CloudTrail.5",
        "CloudTrail.7",
        "S3.9",
      ]);
      expect(control(report, "S3.9").evidence).to.deep.equal({ bucket: world.bucket, LoggingEnabled: null });
    });
  });

  it("asked from another region, reads the selectors in the trail's home region, the only one that answers GetEventSelectors", async () => {
    const world = await deployWorld(s3, ct);
    const elsewhere = await startCloudTrailServer({ region: "eu-west-1", trails: ct.state.trails });
    try {
      const report = await checkPosture({
        trail: world.trail.name,
        region: "eu-west-1",
        clients: {
          s3: s3.client,
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

    it("reads a bucket with nothing configured through S3's own not-found errors, as failures with null evidence", async () => {
      for (const key of Object.keys(s3.bucketConfig(world.bucket))) delete (s3.bucketConfig(world.bucket) as Record<string, unknown>)[key];
      const report = await check(world.trail.name);
      expect(statuses(report)).to.include({
        "CloudTrail.6": "fail",
        "CloudTrail.7": "fail",
        "S3.4": "fail",
        "S3.5": "fail",
        "S3.8": "fail",
        "S3.9": "fail",
        "S3.12": "fail",
        "S3.14": "fail",
      });
      expect(control(report, "S3.8").evidence.PublicAccessBlock).to.equal(null);
      expect(control(report, "S3.4").evidence.rules).to.equal(null);
      expect(control(report, "S3.12").evidence.ObjectOwnership).to.equal(null);
      expect(control(report, "S3.14").evidence.Status).to.equal(null);
      expect(control(report, "S3.5").evidence.reason).to.equal("the bucket has no policy");
      expect(control(report, "CloudTrail.6").evidence.PolicyStatus).to.equal(null);
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
      ]);
      expect(report.facts!.bucket).to.include({ lifecycle: null, policy: null, ownership: null, versioning: null, region: "us-east-1" });
    });

    it("CloudTrail.6 fails on a public policy unless RestrictPublicBuckets confines it, and on ACLs that may still grant", async () => {
      const config = s3.bucketConfig(world.bucket);
      config.policyIsPublic = true;
      config.publicAccessBlock = { blockPublicAcls: true, ignorePublicAcls: true, blockPublicPolicy: false, restrictPublicBuckets: false };
      expect(statuses(await check(world.trail.name))).to.include({ "CloudTrail.6": "fail", "S3.8": "fail" });
      config.publicAccessBlock.restrictPublicBuckets = true;
      expect(statuses(await check(world.trail.name))).to.include({ "CloudTrail.6": "pass", "S3.8": "fail" });
      config.policyIsPublic = false;
      config.ownership = "ObjectWriter";
      config.publicAccessBlock.ignorePublicAcls = false;
      const report = await check(world.trail.name);
      expect(statuses(report)).to.include({ "CloudTrail.6": "fail", "S3.12": "fail" });
      expect(control(report, "CloudTrail.6").evidence).to.include({ ObjectOwnership: "ObjectWriter" });
    });

    it("S3.14 fails on suspended versioning; S3.5 fails on a policy whose TLS deny only covers objects", async () => {
      const config = s3.bucketConfig(world.bucket);
      config.versioning = "Suspended";
      const policy = JSON.parse(config.policy as string);
      policy.Statement[2].Resource = `arn:aws:s3:::${world.bucket}/*`;
      config.policy = JSON.stringify(policy);
      const report = await check(world.trail.name);
      expect(statuses(report)).to.include({ "S3.14": "fail", "S3.5": "fail" });
      expect(control(report, "S3.14").evidence.Status).to.equal("Suspended");
      expect(control(report, "S3.5").fix).to.include(`"Resource":["arn:aws:s3:::${world.bucket}","arn:aws:s3:::${world.bucket}/*"]`);
    });

    it("CloudTrail.1 fails for a single-Region trail, a write-only trail, or one that excludes an event source; CloudTrail.1 and .3 for a stopped trail", async () => {
      world.trail.isMultiRegion = false;
      let report = await check(world.trail.name);
      expect(statuses(report)).to.include({ "CloudTrail.1": "fail", "CloudTrail.3": "pass" });
      expect(control(report, "CloudTrail.1").fix).to.include("--is-multi-region-trail");

      world.trail.isMultiRegion = true;
      world.trail.eventSelectors = [{ ReadWriteType: "WriteOnly", IncludeManagementEvents: true }];
      report = await check(world.trail.name);
      expect(control(report, "CloudTrail.1")).to.include({ status: "fail" });
      expect(control(report, "CloudTrail.1").evidence.selectorGap).to.equal("it records no read management events");

      world.trail.eventSelectors = [
        { ReadWriteType: "All", IncludeManagementEvents: true, ExcludeManagementEventSources: ["kms.amazonaws.com"] },
      ];
      report = await check(world.trail.name);
      expect(control(report, "CloudTrail.1").evidence.selectorGap).to.equal("it excludes management events from kms.amazonaws.com");

      world.trail.eventSelectors = undefined;
      world.trail.isLogging = false;
      report = await check(world.trail.name);
      expect(statuses(report)).to.include({ "CloudTrail.1": "fail", "CloudTrail.3": "fail" });
      expect(control(report, "CloudTrail.3").fix).to.equal(
        `Start the trail: aws cloudtrail start-logging --name ${trailArn(world.trail)}.`,
      );
    });

    it("reads advanced event selectors: all management events pass, read-only ones fail CloudTrail.1", async () => {
      world.trail.advancedEventSelectors = [
        { Name: "Management events", FieldSelectors: [{ Field: "eventCategory", Equals: ["Management"] }] },
      ];
      expect(statuses(await check(world.trail.name))).to.include({ "CloudTrail.1": "pass" });
      world.trail.advancedEventSelectors = [
        {
          Name: "Reads",
          FieldSelectors: [
            { Field: "eventCategory", Equals: ["Management"] },
            { Field: "readOnly", Equals: ["true"] },
          ],
        },
      ];
      const report = await check(world.trail.name);
      expect(control(report, "CloudTrail.1").evidence.selectorGap).to.equal("it records no write management events");
      expect(control(report, "CloudTrail.1").evidence.AdvancedEventSelectors).to.have.length(1);
    });

    it("CloudTrail.4 fails when log file validation is off", async () => {
      world.trail.logFileValidation = false;
      const report = await check(world.trail.name);
      expect(control(report, "CloudTrail.4")).to.deep.include({
        status: "fail",
        evidence: { trail: trailArn(world.trail), LogFileValidationEnabled: false },
      });
    });

    it("rejects with AwsCallError (exit 3) naming the missing permission when S3 refuses a read", async () => {
      s3.bucketConfig(world.bucket).denied = ["GetBucketPolicy"];
      const err = await check(world.trail.name).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).to.be.instanceOf(AwsCallError);
      expect((err as AwsCallError).exitCode).to.equal(ExitCode.AwsError);
      expect((err as AwsCallError).message).to.equal(
        `GetBucketPolicy failed (AccessDenied): access denied on bucket ${world.bucket}. Grant the caller s3:GetBucketPolicy on it.`,
      );
    });
  });
});
