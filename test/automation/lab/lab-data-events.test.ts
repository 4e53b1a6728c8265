// The lab's data-event proof through runLab with the recording fakes: with data events on (the
// stack's canary bucket), after the RunInstances proof the lab writes and reads one object under a
// key of the run's own and asks verify for PutObject and GetObject of that object's ARN; both must
// come back as data events naming it, or the run says which did not (exit 1). Off, nothing happens.
/* eslint-disable @typescript-eslint/require-await -- fake verifiers are async functions that need not await */
import { expect } from "chai";
import * as fs from "node:fs";
import * as path from "node:path";
import { runLab } from "../../../automation/lab";
import { parseLabArgs } from "../../../automation/cli";
import { renderSummary } from "../../../automation/summary";
import { renderReportHtml } from "../../../automation/report/html";
import { evidenceProblem } from "../../../automation/report/evidence-check";
import type { LabVerifyEvidence, LabVerifyRequest } from "../../../automation/verifier/lab-verifier";
import { ExitCode } from "../../../common/exit-codes";
import { CANARY_BUCKET, Fakes, INSTANCE_ID, LOG_KEY, OUTPUTS_TRAIL, evidence, labOptions } from "../../support/doubles/lab-fakes";

const KEY = "trail-lab/lab-test.txt";
const OBJECT_ARN = `arn:aws:s3:::${CANARY_BUCKET}/${KEY}`;
const DATA_LOG_KEY = LOG_KEY.replace("2235Z_Ab12Cd34Ef56Gh78", "2241Z_Zy98Xw76Vu54Ts32");

/** verify's answer for a call on the canary object: found as a data event naming it, unless told otherwise. */
function dataEvidence(request: LabVerifyRequest, how: { found?: boolean; category?: string; arn?: string } = {}): LabVerifyEvidence {
  const base = evidence(how.found ?? true);
  const eventID = request.eventName === "PutObject" ? "7c2d9e41-0a6b-4f3e-9d18-2b5c8e7f6a10" : "3e8f1a27-5b4c-4d9e-8a76-1f0e2d3c4b5a";
  return {
    ...base,
    eventHistory: null,
    eventCategory: "Data",
    s3: { ...base.s3, key: base.s3.found ? DATA_LOG_KEY : null, eventId: base.s3.found ? eventID : null },
    event: base.s3.found
      ? {
          eventName: request.eventName,
          eventTime: "2026-11-25T22:36:02Z",
          eventID,
          eventCategory: how.category ?? "Data",
          managementEvent: false,
          resources: [
            { type: "AWS::S3::Object", ARN: how.arn ?? request.resource },
            { accountId: "123456789012", type: "AWS::S3::Bucket", ARN: `arn:aws:s3:::${CANARY_BUCKET}` },
          ],
        }
      : null,
  };
}

describe("automation/lab: the data-event proof (trail-lab:dataEvents, --data-events)", function () {
  let fakes: Fakes;
  let requests: LabVerifyRequest[];
  afterEach(() => fakes?.cleanup());

  const withVerify = (data: (request: LabVerifyRequest) => LabVerifyEvidence, runInstances = true) => {
    requests = [];
    return new Fakes({
      verify: async (request) => {
        requests.push(request);
        return request.eventName === "RunInstances" ? evidence(runInstances) : data(request);
      },
    });
  };
  const saved = () => JSON.parse(fs.readFileSync(path.join(fakes.projectDir, "lab-runs", "lab-test", "evidence.json"), "utf8"));

  it("--data-events turns trail-lab:dataEvents on in the stack's first up; --cleanup refuses it", function () {
    expect(parseLabArgs(["--data-events"]).dataEvents).to.equal(true);
    expect(parseLabArgs([]).dataEvents).to.equal(false);
    expect(() => parseLabArgs(["--cleanup", "lab-x", "--data-events"])).to.throw(/--cleanup <stack>/);
  });

  it("after RunInstances, writes and reads the run's own object, then finds PutObject and GetObject of its ARN; exit 0", async function () {
    fakes = withVerify((request) => dataEvidence(request));
    const report = await runLab(labOptions({ dataEvents: true }), fakes.deps());
    expect(fakes.config["trail-lab:dataEvents"]).to.equal("true");
    const steps = fakes.steps();
    expect(steps.slice(steps.indexOf("verify"), steps.indexOf("posture"))).to.deep.equal([
      "verify",
      "copy",
      `describe ${INSTANCE_ID}`,
      `canary ${CANARY_BUCKET}/${KEY}`,
      "verify",
      "verify",
    ]);
    expect(requests.map((r) => [r.eventName, r.resource])).to.deep.equal([
      ["RunInstances", INSTANCE_ID],
      ["PutObject", OBJECT_ARN],
      ["GetObject", OBJECT_ARN],
    ]);
    // From the write, less the clock-skew allowance; the same trail, bucket and deadline as RunInstances'.
    const written = Date.parse(report.dataEvents!.object!.writtenAt);
    for (const r of requests.slice(1)) {
      expect(r.since.getTime()).to.equal(written - 60_000);
      expect(r).to.include({ trail: "my-logs-trail", bucket: OUTPUTS_TRAIL.bucketName, account: "123456789012", region: "eu-west-1" });
    }
    expect(report.dataEvents).to.deep.include({ status: "verified", reason: null, bucket: CANARY_BUCKET, key: KEY, objectArn: OBJECT_ARN });
    expect(report.dataEvents!.putObject!.event!.eventName).to.equal("PutObject");
    expect(report.dataEvents!.getObject!.event!.eventName).to.equal("GetObject");
    expect(report.exitCode).to.equal(ExitCode.Ok);
    expect(Object.keys(report.timings)).to.include("data-events");
    expect(saved().dataEvents.status).to.equal("verified");
    expect(evidenceProblem(saved())).to.equal(null);
    expect(renderSummary(report)).to.contain(
      `data events: the trail recorded PutObject and GetObject of s3://${CANARY_BUCKET}/${KEY} in s3://${OUTPUTS_TRAIL.bucketName}/${DATA_LOG_KEY}`,
    );
    const page = renderReportHtml(report);
    expect(page).to.contain('<section id="data-events">').and.contain(OBJECT_ARN).and.contain("names the object");
  });

  it("a call verify does not find by the deadline: not verified, named, exit 1, cleanup still runs", async function () {
    fakes = withVerify((request) => dataEvidence(request, { found: request.eventName !== "GetObject" }));
    const report = await runLab(labOptions({ dataEvents: true }), fakes.deps());
    expect(report.dataEvents?.status).to.equal("not-verified");
    expect(report.dataEvents?.reason).to.match(/^GetObject of arn:aws:s3:::data-canary-bucket-5e6f7a8\/trail-lab\/lab-test.txt not found/);
    expect(report.exitCode).to.equal(ExitCode.CheckFailed);
    expect(report.cleanup).to.include({ complete: true });
    expect(renderSummary(report)).to.contain("data events NOT verified: GetObject of");
  });

  it("a record that is not a data event, or names another object, proves nothing", async function () {
    for (const how of [{ category: "Management" }, { arn: `arn:aws:s3:::${CANARY_BUCKET}/${KEY}.bak` }]) {
      fakes?.cleanup();
      fakes = withVerify((request) => dataEvidence(request, how));
      const report = await runLab(labOptions({ dataEvents: true }), fakes.deps());
      expect(report.dataEvents?.status, JSON.stringify(how)).to.equal("not-verified");
      expect(report.exitCode).to.equal(ExitCode.CheckFailed);
    }
  });

  it("RunInstances not verified: the canary is not tried, and the record says why", async function () {
    fakes = withVerify((request) => dataEvidence(request), false);
    const report = await runLab(labOptions({ dataEvents: true }), fakes.deps());
    expect(fakes.steps().some((s) => s.startsWith("canary"))).to.equal(false);
    expect(requests.map((r) => r.eventName)).to.deep.equal(["RunInstances"]);
    expect(report.dataEvents).to.deep.include({ status: "not-checked", object: null, putObject: null });
    expect(report.dataEvents?.reason).to.contain("RunInstances was not verified");
    expect(report.exitCode).to.equal(ExitCode.CheckFailed);
  });

  it("S3 refuses the canary write: exit 3, the record keeps what was done, cleanup runs", async function () {
    fakes = new Fakes({
      writeCanaryObject: async () => {
        throw Object.assign(new Error("Access Denied"), { name: "AccessDenied", exitCode: ExitCode.AwsError });
      },
    });
    const report = await runLab(labOptions({ dataEvents: true }), fakes.deps());
    expect(report.error?.message).to.equal("Access Denied");
    expect(report.exitCode).to.equal(ExitCode.AwsError);
    expect(report.dataEvents).to.deep.include({ status: "not-checked", reason: "the canary object was not written", object: null });
    expect(report.cleanup).to.include({ complete: true });
  });

  it("off (no canary in the stack's outputs): no canary call, no data-event verify, dataEvents null", async function () {
    fakes = withVerify((request) => dataEvidence(request));
    const report = await runLab(labOptions(), fakes.deps());
    expect(fakes.config["trail-lab:dataEvents"]).to.equal(undefined);
    expect(fakes.steps().some((s) => s.startsWith("canary"))).to.equal(false);
    expect(requests).to.have.length(1);
    expect(report.dataEvents).to.equal(null);
    expect(renderReportHtml(report)).to.not.contain('id="data-events"');
  });
});
