// The lab cycle with posture and the HTML report (recording fakes, no AWS): posture runs after
// verify and before destroy, even when verify failed; its failures and its errors never stop
// cleanup nor change the exit code; lab-runs/<stack>/report.html is written beside the evidence,
// naming the SHA-256 of evidence.json as it lies on disk, with the findings as OCSF and CSV.
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { expect } from "chai";
import { runLab } from "../../../automation/lab";
import { renderSummary } from "../../../automation/summary";
import { AwsCallError, TrailNotLoggingError } from "../../../verify";
import { ExitCode } from "../../../common/exit-codes";
import { Fakes, INSTANCE_ID, POSTURE, evidence, labOptions } from "../../support/doubles/lab-fakes";

describe("automation/lab: posture and the HTML report", function () {
  let fakes: Fakes;
  afterEach(() => fakes?.cleanup());
  const runFiles = (stack: string) => path.join(fakes.projectDir, "lab-runs", stack);

  it("checks posture after verify and before destroy, keeps it in the evidence, and writes report.html beside it; failing controls leave exit 0", async () => {
    fakes = new Fakes();
    const report = await runLab(labOptions(), fakes.deps());
    const steps = fakes.steps();
    expect(steps.slice(steps.indexOf("verify"))).to.deep.equal([
      "verify",
      "copy",
      `describe ${INSTANCE_ID}`,
      "posture",
      "export",
      "destroy 1",
      "remove",
      `describe ${INSTANCE_ID}`,
      "close",
    ]);
    expect(fakes.postureRequest).to.deep.include({
      trail: "arn:aws:cloudtrail:eu-west-1:123456789012:trail/my-logs-trail",
      region: "eu-west-1",
    });
    expect(report.posture).to.deep.equal(POSTURE);
    expect(report.exitCode).to.equal(ExitCode.Ok);
    const saved = JSON.parse(fs.readFileSync(path.join(runFiles(report.stack), "evidence.json"), "utf8"));
    expect(saved.posture).to.deep.equal(POSTURE);
    const html = fs.readFileSync(path.join(runFiles(report.stack), "report.html"), "utf8");
    expect(html).to.include("<code>CloudTrail.2</code>").and.include(evidence(true).s3.eventId!).and.include("cleanup complete");
    expect(html).to.match(/Log file integrity<\/h2><p><span class="badge none">not checked<\/span> no digest yet/);
    // The page is written after the evidence, from the file's own bytes: the hash is of the file as it lies there.
    const evidenceBytes = fs.readFileSync(path.join(runFiles(report.stack), "evidence.json"));
    expect(html).to.include(`evidence.json SHA-256 <code>${createHash("sha256").update(evidenceBytes).digest("hex")}</code>`);
    // The raw copy the lab has just kept beside it is hashed again for the page: the same.
    expect(report.rawObject).to.be.a("string");
    expect(html).to.include(`<span class="badge ok">same</span> <code>${report.rawObject}</code> hashes as recorded`);
    // The default stack's two unpaid controls are accepted in the lab's own findings, beside the page.
    const ocsf = JSON.parse(fs.readFileSync(path.join(runFiles(report.stack), "findings.ocsf.json"), "utf8")) as {
      status: string;
      compliance: { control: string; status: string };
    }[];
    expect(ocsf.map((f) => [f.compliance.control, f.compliance.status, f.status])).to.deep.equal([
      ["CloudTrail.1", "Pass", "New"],
      ["CloudTrail.2", "Fail", "Suppressed"],
      ["CloudTrail.5", "Fail", "Suppressed"],
    ]);
    expect(fs.readFileSync(path.join(runFiles(report.stack), "findings.csv"), "utf8").split("\r\n")[2]).to.match(
      /^accepted,medium,CloudTrail\.2,/,
    );
    const summary = renderSummary(report);
    expect(summary).to.include("  posture: 1 pass, 0 fail, 2 accepted (CloudTrail.2, CloudTrail.5: on purpose, see the report), 0 n/a\n");
    expect(summary).to.include(`  report: ${path.join(runFiles(report.stack), "report.html")}\n`);
  });

  it("asks posture to judge the stack's other buckets and its retention: the access-log bucket, the Athena workgroup, retentionDays", async () => {
    fakes = new Fakes({ accessLogBucket: "audit-access-logs-2b8e0d4" });
    const template = labOptions().template;
    const config = { ...template.config, "trail-lab:retentionDays": "30" };
    await runLab(labOptions({ template: { ...template, config }, search: "athena" }), fakes.deps());
    expect(fakes.postureRequest).to.deep.include({
      buckets: ["audit-access-logs-2b8e0d4"],
      workgroup: "trail-lab-lab-test",
      retentionDays: 30,
    });
    // Without them (no access logging, Athena off, retention left to infra's default), posture is asked for the trail alone.
    fakes.cleanup();
    fakes = new Fakes();
    await runLab(labOptions(), fakes.deps());
    expect(fakes.postureRequest).to.deep.include({ buckets: undefined, workgroup: undefined, retentionDays: undefined });
  });

  it("the summary counts a failure as accepted only while the stack shows its switch off", async () => {
    fakes = new Fakes();
    const report = await runLab(labOptions(), fakes.deps());
    report.outputs = { ...report.outputs, kmsKeyArn: "arn:aws:kms:eu-west-1:123456789012:key/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0" };
    expect(renderSummary(report)).to.include(
      "  posture: 1 pass, 1 fail (CloudTrail.2), 1 accepted (CloudTrail.5: on purpose, see the report), 0 n/a\n",
    );
  });

  it("when posture cannot be read, says so as a warning, still destroys, and keeps the verdict's exit code", async () => {
    fakes = new Fakes({
      posture: () =>
        Promise.reject(
          new AwsCallError("GetBucketPolicy", "AccessDenied", "access denied on bucket b. Grant the caller s3:GetBucketPolicy on it."),
        ),
    });
    const report = await runLab(labOptions(), fakes.deps());
    expect(fakes.steps()).to.include.members(["posture", "destroy 1", "remove"]);
    expect(report.posture).to.equal(null);
    expect(report.warnings.join("\n")).to.include("Posture not checked").and.include("s3:GetBucketPolicy");
    expect(report.exitCode).to.equal(ExitCode.Ok);
    expect(fs.readFileSync(path.join(runFiles(report.stack), "report.html"), "utf8")).to.match(
      /Security Hub controls<\/h2><p><span class="badge none">not checked/,
    );
    expect(fs.existsSync(path.join(runFiles(report.stack), "findings.ocsf.json"))).to.equal(false);
  });

  it("checks posture even when verify stops on a trail that is not logging, then destroys", async () => {
    fakes = new Fakes({ verify: () => Promise.reject(new TrailNotLoggingError("my-logs-trail", evidence(false))) });
    const report = await runLab(labOptions(), fakes.deps());
    const steps = fakes.steps();
    expect(steps.slice(steps.indexOf("verify"))).to.deep.equal(["verify", "posture", "export", "destroy 1", "remove", "close"]);
    expect(report.exitCode).to.equal(ExitCode.CheckFailed);
    expect(report.posture).to.deep.equal(POSTURE);
  });
});
