// The Pulumi program under mocks: what a reviewer would check in the console of a real account.
import { expect } from "chai";
import { runProgram, ProgramRun, RecordedResource, ACCOUNT, AMI, DEFAULT_VPC } from "../support/pulumi-program";

const T = {
  bucket: "aws:s3/bucket:Bucket",
  trail: "aws:cloudtrail/trail:Trail",
  instance: "aws:ec2/instance:Instance",
  securityGroup: "aws:ec2/securityGroup:SecurityGroup",
};
// The audit bucket's parts by logical name (the access-log bucket has the same types).
const N = {
  bucket: "audit-logs-bucket",
  ownership: "audit-logs-ownership",
  publicAccess: "audit-logs-public-access",
  encryption: "audit-logs-encryption",
  versioning: "audit-logs-versioning",
  lifecycle: "audit-logs-lifecycle",
  logging: "audit-logs-access-logging",
  policy: "audit-logs-policy",
};

describe("infra: the Pulumi program with default config", function () {
  let run: ProgramRun;
  before(async function () {
    run = await runProgram({}, "lab-defaults");
  });

  it("blocks every kind of public access on the bucket", function () {
    const pab = run.named(N.publicAccess);
    expect(pab.inputs).to.include({
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    expect(pab.inputs.bucket).to.equal(run.outputs.bucketName);
  });

  it("encrypts by default with SSE-S3, enforces bucket ownership, keeps versions and expires them", function () {
    expect(run.named(N.encryption).inputs.rules).to.deep.equal([{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }]);
    expect(run.named(N.ownership).inputs.rule).to.deep.equal({ objectOwnership: "BucketOwnerEnforced" });
    expect(run.named(N.versioning).inputs.versioningConfiguration).to.deep.equal({ status: "Enabled" });
    const [rule] = run.named(N.lifecycle).inputs.rules;
    expect(rule.status).to.equal("Enabled");
    expect(rule.expiration.days).to.equal(90);
    expect(rule.noncurrentVersionExpiration.noncurrentDays).to.equal(90);
  });

  it("lets destroy empty the bucket and lets Pulumi generate its name", function () {
    const bucket = run.named(N.bucket);
    expect(bucket.inputs.forceDestroy).to.equal(true);
    expect(bucket.inputs.bucket).to.equal(undefined);
    expect(run.outputs.bucketName).to.match(/^audit-logs-bucket-/);
  });

  it("creates my-logs-trail with Read and Write management events, multi-region, validation and logging on", function () {
    const trail = run.one(T.trail).inputs;
    expect(trail.name).to.equal("my-logs-trail");
    expect(trail.s3BucketName).to.equal(run.outputs.bucketName);
    expect(trail.s3KeyPrefix).to.equal(undefined);
    // CloudTrail's default (no selectors) is every management event, Read and Write; an explicit
    // default selector reads back as [] and would show a change on every later up.
    expect(trail.eventSelectors).to.equal(undefined);
    expect(trail.advancedEventSelectors).to.equal(undefined);
    expect(trail).to.include({
      isMultiRegionTrail: true,
      includeGlobalServiceEvents: true,
      enableLogFileValidation: true,
      enableLogging: true,
    });
  });

  it("launches a hardened t3.micro named test from the latest Amazon Linux 2023 AMI", function () {
    const instance = run.one(T.instance).inputs;
    expect(instance.instanceType).to.equal("t3.micro");
    expect(instance.tags.Name).to.equal("test");
    expect(instance.ami).to.equal(AMI);
    expect(instance.metadataOptions.httpTokens).to.equal("required");
    expect(instance.associatePublicIpAddress).to.equal(false);
    expect(instance.rootBlockDevice.encrypted).to.equal(true);
    expect(instance.keyName).to.equal(undefined);
    const ssm = run.invokes.filter((i) => i.token === "aws:ssm/getParameter:getParameter");
    expect(ssm.map((i) => i.inputs.name)).to.deep.equal(["/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64"]);
  });

  it("launches into a named default subnet where the type is offered, so no public IP is mapped", function () {
    // Zones b and c offer the type; of their default subnets, the first by id.
    expect(run.one(T.instance).inputs.subnetId).to.equal("subnet-0a0a0a0a0a0a0a0a0");
    const offerings = run.invokes.find((i) => i.token === "aws:ec2/getInstanceTypeOfferings:getInstanceTypeOfferings");
    expect(offerings?.inputs).to.deep.include({
      locationType: "availability-zone",
      filters: [{ name: "instance-type", values: ["t3.micro"] }],
    });
    const subnets = run.invokes.find((i) => i.token === "aws:ec2/getSubnets:getSubnets");
    expect(subnets?.inputs.filters).to.deep.include({ name: "default-for-az", values: ["true"] });
    expect(subnets?.inputs.filters).to.deep.include({ name: "availability-zone", values: ["eu-west-1b", "eu-west-1c"] });
  });

  it("gives the instance a security group with no rules in the default VPC", function () {
    const sg = run.one(T.securityGroup).inputs;
    expect(sg.vpcId).to.equal(DEFAULT_VPC);
    expect(sg.ingress ?? []).to.deep.equal([]);
    expect(sg.egress ?? []).to.deep.equal([]);
    expect(run.one(T.instance).inputs.vpcSecurityGroupIds).to.deep.equal(["sg-0123456789abcdef0"]);
  });

  it("orders creation: bucket configurations one after another, the trail after the policy, the instance after the trail", function () {
    const deps = (name: string) => run.named(name).dependsOn;
    expect(deps(N.publicAccess)).to.deep.equal([N.ownership]);
    expect(deps(N.encryption)).to.deep.equal([N.publicAccess]);
    expect(deps(N.versioning)).to.deep.equal([N.encryption]);
    expect(deps(N.lifecycle)).to.deep.equal([N.versioning]);
    // Access logging waits for its own bucket's chain and for the target's policy.
    expect(deps(N.logging)).to.deep.equal([N.lifecycle, "audit-logs-access-logs-policy"]);
    expect(deps(N.policy)).to.deep.equal([N.logging]);
    expect(deps("audit-trail")).to.deep.equal([N.policy]);
    expect(deps("probe-instance")).to.deep.equal(["audit-trail"]);
    const target = (part: string) => run.named(`audit-logs-access-logs-${part}`).dependsOn;
    expect(target("public-access")).to.deep.equal(["audit-logs-access-logs-ownership"]);
    expect(target("policy")).to.deep.equal(["audit-logs-access-logs-lifecycle"]);
  });

  it("parents each resource to its component", function () {
    const parentOf = (name: string) => run.named(name).parent;
    for (const name of Object.values(N)) expect(parentOf(name), name).to.equal("audit-logs");
    expect(parentOf("audit-logs-access-logs")).to.equal("audit-logs");
    expect(parentOf("audit-logs-access-logs-bucket")).to.equal("audit-logs-access-logs");
    expect(parentOf("audit-trail")).to.equal("audit");
    expect(parentOf("probe-instance")).to.equal("probe");
    expect(parentOf("probe-sg")).to.equal("probe");
  });

  it("logs every request to the audit bucket into a second hardened bucket that only S3 log delivery may write", function () {
    const target = run.named("audit-logs-access-logs-bucket").state.bucket;
    expect(target).to.be.a("string").and.not.equal(run.outputs.bucketName);
    expect(run.outputs.accessLogBucketName).to.equal(target);
    expect(run.named(N.logging).inputs).to.include({ bucket: run.outputs.bucketName, targetBucket: target, targetPrefix: "audit-bucket/" });
    expect(run.named("audit-logs-access-logs-public-access").inputs).to.include({
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    expect(run.named("audit-logs-access-logs-encryption").inputs.rules[0].applyServerSideEncryptionByDefault.sseAlgorithm).to.equal(
      "AES256",
    );
    const policy = JSON.parse(run.named("audit-logs-access-logs-policy").inputs.policy);
    const [write, tls] = policy.Statement;
    expect(write.Principal).to.deep.equal({ Service: "logging.s3.amazonaws.com" });
    expect(write.Resource).to.equal(`arn:aws:s3:::${target}/*`);
    expect(write.Condition).to.deep.equal({
      ArnLike: { "aws:SourceArn": `arn:aws:s3:::${run.outputs.bucketName}` },
      StringEquals: { "aws:SourceAccount": ACCOUNT },
    });
    expect(tls.Effect).to.equal("Deny");
  });

  it("creates no KMS key and no CloudWatch Logs delivery unless asked (they cost money)", function () {
    expect(run.all("aws:kms/key:Key")).to.have.length(0);
    expect(run.all("aws:cloudwatch/logGroup:LogGroup")).to.have.length(0);
    expect(run.one(T.trail).inputs.kmsKeyId).to.equal(undefined);
    expect(run.one(T.trail).inputs.cloudWatchLogsGroupArn).to.equal(undefined);
    expect(run.outputs.kmsKeyArn).to.equal(null);
    expect(run.outputs.logGroupName).to.equal(null);
  });

  it("tags every taggable resource with the stack", function () {
    const taggable = run.resources.filter((r) => r.type.startsWith("aws:") && "tags" in r.inputs);
    expect(taggable.map((r) => r.type)).to.have.members([T.bucket, T.bucket, T.trail, T.instance, T.securityGroup]);
    for (const r of taggable) {
      expect(r.inputs.tags, r.name).to.include({ "trail-lab:stack": "lab-defaults", "trail-lab:project": "trail-lab" });
    }
    expect(run.one(T.instance).inputs.rootBlockDevice.tags).to.include({ "trail-lab:stack": "lab-defaults" });
  });

  it("exports every output the driver and the user need", function () {
    expect(run.outputs).to.deep.equal({
      bucketName: run.outputs.bucketName,
      trailName: "my-logs-trail",
      trailArn: `arn:aws:cloudtrail:eu-west-1:${ACCOUNT}:trail/my-logs-trail`,
      instanceId: "i-0f1e2d3c4b5a69788",
      region: "eu-west-1",
      accountId: ACCOUNT,
      logPrefix: `AWSLogs/${ACCOUNT}/CloudTrail/`,
      accessLogBucketName: run.outputs.accessLogBucketName,
      kmsKeyArn: null,
      logGroupName: null,
      athenaDatabase: null,
      athenaTable: null,
      athenaWorkgroup: null,
      canaryBucketName: null,
      alertTopicArn: null,
      alertQueueUrl: null,
    });
    expect(run.outputs.accessLogBucketName).to.be.a("string").and.not.empty;
    expect(run.outputs.bucketName).to.be.a("string").and.not.empty;
  });
});

describe("infra: config overrides", function () {
  it("names another trail and scopes the policy to it", async function () {
    const run = await runProgram({ trailName: "audit.trail_2" }, "other-name");
    expect(run.one(T.trail).inputs.name).to.equal("audit.trail_2");
    const policy = JSON.parse(run.named(N.policy).inputs.policy);
    for (const s of policy.Statement.filter((st: any) => st.Effect === "Allow")) {
      expect(s.Condition.StringEquals["aws:SourceArn"]).to.equal(`arn:aws:cloudtrail:eu-west-1:${ACCOUNT}:trail/audit.trail_2`);
    }
    expect(run.outputs.trailArn).to.equal(`arn:aws:cloudtrail:eu-west-1:${ACCOUNT}:trail/audit.trail_2`);
  });

  it("writes under a key prefix: trail, policy resource and logPrefix output all carry it", async function () {
    const run = await runProgram({ logPrefix: "org/audit" }, "prefixed");
    expect(run.one(T.trail).inputs.s3KeyPrefix).to.equal("org/audit");
    const policy = JSON.parse(run.named(N.policy).inputs.policy);
    const write = policy.Statement.find((s: any) => s.Action === "s3:PutObject");
    expect(write.Resource).to.equal(`arn:aws:s3:::${run.outputs.bucketName}/org/audit/AWSLogs/${ACCOUNT}/*`);
    expect(run.outputs.logPrefix).to.equal(`org/audit/AWSLogs/${ACCOUNT}/CloudTrail/`);
  });

  it("turns multi-region off, sets the bucket name prefix, retention and user tags", async function () {
    const run = await runProgram(
      { multiRegion: "false", bucketPrefix: "acme-audit-", retentionDays: "30", tags: JSON.stringify({ owner: "sec" }) },
      "single-region",
    );
    expect(run.one(T.trail).inputs.isMultiRegionTrail).to.equal(false);
    expect(run.named(N.bucket).inputs.bucketPrefix).to.equal("acme-audit-");
    expect(run.outputs.bucketName).to.match(/^acme-audit-/);
    expect(run.named(N.lifecycle).inputs.rules[0].expiration.days).to.equal(30);
    expect(run.named(N.bucket).inputs.tags).to.include({ owner: "sec", "trail-lab:stack": "single-region" });
  });

  it("turns access logging off", async function () {
    const run = await runProgram({ accessLogging: "false" }, "no-access-logs");
    expect(run.all(T.bucket)).to.have.length(1);
    expect(run.all("aws:s3/bucketLogging:BucketLogging")).to.have.length(0);
    expect(run.named(N.policy).dependsOn).to.deep.equal([N.lifecycle]);
    expect(run.outputs.accessLogBucketName).to.equal(null);
  });

  it("encrypts log files with a customer managed KMS key when kmsEncryption is on", async function () {
    const run = await runProgram({ kmsEncryption: "true" }, "kms");
    const key = run.one("aws:kms/key:Key");
    expect(key.inputs).to.include({ enableKeyRotation: true, deletionWindowInDays: 7 });
    const keyArn = key.state.arn;
    expect(run.one(T.trail).inputs.kmsKeyId).to.equal(keyArn);
    // The bucket's default stays SSE-S3: digests and access logs are written without the key.
    for (const name of [N.encryption, "audit-logs-access-logs-encryption"]) {
      expect(run.named(name).inputs.rules, name).to.deep.equal([{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }]);
    }
    const policy = JSON.parse(key.inputs.policy);
    const encrypt = policy.Statement.find((s: any) => s.Action === "kms:GenerateDataKey*");
    expect(encrypt.Principal).to.deep.equal({ Service: "cloudtrail.amazonaws.com" });
    expect(encrypt.Condition.StringEquals["aws:SourceArn"]).to.equal(run.outputs.trailArn);
    expect(encrypt.Condition.StringLike["kms:EncryptionContext:aws:cloudtrail:arn"]).to.equal(`arn:aws:cloudtrail:*:${ACCOUNT}:trail/*`);
    expect(run.outputs.kmsKeyArn).to.equal(keyArn);
  });

  it("also delivers to CloudWatch Logs, when cloudWatchLogs is on, through a role CloudTrail can assume and that writes only CloudTrail's streams", async function () {
    const run = await runProgram({ cloudWatchLogs: "true", retentionDays: "10" }, "cwl");
    const group = run.one("aws:cloudwatch/logGroup:LogGroup");
    expect(group.inputs).to.include({ name: "/aws/cloudtrail/my-logs-trail", retentionInDays: 14 });
    const trail = run.one(T.trail);
    expect(trail.inputs.cloudWatchLogsGroupArn).to.match(/:\*$/);
    expect(trail.inputs.cloudWatchLogsRoleArn).to.be.a("string");
    expect(trail.dependsOn).to.include("trail-events-role-policy");
    // No aws:SourceArn/SourceAccount: CreateTrail refuses a CloudWatch Logs role whose trust has them.
    const trust = JSON.parse(run.one("aws:iam/role:Role").inputs.assumeRolePolicy);
    expect(trust.Statement).to.deep.equal([
      { Effect: "Allow", Principal: { Service: "cloudtrail.amazonaws.com" }, Action: "sts:AssumeRole" },
    ]);
    const perms = JSON.parse(run.one("aws:iam/rolePolicy:RolePolicy").inputs.policy);
    expect(perms.Statement[0].Action).to.deep.equal(["logs:CreateLogStream", "logs:PutLogEvents"]);
    expect(perms.Statement[0].Resource).to.equal(`${group.state.arn}:log-stream:${ACCOUNT}_CloudTrail_*`);
    expect(run.outputs.logGroupName).to.equal("/aws/cloudtrail/my-logs-trail");
  });

  it("leaves the probe instance out when probeInstance is false, with a null instanceId", async function () {
    const run = await runProgram({ probeInstance: "false" }, "no-probe");
    expect(run.all(T.instance)).to.have.length(0);
    expect(run.all(T.securityGroup)).to.have.length(0);
    expect(run.outputs.instanceId).to.equal(null);
    expect(run.one(T.trail).inputs.name).to.equal("my-logs-trail");
  });

  it("launches in the configured subnet and its VPC, and picks an arm64 AMI for a Graviton type", async function () {
    const run = await runProgram({ subnetId: "subnet-0123456789abcdef0", instanceType: "t4g.small" }, "subnet");
    const instance = run.one(T.instance).inputs;
    expect(instance.subnetId).to.equal("subnet-0123456789abcdef0");
    expect(instance.instanceType).to.equal("t4g.small");
    expect(run.one(T.securityGroup).inputs.vpcId).to.equal("vpc-0aaaabbbbccccdddd");
    expect(run.invokes.some((i) => i.token === "aws:ec2/getVpc:getVpc")).to.equal(false);
    expect(run.invokes.some((i) => i.token === "aws:ec2/getSubnets:getSubnets")).to.equal(false);
    const ssm = run.invokes.find((i) => i.token === "aws:ssm/getParameter:getParameter");
    expect(ssm?.inputs.name).to.match(/al2023-ami-kernel-default-arm64$/);
  });
});

describe("infra: bad config fails before any AWS call", function () {
  const cases: [string, Record<string, string>, RegExp][] = [
    ["a malformed instance type", { instanceType: "t3micro" }, /trail-lab:instanceType.*EC2 instance type/],
    ["an empty trail name", { trailName: "" }, /trail-lab:trailName.*3 to 128/],
    ["a trail name with adjacent dashes", { trailName: "my--trail" }, /trail-lab:trailName.*adjacent/],
    ["a trail name with a space", { trailName: "my trail" }, /trail-lab:trailName.*letters, digits/],
    ["a trail name shaped like an IP address", { trailName: "10.0.0.1" }, /trail-lab:trailName.*IP address/],
    ["a key prefix with a trailing slash", { logPrefix: "audit/" }, /trail-lab:logPrefix/],
    ["a retention of zero days", { retentionDays: "0" }, /trail-lab:retentionDays/],
    ["a subnet id of the wrong shape", { subnetId: "sub-123" }, /trail-lab:subnetId/],
    ["a probe switch that is not a boolean", { probeInstance: "yes" }, /trail-lab:probeInstance.*true or false/],
    ["a tag in the aws: namespace", { tags: JSON.stringify({ "aws:owner": "x" }) }, /trail-lab:tags/],
  ];
  for (const [what, config, message] of cases) {
    it(`rejects ${what}`, async function () {
      let error: unknown;
      let run: ProgramRun | undefined;
      try {
        run = await runProgram(config, "bad-config");
      } catch (e) {
        error = e;
      }
      expect(run, "the program should not have run").to.equal(undefined);
      expect(error).to.be.instanceOf(Error);
      expect((error as Error).name).to.equal("InvalidConfigError");
      expect((error as Error).message)
        .to.match(message)
        .and.match(/pulumi config set/);
    });
  }

  it("makes no AWS call and declares no AWS resource when the config is bad", async function () {
    const record = { resources: [] as RecordedResource[], invokes: [] as ProgramRun["invokes"] };
    let error: unknown;
    await runProgram({ instanceType: "huge" }, "bad-config-2", record).catch((e: unknown) => (error = e));
    expect((error as Error)?.name).to.equal("InvalidConfigError");
    expect(record.invokes).to.deep.equal([]);
    expect(record.resources.filter((r) => r.type.startsWith("aws:"))).to.deep.equal([]);
  });

  it("records what a good config does, so the check above could fail", async function () {
    const record = { resources: [] as RecordedResource[], invokes: [] as ProgramRun["invokes"] };
    await runProgram({}, "good-config", record);
    expect(record.invokes.length).to.be.greaterThan(0);
    expect(record.resources.filter((r) => r.type.startsWith("aws:")).length).to.be.greaterThan(0);
  });
});
