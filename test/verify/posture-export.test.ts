// `npm run verify -- --posture --format ocsf|csv` on the lab's default stack (local servers): every
// finding fits the OCSF 1.3.0 Compliance Finding as the schema's files define it, the CSV parses
// back to one row a control, a failure stays a failure (verify accepts nothing), and a failure
// accepted by a caller is Suppressed with its reason, its compliance status still Fail.
import { expect } from "chai";
import { findingsCsv, CSV_COLUMNS } from "../../verify/posture/csv";
import { postureFindings, type FindingsContext } from "../../verify/posture/findings";
import { ocsfFindings } from "../../verify/posture/ocsf";
import type { PostureReport } from "../../verify";
import { startCloudTrailServer, trailArn, type LocalCloudTrail } from "../support/cloudtrail-server";
import { deployWorld, type DeployedWorld } from "../support/deployed-world";
import { COMPLIANCE_FINDING, RESOURCE_UID } from "../support/ocsf-compliance-finding";
import { startS3Server, type LocalS3 } from "../support/s3-server";
import { runVerifyCli } from "../support/verify-cli";
import { parseCsv } from "../support/csv";
import { labEvidence } from "../support/lab-evidence";

const context: FindingsContext = { time: "2026-11-25T21:25:17.000Z", account: "123456789012", region: "us-east-1", product: { name: "trail-lab", version: "0.1.0" } };

describe("verify: posture findings as OCSF Compliance Findings and CSV", function () {
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
  const cli = (args: string[]) => runVerifyCli(["--trail", world.trail.name, "--posture", ...args], { s3: s3.endpoint, cloudTrail: ct.endpoint });

  it("--format ocsf prints one JSON array of Compliance Findings, each fitting the OCSF 1.3.0 schema, and exits 1 as --posture does", async () => {
    const { code, stdout, stderr } = await cli(["--format", "ocsf"]);
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
    expect(kms.resources).to.deep.equal([{ uid: trailArn(world.trail), type: "AWS::CloudTrail::Trail", region: "us-east-1", cloud_partition: "aws", data: { trail: trailArn(world.trail), KmsKeyId: null } }]);
    expect(kms.remediation.references).to.deep.equal(["https://docs.aws.amazon.com/console/securityhub/CloudTrail.2/remediation"]);
    expect(kms.cloud).to.deep.equal({ provider: "AWS", region: "us-east-1", account: { uid: "123456789012", type_id: 10, type: "AWS Account" } });
    const s31 = findings.find((f) => f.compliance.control === "S3.1")!;
    expect(s31.compliance).to.include({ status_id: 2, status: "Warning" });
    expect(s31.resources[0].uid).to.equal("AWS::::Account:123456789012");
    expect(findings.find((f) => f.compliance.control === "S3.8")!).to.deep.include({ severity_id: 4, severity: "High" });
    expect(findings.filter((f) => f.compliance.status === "Fail").map((f) => f.compliance.control)).to.deep.equal(["CloudTrail.2", "CloudTrail.5"]);
    expect(new Set(findings.map((f) => f.finding_info.uid)).size).to.equal(14);
  });

  it("--format csv prints a header and one row a control, RFC 4180, the failures still fail", async () => {
    const { code, stdout } = await cli(["--format", "csv"]);
    expect(code).to.equal(1);
    const [header, ...rows] = parseCsv(stdout);
    expect(header).to.deep.equal([...CSV_COLUMNS]);
    expect(rows).to.have.length(14);
    const byId = Object.fromEntries(rows.map((r) => [r[2], Object.fromEntries(header.map((h, i) => [h, r[i]]))]));
    expect(byId["CloudTrail.2"]).to.include({ status: "fail", severity: "medium", cis_v3_0_0: "3.5", cis_v1_4_0: "3.7", resource_arn: trailArn(world.trail), region: "us-east-1", accepted_reason: "" });
    expect(byId["CloudTrail.2"].fix).to.include("trail-lab:kmsEncryption true");
    expect(byId["S3.1"]).to.include({ status: "n/a", cis_v3_0_0: "2.1.4" });
    expect(byId["CloudTrail.1"].title).to.equal("CloudTrail should be enabled and configured with at least one multi-Region trail that includes read and write management events");
  });

  it("refuses --format without --posture, with --json, or of an unknown kind (exit 2, nothing read)", async () => {
    const calls = ct.calls.length;
    for (const args of [["--format", "xml"], ["--format", "ocsf", "--json"]]) {
      const run = await cli(args);
      expect(run.code, args.join(" ")).to.equal(2);
      expect(run.stdout).to.equal("");
    }
    const without = await runVerifyCli(["--trail", world.trail.name, "--format", "csv"], { s3: s3.endpoint, cloudTrail: ct.endpoint });
    expect(without.code).to.equal(2);
    expect(without.stderr).to.include("--format goes with --posture");
    expect(ct.calls.length).to.equal(calls);
  });

  describe("what a caller (the lab) passes in", () => {
    const posture = labEvidence().posture as PostureReport;
    const accepted = new Map([["CloudTrail.2", { reason: "A KMS key costs USD 1 a month.", setting: "trail-lab:kmsEncryption", file: "Pulumi.dev.yaml" }]]);

    it("an accepted failure is Suppressed with its reason and setting; its compliance status stays Fail; it still fits the schema", () => {
      const findings = ocsfFindings(postureFindings(posture, accepted), context);
      const kms = findings.find((f) => f.compliance.control === "CloudTrail.2")!;
      expect(COMPLIANCE_FINDING(kms, "CloudTrail.2")).to.equal(null);
      expect(kms).to.deep.include({ status_id: 3, status: "Suppressed", status_detail: "Accepted: A KMS key costs USD 1 a month. Turn on with trail-lab:kmsEncryption in Pulumi.dev.yaml." });
      expect(kms.compliance).to.include({ status_id: 3, status: "Fail" });
      expect(kms.time).to.equal(Date.parse(context.time));
      const cloudWatch = findings.find((f) => f.compliance.control === "CloudTrail.5")!;
      expect(cloudWatch).to.include({ status_id: 1, status: "New" });
      // Acceptance is for failures only: a passing control named in it stays a pass.
      const pass = postureFindings(posture, new Map([["CloudTrail.1", accepted.get("CloudTrail.2")!]])).find((f) => f.control.id === "CloudTrail.1")!;
      expect(pass).to.include({ status: "pass", accepted: null });
    });

    it("the schema refuses what OCSF 1.3.0 does not allow: a field it lacks, a caption that is not the id's, a wrong type_uid, a missing required field", () => {
      const good = ocsfFindings(postureFindings(posture), context)[1] as unknown as Record<string, any>;
      const problem = (tamper: (f: Record<string, any>) => void) => {
        const f = structuredClone(good);
        tamper(f);
        return COMPLIANCE_FINDING(f, "f");
      };
      expect(problem(() => undefined)).to.equal(null);
      expect(problem((f) => (f.compliance.evidence = {}))).to.equal("f.compliance.evidence is not a field of this object");
      expect(problem((f) => (f.severity = "High"))).to.equal("f.severity is High, expected the caption of severity_id 3: Medium");
      expect(problem((f) => (f.type_uid = 2003))).to.match(/^f\.type_uid is 2003, expected/);
      expect(problem((f) => delete f.compliance.standards)).to.equal("f.compliance.standards is missing");
      expect(problem((f) => delete f.metadata.product.vendor_name)).to.equal("f.metadata.product.vendor_name is missing");
      expect(problem((f) => (f.time = "2026-11-25T21:25:17Z"))).to.match(/^f\.time is .*expected an integer/);
      expect(problem((f) => (f.compliance.status_id = 4))).to.match(/^f\.compliance\.status_id is number 4/);
      expect(problem((f) => delete f.remediation.desc)).to.equal("f.remediation.desc is missing");
    });

    it("CSV quotes what needs quoting and defuses a cell a spreadsheet would run as a formula", () => {
      const tampered = structuredClone(posture);
      tampered.controls[0].resource.arn = '=HYPERLINK("http://127.0.0.1:9/","x")';
      tampered.controls[1].fix = "line one,\r\nline \"two\"";
      const rows = parseCsv(findingsCsv(postureFindings(tampered, accepted), context));
      expect(rows[1][7]).to.equal(`'=HYPERLINK("http://127.0.0.1:9/","x")`);
      expect(rows[2][11]).to.equal('line one,\r\nline "two"');
      expect(rows[2]).to.include("accepted").and.include("trail-lab:kmsEncryption in Pulumi.dev.yaml");
      expect(rows.every((r) => r.length === CSV_COLUMNS.length)).to.equal(true);
    });
  });
});
