// Posture's findings as OCSF Compliance Findings and CSV, from what a caller passes in: a failure a
// caller accepts is Suppressed with its reason, its compliance status still Fail; the schema the
// tests check OCSF output against refuses what OCSF refuses; CSV quotes and defuses what it must.
// (`npm run verify -- --posture --format ocsf|csv` itself is tested in posture-cli.test.ts.)
import { expect } from "chai";
import { findingsCsv, CSV_COLUMNS } from "../../../verify/posture/exports/csv";
import { postureFindings, type FindingsContext } from "../../../verify/posture/exports/findings";
import { ocsfFindings } from "../../../verify/posture/exports/ocsf";
import type { PostureReport } from "../../../verify";
import { COMPLIANCE_FINDING } from "../../support/fixtures/ocsf-compliance-finding";
import { parseCsv } from "../../support/csv";
import { labEvidence } from "../../support/fixtures/lab-evidence";

const context: FindingsContext = {
  time: "2026-11-25T21:25:17.000Z",
  account: "123456789012",
  region: "us-east-1",
  product: { name: "trail-lab", version: "0.1.0" },
};

describe("verify: posture findings as OCSF and CSV, from what a caller passes in", () => {
  const posture = labEvidence().posture as PostureReport;
  const accepted = new Map([
    ["CloudTrail.2", { reason: "A KMS key costs USD 1 a month.", setting: "trail-lab:kmsEncryption", file: "Pulumi.dev.yaml" }],
  ]);

  it("an accepted failure is Suppressed with its reason and setting; its compliance status stays Fail; it still fits the schema", () => {
    const findings = ocsfFindings(postureFindings(posture, accepted), context);
    const kms = findings.find((f) => f.compliance.control === "CloudTrail.2")!;
    expect(COMPLIANCE_FINDING(kms, "CloudTrail.2")).to.equal(null);
    expect(kms).to.deep.include({
      status_id: 3,
      status: "Suppressed",
      status_detail:
        "Trail my-logs-trail names no KMS key: its log files are encrypted with S3-managed keys only. " +
        "Accepted: A KMS key costs USD 1 a month. Turn on with trail-lab:kmsEncryption in Pulumi.dev.yaml.",
    });
    expect(kms.compliance).to.include({ status_id: 3, status: "Fail" });
    expect(kms.time).to.equal(Date.parse(context.time));
    const cloudWatch = findings.find((f) => f.compliance.control === "CloudTrail.5")!;
    expect(cloudWatch).to.include({ status_id: 1, status: "New" });
    // Acceptance is for failures only: a passing control named in it stays a pass.
    const pass = postureFindings(posture, new Map([["CloudTrail.1", accepted.get("CloudTrail.2")!]])).find(
      (f) => f.control.id === "CloudTrail.1",
    )!;
    expect(pass).to.include({ status: "pass", accepted: null });
  });

  it("the schema refuses what OCSF 1.5.0 does not allow: a field it lacks, a caption that is not the id's, a wrong type_uid, a missing required field", () => {
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
    expect(problem((f) => (f.finding_info.analytic.type = "Statistical"))).to.equal(
      "f.finding_info.analytic.type is Statistical, expected the caption of type_id 1: Rule",
    );
    expect(problem((f) => (f.metadata.version = "1.3.0"))).to.match(/^f\.metadata\.version is "?1\.3\.0"?/);
  });

  it("CSV quotes what needs quoting and defuses a cell a spreadsheet would run as a formula", () => {
    const tampered = structuredClone(posture);
    tampered.controls[0].resource.arn = '=HYPERLINK("http://127.0.0.1:9/","x")';
    tampered.controls[1].fix = 'line one,\r\nline "two"';
    const rows = parseCsv(findingsCsv(postureFindings(tampered, accepted), context));
    const column = (name: string) => rows[0].indexOf(name);
    expect(rows[1][column("resource_arn")]).to.equal(`'=HYPERLINK("http://127.0.0.1:9/","x")`);
    expect(rows[2][column("fix")]).to.equal('line one,\r\nline "two"');
    expect(rows[2]).to.include("accepted").and.include("trail-lab:kmsEncryption in Pulumi.dev.yaml");
    expect(rows.every((r) => r.length === CSV_COLUMNS.length)).to.equal(true);
  });
});
