// The lab's integrity evidence through runLab with the recording fakes: "not checked: no digest
// yet" by default, and with --wait-digest the wait for a digest between verify and destroy.
/* eslint-disable @typescript-eslint/require-await -- fake verifiers are async functions that need not await */
import { expect } from "chai";
import * as fs from "node:fs";
import * as path from "node:path";
import { runLab } from "../../../automation/lab";
import { ExitCode } from "../../../common/exit-codes";
import { Fakes, INSTANCE_ID, LOG_KEY, OUTPUTS_TRAIL, evidence, integrityResult, labOptions } from "../../support/doubles/lab-fakes";

describe("automation/lab: log file integrity", function () {
  let fakes: Fakes;
  afterEach(() => fakes?.cleanup());

  const saved = () => JSON.parse(fs.readFileSync(path.join(fakes.projectDir, "lab-runs", "lab-test", "evidence.json"), "utf8"));

  it("reports integrity as not checked (no digest yet) by default, never as valid, and does not wait", async function () {
    fakes = new Fakes();
    const report = await runLab(labOptions(), fakes.deps());
    expect(report.exitCode).to.equal(ExitCode.Ok);
    expect(report.integrity).to.deep.equal({ status: "not-checked", reason: "no digest yet", result: null });
    expect(saved().integrity).to.deep.equal({ status: "not-checked", reason: "no digest yet", result: null });
    expect(fakes.steps()).not.to.include("integrity");
  });

  it("with --wait-digest, waits for the digest of the matched log after verify, records the result, then destroys", async function () {
    fakes = new Fakes();
    const report = await runLab(labOptions({ waitDigest: true }), fakes.deps());
    const steps = fakes.steps();
    expect(steps.slice(steps.indexOf("verify"))).to.deep.equal([
      "verify",
      "copy",
      `describe ${INSTANCE_ID}`,
      'config trail-lab:probeInstance="false"',
      "up remove-probe",
      "integrity",
      "posture",
      "export",
      "destroy 1",
      "remove",
      `describe ${INSTANCE_ID}`,
      "close",
    ]);
    const request = fakes.integrityRequest!;
    expect(request).to.include({
      trail: OUTPUTS_TRAIL.trailArn,
      region: "eu-west-1",
      bucket: OUTPUTS_TRAIL.bucketName,
      account: "123456789012",
      logKey: LOG_KEY,
      timeoutMs: 75 * 60_000,
    });
    expect(request.since.toISOString()).to.equal(fakes.verifyRequest!.since.toISOString());
    expect(request.signal.aborted).to.equal(false);
    expect(report.integrity).to.deep.equal({ status: "valid", reason: null, result: integrityResult(true) });
    expect(report.exitCode).to.equal(ExitCode.Ok);
    expect(saved().integrity.status).to.equal("valid");
    expect(Object.keys(saved().timings)).to.include("integrity");
    expect(fakes.logs().join("\n")).to.include(
      `--wait-digest: keeping the stack until a digest lists s3://${OUTPUTS_TRAIL.bucketName}/${LOG_KEY}`,
    );
  });

  it("with --wait-digest, removes the paid probe (an up with probeInstance=false) before the hour-long wait; the trail and bucket stay", async function () {
    fakes = new Fakes({
      integrity: async () => {
        // What the stack holds while the digest is awaited: no instance, the trail and its bucket.
        expect(fakes.resources.map((r) => r.type))
          .to.include.members(["aws:s3/bucket:Bucket", "aws:cloudtrail/trail:Trail"])
          .and.not.include("aws:ec2/instance:Instance");
        expect(fakes.config["trail-lab:probeInstance"]).to.equal("false");
        return integrityResult(true);
      },
    });
    const report = await runLab(labOptions({ waitDigest: true }), fakes.deps());
    expect(report.exitCode, JSON.stringify(report.error)).to.equal(ExitCode.Ok);
    expect(Object.keys(report.timings)).to.include("up-remove-probe");
    expect(report.instance?.atCleanup?.state).to.equal("terminated");
    expect(fakes.logs().join("\n")).to.include("removing the probe instance before the wait");
  });

  it("when removing the probe fails, does not wait for a digest: destroys and exits 3", async function () {
    fakes = new Fakes({ upFails: "remove-probe" });
    const report = await runLab(labOptions({ waitDigest: true }), fakes.deps());
    expect(report.exitCode).to.equal(ExitCode.AwsError);
    expect(report.integrity.status).to.equal("not-checked");
    expect(fakes.steps()).not.to.include("integrity");
    const steps = fakes.steps();
    expect(steps.indexOf("export"), "the unfinished up's pending operations are cleared").to.be.greaterThan(
      steps.indexOf("up remove-probe"),
    );
    expect(steps).to.include("destroy 1");
  });

  it("exits 1 when the digest shows an invalid or missing file, and still destroys", async function () {
    fakes = new Fakes({ integrity: async () => integrityResult(false) });
    const report = await runLab(labOptions({ waitDigest: true }), fakes.deps());
    expect(report.exitCode).to.equal(ExitCode.CheckFailed);
    expect(report.verified).to.equal(true);
    expect(report.integrity.status).to.equal("invalid");
    expect(report.integrity.reason).to.equal(`1 invalid: log s3://${OUTPUTS_TRAIL.bucketName}/${LOG_KEY} not found`);
    expect(report.cleanup).to.include({ destroyed: true, complete: true });
  });

  it("exits 1 when no digest arrives by the deadline, saying so", async function () {
    const none = {
      ...integrityResult(false),
      failures: [],
      covered: null,
      digests: { valid: 0, total: 0 },
      logs: { valid: 0, total: 0 },
      reason: `no digest in range: no digest listed ${LOG_KEY} by the deadline`,
    };
    fakes = new Fakes({ integrity: async () => none });
    const report = await runLab(labOptions({ waitDigest: true, digestWaitMs: 1000 }), fakes.deps());
    expect(report.exitCode).to.equal(ExitCode.CheckFailed);
    expect(report.integrity).to.include({ status: "invalid", reason: none.reason });
    expect(fakes.integrityRequest?.timeoutMs).to.equal(1000);
  });

  it("does not wait for a digest when the event was not verified", async function () {
    fakes = new Fakes({ verify: async () => evidence(false) });
    const report = await runLab(labOptions({ waitDigest: true }), fakes.deps());
    expect(fakes.steps()).not.to.include("integrity");
    expect(report.integrity.status).to.equal("not-checked");
    expect(report.exitCode).to.equal(ExitCode.CheckFailed);
  });

  it("a SIGINT during the wait ends it, destroys, and exits 130 with integrity not checked", async function () {
    fakes = new Fakes({
      integrity: (request) =>
        new Promise((_, reject) => {
          // Like validateIntegrity: the lab's stop signal ends the wait.
          request.signal.addEventListener("abort", () => reject(Object.assign(new Error("aborted"), { name: "AbortError" })), {
            once: true,
          });
          setImmediate(() => fakes.signals.emit("SIGINT"));
        }),
    });
    const report = await runLab(labOptions({ waitDigest: true }), fakes.deps());
    expect(report.exitCode).to.equal(ExitCode.Interrupted);
    expect(report.error).to.equal(null);
    expect(report.integrity.status).to.equal("not-checked");
    expect(fakes.steps()).to.include("destroy 1");
  });
});
