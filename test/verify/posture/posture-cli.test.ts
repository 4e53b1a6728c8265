// `npm run verify -- --posture` as a user meets it: the lab's default stack on the local servers,
// one JSON object on stdout with --json, a table without, the findings as OCSF 1.3.0 Compliance
// Findings (each fitting the schema as its files define it) or CSV with --format, and the exit
// codes of the one table; a failure stays a failure whatever the form (verify accepts nothing).
import { expect } from "chai";
import { CSV_COLUMNS } from "../../../verify/posture/csv";
import { parseCsv } from "../../support/csv";
import { COMPLIANCE_FINDING, RESOURCE_UID } from "../../support/fixtures/ocsf-compliance-finding";
import { startCloudTrailServer, trailArn, type LocalCloudTrail } from "../../support/servers/cloudtrail-server";
import { deployWorld, type DeployedWorld } from "../../support/worlds/deployed-world";
import { startS3Server, type LocalS3 } from "../../support/servers/s3-server";
import { runVerifyCli } from "../../support/processes/verify-cli";

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
  });

  const cli = (args: string[], viaNpm = false) => runVerifyCli(args, { s3: s3.endpoint, cloudTrail: ct.endpoint }, viaNpm);

  it("prints exactly { controls, facts, checkedAt } through npm run -s verify -- --posture --json, and exits 1 for the two unpaid controls", async () => {
    const { code, stdout, stderr } = await cli(["--trail", world.trail.name, "--posture", "--json"], true);
    expect(code, stderr).to.equal(1);
    const report = JSON.parse(stdout);
    expect(Object.keys(report)).to.deep.equal(["controls", "facts", "checkedAt"]);
    expect(report.controls.filter((c: { status: string }) => c.status === "fail").map((c: { id: string }) => c.id)).to.deep.equal([
      "CloudTrail.2",
      "CloudTrail.5",
    ]);
    expect(report.controls.find((c: { id: string }) => c.id === "S3.5").title).to.equal(
      "S3 general purpose buckets should require requests to use SSL",
    );
  });

  it("prints a table without --json: a line per control, evidence and fix under each that does not pass", async () => {
    const { code, stdout } = await cli(["--trail", world.trail.name, "--posture"]);
    expect(code).to.equal(1);
    const lines = stdout.trimEnd().split("\n");
    expect(lines).to.include("PASS  CloudTrail.4  CloudTrail log file validation should be enabled");
    expect(lines).to.include("FAIL  CloudTrail.2  CloudTrail should have encryption at-rest enabled");
    expect(lines[lines.indexOf("FAIL  CloudTrail.2  CloudTrail should have encryption at-rest enabled") + 1]).to.match(
      /^ {6}seen: trail=arn:aws:cloudtrail:us-east-1:123456789012:trail\/my-logs-trail, KmsKeyId=null$/,
    );
    expect(lines.at(-1)).to.equal("11 pass, 2 fail, 1 n/a");
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

  it("exits 0 once the paid controls pass", async () => {
    world.trail.kmsKeyId = "arn:aws:kms:us-east-1:123456789012:key/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0";
    world.trail.cloudWatchLogs = {
      groupArn: "arn:aws:logs:us-east-1:123456789012:log-group:/aws/cloudtrail/my-logs-trail:*",
      roleArn: "arn:aws:iam::123456789012:role/trail-events",
    };
    try {
      const { code, stdout } = await cli(["--trail", world.trail.name, "--posture"]);
      expect(code).to.equal(0);
      expect(stdout.trimEnd().split("\n").at(-1)).to.equal("13 pass, 0 fail, 1 n/a");
    } finally {
      world.trail.kmsKeyId = undefined;
      world.trail.cloudWatchLogs = undefined;
    }
  });

  it("--format ocsf prints one JSON array of Compliance Findings, each fitting the OCSF 1.3.0 schema, and exits 1 as --posture does", async () => {
    const { code, stdout, stderr } = await cli(["--trail", world.trail.name, "--posture", "--format", "ocsf"]);
    expect(code, stderr).to.equal(1);
    const findings = JSON.parse(stdout) as Record<string, any>[];
    expect(findings).to.have.length(14);
    for (const f of findings) {
      expect(COMPLIANCE_FINDING(f, f.compliance?.control ?? "finding")).to.equal(null);
      expect(RESOURCE_UID(f.resources[0].uid, "uid")).to.equal(null);
    }
    const kms = findings.find((f) => f.compliance.control === "CloudTrail.2")!;
    expect(kms).to.deep.include({ class_uid: 2003, type_uid: 200301, severity_id: 3, severity: "Medium", status_id: 1, status: "New" });
    expect(kms.compliance).to.deep.equal({
      control: "CloudTrail.2",
      standards: ["CIS AWS Foundations Benchmark v3.0.0", "CIS AWS Foundations Benchmark v1.4.0"],
      requirements: ["CIS AWS Foundations Benchmark v3.0.0/3.5", "CIS AWS Foundations Benchmark v1.4.0/3.7"],
      status_id: 3,
      status: "Fail",
    });
    expect(kms.resources).to.deep.equal([
      {
        uid: trailArn(world.trail),
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
      account: { uid: "123456789012", type_id: 10, type: "AWS Account" },
    });
    const s31 = findings.find((f) => f.compliance.control === "S3.1")!;
    expect(s31.compliance).to.include({ status_id: 2, status: "Warning" });
    expect(s31.resources[0].uid).to.equal("AWS::::Account:123456789012");
    expect(findings.find((f) => f.compliance.control === "S3.8")!).to.deep.include({ severity_id: 4, severity: "High" });
    expect(findings.filter((f) => f.compliance.status === "Fail").map((f) => f.compliance.control)).to.deep.equal([
      "CloudTrail.2",
      "CloudTrail.5",
    ]);
    expect(new Set(findings.map((f) => f.finding_info.uid)).size).to.equal(14);
  });

  it("--format csv prints a header and one row a control, RFC 4180, the failures still fail", async () => {
    const { code, stdout } = await cli(["--trail", world.trail.name, "--posture", "--format", "csv"]);
    expect(code).to.equal(1);
    const [header, ...rows] = parseCsv(stdout);
    expect(header).to.deep.equal([...CSV_COLUMNS]);
    expect(rows).to.have.length(14);
    const byId = Object.fromEntries(rows.map((r) => [r[2], Object.fromEntries(header.map((h, i) => [h, r[i]]))]));
    expect(byId["CloudTrail.2"]).to.include({
      status: "fail",
      severity: "medium",
      cis_v3_0_0: "3.5",
      cis_v1_4_0: "3.7",
      resource_arn: trailArn(world.trail),
      region: "us-east-1",
      accepted_reason: "",
    });
    expect(byId["CloudTrail.2"].fix).to.include("trail-lab:kmsEncryption true");
    expect(byId["S3.1"]).to.include({ status: "n/a", cis_v3_0_0: "2.1.4" });
    expect(byId["CloudTrail.1"].title).to.equal(
      "CloudTrail should be enabled and configured with at least one multi-Region trail that includes read and write management events",
    );
  });

  it("refuses --format without --posture, with --json, or of an unknown kind (exit 2, nothing read)", async () => {
    const calls = ct.calls.length;
    for (const args of [
      ["--format", "xml"],
      ["--format", "ocsf", "--json"],
    ]) {
      const run = await cli(["--trail", world.trail.name, "--posture", ...args]);
      expect(run.code, args.join(" ")).to.equal(2);
      expect(run.stdout).to.equal("");
    }
    const without = await cli(["--trail", world.trail.name, "--format", "csv"]);
    expect(without.code).to.equal(2);
    expect(without.stderr).to.include("--format goes with --posture");
    expect(ct.calls.length).to.equal(calls);
  });
});
