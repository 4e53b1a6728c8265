// The lab reads the stack's outputs by name (automation/engine/stack-outputs.ts): a stack that
// lacks one it needs ends the run with that name in the error, and the run still cleans up.
/* eslint-disable @typescript-eslint/require-await -- the wrapped stack's outputs need not await */
import { expect } from "chai";
import type { LabEngine } from "../../../automation/engine/lab-engine";
import { runLab } from "../../../automation/lab";
import { ExitCode } from "../../../common/exit-codes";
import { Fakes, labOptions } from "../../support/doubles/lab-fakes";

/** The fakes' engine, whose stack's outputs lack `name`. */
function withoutOutput(fakes: Fakes, name: string): LabEngine {
  const engine = fakes.engine();
  return {
    ...engine,
    async openStack(stackName, create) {
      const stack = await engine.openStack(stackName, create);
      if (!stack) return null;
      return {
        ...stack,
        async outputs() {
          const { [name]: _, ...rest } = await stack.outputs();
          return rest;
        },
      };
    },
  };
}

describe("automation/lab: the stack's outputs, read by name", function () {
  let fakes: Fakes;
  afterEach(() => fakes?.cleanup());

  it("a stack without its bucketName output: the error names it, exit 3, nothing verified, destroyed", async function () {
    fakes = new Fakes();
    const report = await runLab(labOptions(), { ...fakes.deps(), openEngine: async () => withoutOutput(fakes, "bucketName") });
    expect(report.exitCode).to.equal(ExitCode.AwsError);
    expect(report.error?.name).to.equal("StackOutputError");
    expect(report.error?.message).to.contain("Stack 'lab-test' has its output 'bucketName' missing");
    expect(report.outputs).to.not.have.property("bucketName");
    expect(fakes.steps()).to.not.include("verify");
    expect(fakes.steps()).to.include("destroy 1");
    expect(report.cleanup?.complete).to.equal(true);
  });

  it("a stack without its trailName output: stops before the trail's wait, and says which output", async function () {
    fakes = new Fakes();
    const report = await runLab(labOptions(), { ...fakes.deps(), openEngine: async () => withoutOutput(fakes, "trailName") });
    expect(report.exitCode).to.equal(ExitCode.AwsError);
    expect(report.error?.message).to.contain("'trailName' missing");
    expect(fakes.steps().some((step) => step.startsWith("status"))).to.equal(false);
    expect(fakes.steps()).to.include("destroy 1");
  });
});
