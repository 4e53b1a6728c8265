// The stack tag: infra/ puts it on every taggable resource and automation/ finds leftovers and a
// conflicting trail's stack by it (automation/aws/stack-tag.ts), without importing infra/. Held
// together here: the same key, and the program under Pulumi mocks tagging with the stack's name.
import { expect } from "chai";
import { STACK_TAG } from "../../../automation/aws/stack-tag";
import { STACK_TAG as INFRA_STACK_TAG } from "../../../infra/tags";
import { runProgram } from "../../support/pulumi-program";

describe("automation/aws/stack-tag: the tag infra/ puts on the lab's resources", function () {
  this.timeout(60_000);

  it("is infra/tags.ts's key, and the program tags each taggable resource with the stack's name under it", async function () {
    expect(STACK_TAG).to.equal(INFRA_STACK_TAG);
    const run = await runProgram({}, "lab-tagged");
    const tagged = run.resources.filter((r) => r.inputs.tags);
    expect(tagged.map((r) => r.type)).to.include.members([
      "aws:s3/bucket:Bucket",
      "aws:cloudtrail/trail:Trail",
      "aws:ec2/instance:Instance",
      "aws:ec2/securityGroup:SecurityGroup",
    ]);
    for (const r of tagged) expect(r.inputs.tags[STACK_TAG], `${r.type} ${r.name}`).to.equal("lab-tagged");
  });
});
