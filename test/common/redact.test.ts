// Secrets inside URLs are masked wherever the tool shows text: a state backend's userinfo and
// secret query parameters, in the lab's stderr and in the engine's errors that reach the evidence.
import { expect } from "chai";
import { EventEmitter } from "node:events";
import { realDeps } from "../../automation/cli";
import { EngineError, UpFailedError } from "../../automation/engine/engine-errors";
import { redactUrls } from "../../common/redact";

const BACKEND = "postgres://lab:s3cr3t@db.internal:5432/pulumi?sslmode=require&password=hunter2";

describe("common/redact", function () {
  it("masks userinfo and secret query values, and leaves the rest of the URL and the text alone", function () {
    expect(redactUrls(`error: could not reach ${BACKEND}: timeout`)).to.equal(
      "error: could not reach postgres://***@db.internal:5432/pulumi?sslmode=require&password=***: timeout",
    );
    expect(redactUrls("https://bucket.s3.amazonaws.com/k?X-Amz-Credential=AKIA%2F20261125&X-Amz-Signature=ab12&x-id=GetObject")).to.equal(
      "https://bucket.s3.amazonaws.com/k?X-Amz-Credential=***&X-Amz-Signature=***&x-id=GetObject",
    );
    expect(redactUrls("azblob://state?account=acme&sig=Zm9v&se=2026-12-01")).to.equal("azblob://state?account=acme&sig=***&se=***");
    for (const plain of [
      "file:///home/alice/trail-lab/.pulumi-state",
      "s3://my-state?region=eu-west-1",
      "https://api.pulumi.com",
      "an email alice@example.com stays",
    ]) {
      expect(redactUrls(plain)).to.equal(plain);
    }
  });

  it("keeps a backend's credentials out of the lab's stderr and of the engine's error messages", function () {
    const err: string[] = [];
    const deps = realDeps({
      stdout: () => undefined,
      stderr: (t) => err.push(t),
      env: {},
      signals: new EventEmitter(),
      projectDir: "/tmp/none",
    });
    deps.log(`Logged into ${BACKEND}`);
    expect(err.join("")).to.equal("Logged into postgres://***@db.internal:5432/pulumi?sslmode=require&password=***\n");
    for (const error of [
      new EngineError("stack ls", `error: failed to log in to ${BACKEND}`),
      new UpFailedError("trail", `error: ${BACKEND} refused`),
    ]) {
      expect(error.message).to.contain("postgres://***@db.internal");
      expect(error.message).to.not.contain("s3cr3t");
      expect(error.message).to.not.contain("hunter2");
      // The raw output stays for matching (BucketNotEmpty, lock texts); only what is shown is masked.
      expect(error.output).to.contain("s3cr3t");
    }
  });
});
