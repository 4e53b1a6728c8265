// common/: naming an AWS SDK error when the SDK could not read a code, or the connection dropped.
import { expect } from "chai";
import { awsErrorCode, awsErrorDetail } from "../../common/aws-error-code";
import { AwsCallError } from "../../common/errors";

/** What the SDK throws for an answer it could not read an error code from (an empty 404, a proxy's 503). */
const bodiless = (name: string, status: number) =>
  Object.assign(new Error("UnknownError"), {
    name,
    $fault: "client",
    $metadata: { httpStatusCode: status, attempts: 1, totalRetryDelay: 0 },
  });

describe("common: AWS error codes and details", () => {
  it("keeps the service's own code, from Code or name", () => {
    expect(awsErrorCode(Object.assign(new Error("Access Denied"), { name: "AccessDenied", $metadata: { httpStatusCode: 403 } }))).to.equal(
      "AccessDenied",
    );
    expect(awsErrorCode({ name: "S3ServiceException", Code: "SlowDown" })).to.equal("SlowDown");
  });

  it("names an error without a readable code from its HTTP status", () => {
    expect(awsErrorCode(bodiless("Unknown", 503))).to.equal("ServiceUnavailable");
    expect(awsErrorCode(bodiless("UnknownError", 404))).to.equal("NotFound");
    expect(awsErrorCode(Object.assign(new Error("UnknownError"), { name: "Unknown", $response: { statusCode: 599 } }))).to.equal("HTTP599");
    expect(awsErrorDetail(bodiless("NotFound", 404))).to.equal("HTTP 404 (Not Found) with no error body");
    expect(AwsCallError.of("GetObject", bodiless("Unknown", 502)).message).to.equal(
      "GetObject failed (BadGateway): HTTP 502 (Bad Gateway) with no error body",
    );
  });

  it("names a dropped connection by Node's code, and keeps UnknownError only when nothing says more", () => {
    expect(awsErrorCode(Object.assign(new Error("aborted"), { code: "ECONNRESET" }))).to.equal("ECONNRESET");
    expect(awsErrorCode(Object.assign(new Error("Premature close"), { code: "ERR_STREAM_PREMATURE_CLOSE" }))).to.equal(
      "ERR_STREAM_PREMATURE_CLOSE",
    );
    expect(awsErrorCode(Object.assign(new Error("x"), { name: "TimeoutError" }))).to.equal("TimeoutError");
    expect(awsErrorCode(null)).to.equal("UnknownError");
    expect(awsErrorCode("boom")).to.equal("UnknownError");
    expect(awsErrorDetail(new Error("Access Denied"))).to.equal("Access Denied");
  });
});
