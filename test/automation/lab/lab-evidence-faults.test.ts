// Evidence that cannot be written never costs the cleanup: lab-runs/ being a file, a record that
// JSON.stringify refuses, a report page that cannot be written. The run still destroys, sweeps
// and removes the stack; the loss is a warning and exit 3 (the run's own output failed, not the check).
/* eslint-disable @typescript-eslint/require-await -- fake verifiers are async functions that need not await */
import { expect } from "chai";
import * as fs from "node:fs";
import * as path from "node:path";
import { runLab } from "../../../automation/lab";
import { ExitCode } from "../../../common/exit-codes";
import { Fakes, evidence, labOptions } from "../../support/doubles/lab-fakes";

/** A matched record nested deeper than JSON.stringify's stack allows (a hostile or corrupt log). */
function deeplyNested(depth: number): Record<string, unknown> {
  let value: Record<string, unknown> = { leaf: true };
  for (let i = 0; i < depth; i++) value = { n: value };
  return value;
}

describe("automation/lab: evidence that cannot be written never skips cleanup", function () {
  let fakes: Fakes;
  afterEach(() => fakes?.cleanup());

  it("with a FILE named lab-runs: destroys, removes the stack, warns where the evidence went missing, exits 3", async function () {
    fakes = new Fakes();
    fs.writeFileSync(path.join(fakes.projectDir, "lab-runs"), "not a folder\n");
    const report = await runLab(labOptions(), fakes.deps());
    expect(fakes.steps()).to.include.members(["destroy 1", "remove", "close"]);
    expect(report.cleanup).to.include({ destroyed: true, stackRemoved: true, complete: true });
    expect(report.exitCode).to.equal(ExitCode.AwsError);
    expect(report.error?.name).to.equal("EvidenceNotWrittenError");
    expect(report.error?.message).to.contain(path.join(fakes.projectDir, "lab-runs", "lab-test", "evidence.json"));
    expect(report.evidenceFile).to.equal(null);
    expect(report.warnings.join("\n")).to.match(/evidence not written to .*evidence\.json/i);
    expect(fs.readFileSync(path.join(fakes.projectDir, "lab-runs"), "utf8")).to.equal("not a folder\n");
  });

  it("with a record JSON.stringify refuses (nested past its stack): destroys, removes the stack, exits 3", async function () {
    const deep = evidence(true);
    deep.event = { ...deep.event!, requestParameters: deeplyNested(20_000) };
    fakes = new Fakes({ verify: async () => deep });
    const report = await runLab(labOptions(), fakes.deps());
    expect(fakes.steps()).to.include.members(["destroy 1", "remove"]);
    expect(report.cleanup).to.include({ destroyed: true, complete: true });
    expect(report.exitCode).to.equal(ExitCode.AwsError);
    expect(report.error?.message).to.match(/RangeError/);
    expect(fs.existsSync(path.join(fakes.projectDir, "lab-runs", "lab-test", "evidence.json.tmp")), "no half-written record left").to.equal(
      false,
    );
  });

  it("interrupted, a lost record still lets cleanup run and the run exits 130 with the warning", async function () {
    fakes = new Fakes();
    fs.writeFileSync(path.join(fakes.projectDir, "lab-runs"), "");
    const deps = fakes.deps();
    deps.sleep = async (ms) => {
      fakes.events.push(`sleep ${ms}`);
      if (ms === 5) fakes.signals.emit("SIGTERM");
    };
    const report = await runLab(labOptions(), deps);
    expect(fakes.steps()).to.include.members(["destroy 1", "remove"]);
    expect(report.exitCode).to.equal(ExitCode.Interrupted);
    expect(report.warnings.join("\n")).to.match(/evidence not written/i);
  });

  it("a report page that cannot be written is a warning in the record, and the evidence and cleanup stand", async function () {
    fakes = new Fakes();
    // report.html as a folder: the page's rename onto it fails.
    fs.mkdirSync(path.join(fakes.projectDir, "lab-runs", "lab-test", "report.html"), { recursive: true });
    const report = await runLab(labOptions(), fakes.deps());
    expect(report.exitCode).to.equal(ExitCode.Ok);
    expect(report.cleanup).to.include({ destroyed: true, complete: true });
    expect(report.warnings.join("\n")).to.match(/could not write the HTML report .*npm run report/);
    const saved = JSON.parse(fs.readFileSync(path.join(fakes.projectDir, "lab-runs", "lab-test", "evidence.json"), "utf8"));
    expect(saved.cleanup.complete).to.equal(true);
  });
});
