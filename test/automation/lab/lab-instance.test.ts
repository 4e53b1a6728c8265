// The lab cycle's record of the probe (recording fakes, no AWS): EC2's description of the instance
// once verify answered and again once destroy finished, and the size and SHA-256 of the raw copy
// as written. A read EC2 refuses is a warning in the evidence and never stops cleanup nor changes
// the exit code; a run that never had a probe asks EC2 nothing.
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import { expect } from "chai";
import { InstanceReadError } from "../../../automation/aws/instance-view";
import { runLab } from "../../../automation/lab";
import { ExitCode } from "../../../common/exit-codes";
import { Fakes, INSTANCE_ID, instanceView, labOptions } from "../../support/doubles/lab-fakes";

describe("automation/lab: the probe as EC2 described it, and the kept copy's hash", function () {
  let fakes: Fakes;
  afterEach(() => fakes?.cleanup());

  it("reads the probe after verify (running) and after destroy (terminated), and records the copy's size and SHA-256", async () => {
    fakes = new Fakes();
    const report = await runLab(labOptions(), fakes.deps());
    expect(report.instance!.atVerify).to.include({
      instanceId: INSTANCE_ID,
      state: "running",
      name: "test",
      publicIpAddress: null,
      httpTokens: "required",
    });
    expect(report.instance!.atCleanup).to.include({ instanceId: INSTANCE_ID, state: "terminated" });
    expect(Date.parse(report.instance!.atCleanup!.readAt)).to.be.at.least(Date.parse(report.timings.destroy.endedAt!));
    const copy = fs.readFileSync(report.rawObject!);
    expect(report.rawObjectBytes).to.equal(copy.length);
    expect(report.rawObjectSha256).to.equal(createHash("sha256").update(copy).digest("hex"));
    const saved = JSON.parse(fs.readFileSync(report.evidenceFile!, "utf8"));
    expect(saved.instance.atCleanup.state).to.equal("terminated");
    expect(saved.rawObjectSha256).to.equal(report.rawObjectSha256);
  });

  it("keeps a refused read as a warning: the instance shows as not read, cleanup runs, the exit code stays the verdict's", async () => {
    fakes = new Fakes({
      describeInstance: (id) =>
        Promise.reject(new InstanceReadError(id, "UnauthorizedOperation: You are not authorized to perform this operation.")),
    });
    const report = await runLab(labOptions(), fakes.deps());
    expect(report.instance).to.deep.equal({ atVerify: null, atCleanup: null });
    expect(report.warnings.filter((w) => w.includes("ec2:DescribeInstances"))).to.have.length(2);
    expect(fakes.steps()).to.include.members(["destroy 1", "remove"]);
    expect(report.exitCode).to.equal(ExitCode.Ok);
  });

  it("shows the probe still running after a cleanup that could not remove it", async () => {
    fakes = new Fakes({
      destroyFails: true,
      describeInstance: (id) => Promise.resolve(instanceView(id, "2026-11-25T22:50:00.000Z", "running")),
    });
    const report = await runLab(labOptions(), fakes.deps());
    expect(report.exitCode).to.equal(ExitCode.CleanupIncomplete);
    expect(report.instance!.atCleanup).to.include({ state: "running" });
  });

  it("asks EC2 nothing when the probe's up failed", async () => {
    fakes = new Fakes({ upFails: "probe" });
    const report = await runLab(labOptions(), fakes.deps());
    expect(fakes.steps().filter((s) => s.startsWith("describe"))).to.deep.equal([]);
    expect(report.instance).to.equal(null);
  });
});
