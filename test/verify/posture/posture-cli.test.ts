// `npm run verify -- --posture` as a user meets it: the lab's default stack on the local servers
// (S3 Control answered by the S3 server, through AWS_ENDPOINT_URL_S3_CONTROL), one JSON object on
// stdout with --json, a table without, the findings as OCSF 1.5.0 Compliance Findings (each
// fitting the schema as its files define it), ASFF or CSV with --format, the stack's other buckets
// and the retention from flags, and the exit codes of the one table; a failure stays a failure
// whatever the form (verify accepts only what a control does not fit: the access-log bucket's own
// logging).
import { Writable } from "node:stream";
import { expect } from "chai";
import { CSV_COLUMNS } from "../../../verify/posture/exports/csv";
import { parseCsv } from "../../support/csv";
import { COMPLIANCE_FINDING, RESOURCE_UID } from "../../support/fixtures/ocsf-compliance-finding";
import { startCloudTrailServer, trailArn, type LocalCloudTrail } from "../../support/servers/cloudtrail-server";
import { deployWorld, type DeployedWorld } from "../../support/worlds/deployed-world";
import { startS3Server, type LocalS3 } from "../../support/servers/s3-server";
import { runVerifyCli, type CliRun } from "../../support/processes/verify-cli";
import { DUMMY_CREDENTIALS } from "../../support/servers/s3-server";
import { runCli } from "../../../verify/cli";
import { controlKey } from "../../support/posture-report";
import { ACCOUNT } from "../../support/pulumi-program";
import type { PostureReport } from "../../../verify";

const DEFAULT_FAILURES = ["CloudTrail.2", "CloudTrail.5", "S3.1", "S3.20", "S3.20@access-log", "S3.22", "S3.23"];

describe("verify: the --posture command", function () {
  this.timeout(60_000);
  let s3: LocalS3;
  let ct: LocalCloudTrail;
  let world: DeployedWorld;

  before(async () => {
    s3 = await startS3Server();
    ct = await startCloudTrailServer();
    world = await deployWorld(s3, ct);
  });
  after(async () => {
    await s3.close();
    await ct.close();
  });
  afterEach(() => {
    delete s3.bucketConfig(world.bucket).denied;
    delete s3.accountConfig(ACCOUNT).denied;
  });

  /** The command in a child process, as a user runs it: only the first case pays for one. */
  const child = (args: string[]) => runVerifyCli(args, { s3: s3.endpoint, s3Control: s3.endpoint, cloudTrail: ct.endpoint }, true);

  /** The command in this process (runCli), its clients built from the same standard environment. */
  async function cli(args: string[]): Promise<CliRun> {
    const saved = Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith("AWS_")));
    for (const key of Object.keys(saved)) delete process.env[key];
    Object.assign(process.env, {
      AWS_REGION: "us-east-1",
      AWS_ACCESS_KEY_ID: DUMMY_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: DUMMY_CREDENTIALS.secretAccessKey,
      AWS_ENDPOINT_URL_S3: s3.endpoint,
      AWS_ENDPOINT_URL_S3_CONTROL: s3.endpoint,
      AWS_ENDPOINT_URL_CLOUDTRAIL: ct.endpoint,
      AWS_EC2_METADATA_DISABLED: "true",
      AWS_CONFIG_FILE: "/dev/null",
      AWS_SHARED_CREDENTIALS_FILE: "/dev/null",
    });
    let stdout = "";
    let stderr = "";
    const sink = (write: (text: string) => void) =>
      new Writable({ write: (chunk: Buffer, _enc, done) => (write(chunk.toString()), done()) });
    try {
      const code = await runCli(args, { stdout: sink((t) => (stdout += t)), stderr: sink((t) => (stderr += t)) });
      return { code, stdout, stderr };
    } finally {
      for (const key of Object.keys(process.env)) if (key.startsWith("AWS_")) delete process.env[key];
      Object.assign(process.env, saved);
    }
  }

  it("prints exactly { controls, facts, checkedAt } through npm run -s verify -- --posture --json, and exits 1", async () => {
    const { code, stdout, stderr } = await child(["--trail", world.trail.name, "--posture", "--json"]);
    expect(code, stderr).to.equal(1);
    const report = JSON.parse(stdout) as PostureReport;
    expect(Object.keys(report)).to.deep.equal(["controls", "facts", "checkedAt"]);
    expect(report.controls.filter((c) => c.status === "fail" && !c.accepted).map(controlKey)).to.deep.equal(DEFAULT_FAILURES);
    expect(report.facts!.buckets!.map((b) => [b.name, b.role])).to.deep.equal([[world.accessLogBucket, "access-log"]]);
  });

  it("prints a table without --json: a line per verdict, the bucket named; why, evidence and fix under each that does not pass", async () => {
    const { code, stdout } = await cli(["--trail", world.trail.name, "--posture"]);
    expect(code).to.equal(1);
    const lines = stdout.trimEnd().split("\n");
    const pad = (id: string) => id.padEnd("TrailLab.DataEventLoop".length);
    expect(lines).to.include(`PASS  ${pad("CloudTrail.4")}  CloudTrail log file validation should be enabled`);
    const kms = `FAIL  ${pad("CloudTrail.2")}  CloudTrail should have encryption at-rest enabled`;
    expect(lines.slice(lines.indexOf(kms), lines.indexOf(kms) + 3)).to.deep.equal([
      kms,
      "      why:  Trail my-logs-trail names no KMS key: its log files are encrypted with S3-managed keys only.",
      "      seen: trail=arn:aws:cloudtrail:us-east-1:123456789012:trail/my-logs-trail, KmsKeyId=null",
    ]);
    const accepted = `ACC   ${pad("S3.9")}  S3 general purpose buckets should have server access logging enabled [s3://${world.accessLogBucket}, access-log]`;
    expect(lines).to.include(accepted);
    expect(lines[lines.indexOf(accepted) + 3]).to.match(/^ {6}accepted: s3:\/\/\S+ receives the server access logs of s3:\/\//);
    expect(lines.at(-1)).to.equal("19 pass, 7 fail, 1 accepted, 0 n/a");
  });

  it("exits 3 when AWS refuses a read, saying which permission is missing; 2 without --trail", async () => {
    s3.bucketConfig(world.bucket).denied = ["GetBucketLogging"];
    const refused = await cli(["--trail", world.trail.name, "--posture", "--json"]);
    expect(refused.code).to.equal(3);
    expect(refused.stdout).to.equal("");
    expect(refused.stderr).to.include("Grant the caller s3:GetBucketLogging");
    const usage = await cli(["--posture"]);
    expect(usage.code).to.equal(2);
    expect(usage.stderr).to.include("--trail is required.").and.include("trail-lab verify --help");
  });

  it("--format ocsf prints one JSON array of Compliance Findings, each fitting the OCSF 1.5.0 schema; S3 Control refused is n/a (MANUAL)", async () => {
    s3.accountConfig(ACCOUNT).denied = true;
    const { code, stdout, stderr } = await cli(["--trail", world.trail.name, "--posture", "--format", "ocsf"]);
    expect(code, stderr).to.equal(1);
    const findings = JSON.parse(stdout) as Record<string, any>[];
    expect(findings).to.have.length(27);
    for (const f of findings) {
      expect(COMPLIANCE_FINDING(f, f.compliance?.control ?? "finding")).to.equal(null);
      expect(RESOURCE_UID(f.resources[0].uid, "uid")).to.equal(null);
    }
    const kms = findings.find((f) => f.compliance.control === "CloudTrail.2")!;
    expect(kms).to.deep.include({
      class_uid: 2003,
      type_uid: 200301,
      severity_id: 3,
      severity: "Medium",
      status_id: 1,
      status: "New",
      status_code: "FAIL",
      status_detail: "Trail my-logs-trail names no KMS key: its log files are encrypted with S3-managed keys only.",
    });
    expect(kms.metadata).to.deep.include({ version: "1.5.0", event_code: "CloudTrail.2" });
    expect(kms.metadata.product).to.include({ name: "trail-lab", uid: "trail-lab", vendor_name: "trail-lab" });
    expect(kms.finding_info.analytic).to.deep.equal({
      uid: "CloudTrail.2",
      name: "CloudTrail should have encryption at-rest enabled",
      type_id: 1,
      type: "Rule",
      category: "Security Hub control",
    });
    expect(kms.compliance).to.deep.equal({
      control: "CloudTrail.2",
      standards: [
        "CIS AWS Foundations Benchmark v3.0.0",
        "CIS AWS Foundations Benchmark v1.4.0",
        "AWS Foundational Security Best Practices v1.0.0",
      ],
      requirements: [
        "CIS AWS Foundations Benchmark v3.0.0/3.5",
        "CIS AWS Foundations Benchmark v1.4.0/3.7",
        "AWS Foundational Security Best Practices v1.0.0/CloudTrail.2",
      ],
      status_id: 3,
      status: "Fail",
    });
    expect(kms.unmapped.compliance).to.deep.equal({
      "CIS AWS Foundations Benchmark v3.0.0": ["3.5"],
      "CIS AWS Foundations Benchmark v1.4.0": ["3.7"],
      "AWS Foundational Security Best Practices v1.0.0": ["CloudTrail.2"],
    });
    expect(kms.unmapped.risk_details).to.match(/^Log files encrypted with S3's own keys/);
    expect(kms.unmapped.remediation_cli).to.equal(`aws cloudtrail update-trail --name ${trailArn(world.trail)} --kms-key-id <key-arn>`);
    expect(kms.resources).to.deep.equal([
      {
        uid: trailArn(world.trail),
        name: "my-logs-trail",
        type: "AWS::CloudTrail::Trail",
        region: "us-east-1",
        cloud_partition: "aws",
        data: { trail: trailArn(world.trail), KmsKeyId: null },
      },
    ]);
    expect(kms.remediation.references).to.deep.equal(["https://docs.aws.amazon.com/console/securityhub/CloudTrail.2/remediation"]);
    expect(kms.cloud).to.deep.equal({
      provider: "AWS",
      region: "us-east-1",
      account: { uid: ACCOUNT, name: ACCOUNT, type_id: 10, type: "AWS Account" },
    });
    const s31 = findings.find((f) => f.compliance.control === "S3.1")!;
    expect(s31).to.deep.include({ status_code: "MANUAL" });
    expect(s31.compliance).to.include({ status_id: 2, status: "Warning" });
    expect(s31.status_detail).to.match(
      /^The account's Block Public Access was not read: S3 Control refused GetPublicAccessBlock for account 123456789012 \(AccessDenied\)/,
    );
    expect(s31.resources[0]).to.include({ uid: `AWS::::Account:${ACCOUNT}`, name: ACCOUNT });
    const accessLog = findings.find((f) => f.compliance.control === "S3.9" && f.resources[0].labels?.includes("role:access-log"))!;
    expect(accessLog).to.include({ status_id: 3, status: "Suppressed", status_code: "FAIL" });
    expect(accessLog.status_detail).to.match(/has server access logging off\. Accepted: .* receives the server access logs of /);
    expect(findings.find((f) => f.compliance.control === "TrailLab.Delivery")!.compliance.standards).to.deep.equal(["trail-lab controls"]);
    expect(new Set(findings.map((f) => f.finding_info.uid)).size).to.equal(27);
  });

  it("--format asff prints Security Hub findings (ASFF 2018-10-08): one a verdict, the private product's ARN, the verdict as Compliance.Status", async () => {
    const { code, stdout, stderr } = await cli(["--trail", world.trail.name, "--posture", "--format", "asff"]);
    expect(code, stderr).to.equal(1);
    const findings = JSON.parse(stdout) as Record<string, any>[];
    expect(findings).to.have.length(27);
    for (const f of findings) {
      expect(f).to.include({
        SchemaVersion: "2018-10-08",
        ProductArn: `arn:aws:securityhub:us-east-1:${ACCOUNT}:product/${ACCOUNT}/default`,
        AwsAccountId: ACCOUNT,
        RecordState: "ACTIVE",
      });
      expect(f.CreatedAt).to.equal(f.UpdatedAt);
      expect(f.Title.length).to.be.at.most(256);
      expect(f.Description.length).to.be.at.most(1024);
    }
    const kms = findings.find((f) => f.GeneratorId === "trail-lab/CloudTrail.2")!;
    expect(kms).to.deep.include({
      Id: `trail-lab/us-east-1/${ACCOUNT}/CloudTrail.2/${trailArn(world.trail)}`,
      Severity: { Label: "MEDIUM" },
      Compliance: {
        Status: "FAILED",
        RelatedRequirements: [
          "CIS AWS Foundations Benchmark v3.0.0/3.5",
          "CIS AWS Foundations Benchmark v1.4.0/3.7",
          "AWS Foundational Security Best Practices v1.0.0/CloudTrail.2",
        ],
      },
      Resources: [{ Type: "AwsCloudTrailTrail", Id: trailArn(world.trail), Partition: "aws", Region: "us-east-1" }],
    });
    expect(kms.Remediation.Recommendation.Url).to.equal("https://docs.aws.amazon.com/console/securityhub/CloudTrail.2/remediation");
    expect(findings.find((f) => f.GeneratorId === "trail-lab/CloudTrail.4")).to.deep.include({
      Severity: { Label: "INFORMATIONAL" },
      Compliance: {
        Status: "PASSED",
        RelatedRequirements: [
          "CIS AWS Foundations Benchmark v3.0.0/3.2",
          "CIS AWS Foundations Benchmark v1.4.0/3.2",
          "AWS Foundational Security Best Practices v1.0.0/CloudTrail.4",
        ],
      },
    });
    const accepted = findings.find((f) => f.GeneratorId === "trail-lab/S3.9" && f.Resources[0].Details?.Other.role === "access-log")!;
    expect(accepted.Severity).to.deep.equal({ Label: "INFORMATIONAL" });
    expect(accepted.Note.Text).to.match(/^Accepted: s3:\/\/\S+ receives the server access logs of/);
  });

  it("--format csv prints a header and one row a verdict with why and the risk, RFC 4180, the failures still fail", async () => {
    const { code, stdout } = await cli(["--trail", world.trail.name, "--posture", "--format", "csv"]);
    expect(code).to.equal(1);
    const [header, ...rows] = parseCsv(stdout);
    expect(header).to.deep.equal([...CSV_COLUMNS]);
    expect(rows).to.have.length(27);
    const records = rows.map((r) => Object.fromEntries(header.map((h, i) => [h, r[i]])));
    const byKey = Object.fromEntries(
      records.map((r) => [r.bucket_role && r.bucket_role !== "trail" ? `${r.control_id}@${r.bucket_role}` : r.control_id, r]),
    );
    expect(byKey["CloudTrail.2"]).to.include({
      status: "fail",
      severity: "medium",
      cis_v3_0_0: "3.5",
      cis_v1_4_0: "3.7",
      status_detail: "Trail my-logs-trail names no KMS key: its log files are encrypted with S3-managed keys only.",
      resource_arn: trailArn(world.trail),
      resource_name: "my-logs-trail",
      region: "us-east-1",
      accepted_reason: "",
    });
    expect(byKey["CloudTrail.2"].risk).to.match(/^Log files encrypted with S3's own keys/);
    expect(byKey["CloudTrail.2"].fix).to.include("trail-lab:kmsEncryption true");
    expect(byKey["CloudTrail.2"].fix_cli).to.equal(`aws cloudtrail update-trail --name ${trailArn(world.trail)} --kms-key-id <key-arn>`);
    expect(byKey["S3.9@access-log"]).to.include({
      status: "accepted",
      bucket_role: "access-log",
      resource_name: world.accessLogBucket!,
      accepted_setting: "",
    });
    expect(byKey["S3.9@access-log"].status_detail).to.match(/logging off\. Accepted: /);
    expect(byKey["S3.1"]).to.include({ status: "fail", cis_v3_0_0: "2.1.4" });
  });

  it("judges the buckets --buckets names and holds the log files to --retention-days", async () => {
    await s3.createBucket("named-extra-bucket");
    const { code, stdout, stderr } = await cli([
      "--trail",
      world.trail.name,
      "--posture",
      "--json",
      "--buckets",
      "named-extra-bucket",
      "--retention-days",
      "365",
    ]);
    expect(code, stderr).to.equal(1);
    const report = JSON.parse(stdout) as PostureReport;
    expect(report.controls.filter((c) => c.resource.role === "named").map((c) => `${c.id} ${c.status}`)).to.deep.equal([
      "S3.4 fail",
      "S3.5 fail",
      "S3.8 fail",
      "S3.9 fail",
      "S3.12 fail",
      "S3.14 fail",
      "S3.20 fail",
    ]);
    const retention = report.controls.find((c) => c.id === "TrailLab.Retention")!;
    expect(retention.status).to.equal("fail");
    expect(retention.statusDetail).to.equal(
      `Log files under s3://${world.bucket}/AWSLogs/${ACCOUNT}/ go sooner than the 365-day retention: rule expire-after-retention expires them after 90 day(s); ` +
        "rule expire-after-retention removes their deleted or overwritten versions after 90 day(s).",
    );
  });

  it("refuses --format without --posture, with --json, or of an unknown kind, and posture's other flags without it (exit 2, nothing read)", async () => {
    const calls = ct.calls.length;
    for (const args of [
      ["--posture", "--format", "xml"],
      ["--posture", "--format", "ocsf", "--json"],
      ["--posture", "--retention-days", "0"],
      ["--format", "csv"],
      ["--buckets", "a-bucket"],
    ]) {
      const run = await cli(["--trail", world.trail.name, ...args]);
      expect(run.code, args.join(" ")).to.equal(2);
      expect(run.stdout).to.equal("");
    }
    const without = await cli(["--trail", world.trail.name, "--retention-days", "30"]);
    expect(without.stderr).to.include("--retention-days goes with --posture");
    expect(ct.calls.length).to.equal(calls);
  });
});
