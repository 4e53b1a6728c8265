// What an error looks like printed: a trail-lab error's own message, once; anything else as
// "Unexpected error" with a pointer to --debug; with --debug every cause's class, the AWS request
// id, the engine's raw output (not the summary the message shows), and never a URL's secrets.
import { expect } from "chai";
import { UpFailedError } from "../../automation/engine/engine-errors";
import { AwsCallError, UsageError } from "../../common/errors";
import { errorDetail, errorText } from "../../common/error-detail";

const RAW = [
  "Updating (lab-20261125-2240-k3x9):",
  "  +  aws:ec2:Instance probe-instance creating (0s) error: sdk-v2/provider2.go:572: sdk.helper_schema: creating EC2 Instance: VcpuLimitExceeded",
  "Backend postgres://lab:s3cret@db.internal:5432/pulumi",
].join("\n");

describe("common/error-detail", () => {
  it("prints a trail-lab error's message alone, once, and the detail only with --debug", () => {
    const error = new UsageError("--trail is required.\nRun 'trail-lab verify --help' for the flags.");
    expect(errorText(error, false)).to.equal("--trail is required.\nRun 'trail-lab verify --help' for the flags.\n");
    expect(errorText(error, true)).to.match(/^--trail is required\.\n.*\n--debug: the error in full\nUsageError: --trail is required\./);
  });

  it("names an unexpected error's kind and points to --debug", () => {
    expect(errorText(new TypeError("x is not a function"), false)).to.equal(
      "Unexpected error: TypeError: x is not a function (--debug shows where it came from)\n",
    );
    expect(errorText({ code: "EPIPE" }, true)).to.contain("--debug: the error in full\n{ code: 'EPIPE' }");
  });

  it("shows the raw engine output behind an up failure's summary, its secrets masked", () => {
    const failure = { name: "probe-instance", type: "aws:ec2:Instance", op: "create", message: "creating EC2 Instance: VcpuLimitExceeded" };
    const error = new UpFailedError("probe", RAW, [failure]);
    expect(errorText(error, false)).to.not.contain("Updating (lab-").and.not.contain("UpFailedError");
    const detail = errorDetail(error);
    expect(detail)
      .to.contain("UpFailedError: pulumi up (probe) failed")
      .and.contain("  raw Pulumi output:\n    Updating (lab-20261125-2240-k3x9):");
    expect(detail).to.not.contain("s3cret");
  });

  it("follows the causes to the SDK's, with its request id, and stops at a loop", () => {
    const sdk = Object.assign(new Error("Access Denied"), {
      name: "AccessDenied",
      $metadata: { httpStatusCode: 403, requestId: "4C0F1E2D9A8B7C6D", extendedRequestId: "q8m2k1ZyX0w=", attempts: 1 },
    });
    const detail = errorDetail(new AwsCallError("ListObjectsV2", "AccessDenied", "Access Denied", sdk));
    expect(detail).to.contain(
      "\ncaused by AccessDenied: Access Denied\n  AWS: request id 4C0F1E2D9A8B7C6D, extended request id q8m2k1ZyX0w=, HTTP 403, 1 attempt(s)\n",
    );
    const loop = new Error("a");
    (loop as { cause?: unknown }).cause = loop;
    expect(errorDetail(loop).split("caused by Error: a").length - 1).to.equal(5);
  });
});
