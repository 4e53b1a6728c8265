// A failed up or destroy names the failing resource, its type and the provider's message, taken
// from the engine's structured events, instead of the Automation API's wrapper around stderr.
import { expect } from "chai";
import type { EngineEvent } from "@pulumi/pulumi/automation";
import { EngineFailures, describeFailures, displayType } from "../../../automation/engine/engine-failures";

const URN = "urn:pulumi:lab-x::trail-lab::trail-lab:index:ProbeInstance$aws:ec2/instance:Instance::probe-instance";

function events(): EngineEvent[] {
  return [
    {
      sequence: 1,
      timestamp: 1,
      diagnosticEvent: { urn: URN, prefix: "warning: ", message: "a deprecation\n", color: "raw", severity: "warning" },
    },
    {
      sequence: 2,
      timestamp: 2,
      diagnosticEvent: {
        urn: URN,
        prefix: "error: ",
        message:
          "  sdk-v2/provider2.go:572: sdk.helper_schema: creating EC2 Instance: operation error EC2: RunInstances, https response error StatusCode: 400, RequestID: 5b1c, api error VcpuLimitExceeded: You have requested more vCPU capacity than your current vCPU limit of 0 allows: provider=aws@7.14.0\n",
        color: "raw",
        severity: "error",
      },
    },
    {
      sequence: 3,
      timestamp: 3,
      resOpFailedEvent: { metadata: { op: "create", urn: URN, type: "aws:ec2/instance:Instance", provider: "" }, status: 1, steps: 4 },
    },
    { sequence: 4, timestamp: 4, diagnosticEvent: { prefix: "error: ", message: "update failed\n", color: "raw", severity: "error" } },
  ] as EngineEvent[];
}

describe("automation/engine-failures", function () {
  it("shows types as Pulumi does", function () {
    expect(displayType("aws:ec2/instance:Instance")).to.equal("aws:ec2:Instance");
    expect(displayType("aws:s3/bucketPolicy:BucketPolicy")).to.equal("aws:s3:BucketPolicy");
    expect(displayType("trail-lab:index:ProbeInstance")).to.equal("trail-lab:index:ProbeInstance");
  });

  it("keeps each failing resource once, with the provider's words and without its wrapper or warnings", function () {
    const failures = new EngineFailures();
    for (const event of events()) failures.onEvent(event);
    expect(failures.list()).to.deep.equal([
      {
        name: "probe-instance",
        type: "aws:ec2:Instance",
        op: "create",
        message:
          "creating EC2 Instance: operation error EC2: RunInstances, https response error StatusCode: 400, RequestID: 5b1c, api error VcpuLimitExceeded: You have requested more vCPU capacity than your current vCPU limit of 0 allows",
      },
    ]);
    expect(describeFailures(failures.list())).to.match(/^probe-instance \(aws:ec2:Instance\): creating EC2 Instance: .*VcpuLimitExceeded/);
  });
});
