// The data events' canary write and read (automation/aws/canary-object.ts) through the real S3
// client: against the project's S3 (s3rver) the bytes go in and come back; against a server that
// answers the read with other bytes, or too many, the lab says so by name; a missing bucket names
// the call and the permission; an aborted run stops without wrapping the abort.
import { expect } from "chai";
import { createHash } from "node:crypto";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { createLabClients, destroyLabClients, type LabClients } from "../../../automation/aws/aws-clients";
import { CANARY_MAX_BYTES, CanaryObjectError, writeAndReadCanary } from "../../../automation/aws/canary-object";
import { ExitCode } from "../../../common/exit-codes";
import { DUMMY_CREDENTIALS, startS3Server, type LocalS3 } from "../../support/servers/s3-server";

const BODY = Buffer.from("trail-lab data-event canary of stack lab-test\n");
const now = () => Date.parse("2026-11-25T22:36:00Z");

describe("automation/aws/canary-object: the canary's PutObject and GetObject", function () {
  let s3: LocalS3;
  let clients: LabClients;
  const signal = new AbortController().signal;
  before(async function () {
    s3 = await startS3Server();
    await s3.createBucket("data-canary-bucket-1");
    clients = createLabClients({ region: "us-east-1", endpoint: s3.endpoint, credentials: DUMMY_CREDENTIALS, maxAttempts: 1 });
  });
  after(async function () {
    destroyLabClients(clients);
    await s3.close();
  });

  it("writes the object, reads the same bytes back, and says what S3 answered", async function () {
    const object = await writeAndReadCanary(
      clients.s3,
      { bucket: "data-canary-bucket-1", key: "trail-lab/lab-test.txt", body: BODY, signal },
      now,
    );
    expect(object).to.deep.include({
      bucket: "data-canary-bucket-1",
      key: "trail-lab/lab-test.txt",
      bytes: BODY.length,
      sha256: createHash("sha256").update(BODY).digest("hex"),
      writtenAt: "2026-11-25T22:36:00.000Z",
      readAt: "2026-11-25T22:36:00.000Z",
    });
    expect(object.etag).to.be.a("string");
    const calls = s3.requests.filter((r) => r.key === "trail-lab/lab-test.txt").map((r) => r.method);
    expect(calls).to.deep.equal(["PUT", "GET"]);
  });

  it("a bucket that is not there: CanaryObjectError naming s3:PutObject, the permission and the command, exit 3", async function () {
    const error = await writeAndReadCanary(clients.s3, { bucket: "data-canary-gone", key: "k.txt", body: BODY, signal }, now).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).to.be.instanceOf(CanaryObjectError);
    expect((error as CanaryObjectError).exitCode).to.equal(ExitCode.AwsError);
    expect((error as Error).message)
      .to.contain("Could not write the data events' canary object s3://data-canary-gone/k.txt (s3:PutObject): NoSuchBucket")
      .and.contain("docs/iam.md")
      .and.contain("aws s3api put-object --bucket data-canary-gone --key k.txt");
  });

  it("an aborted run stops the write with the abort itself", async function () {
    const stop = new AbortController();
    stop.abort();
    const error = await writeAndReadCanary(
      clients.s3,
      { bucket: "data-canary-bucket-1", key: "k.txt", body: BODY, signal: stop.signal },
      now,
    ).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).to.not.equal(null).and.not.be.instanceOf(CanaryObjectError);
  });

  describe("a read that is not the object written", function () {
    let server: http.Server;
    let answer: Buffer;
    let other: LabClients;
    before(async function () {
      server = http.createServer((req, res) => {
        req.resume();
        if (req.method === "PUT") {
          res.writeHead(200, { ETag: '"0a1b"' });
          res.end();
        } else {
          res.writeHead(200, { "content-type": "text/plain", "content-length": String(answer.length) });
          res.end(answer);
        }
      });
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      other = createLabClients({ region: "us-east-1", endpoint, credentials: DUMMY_CREDENTIALS, maxAttempts: 1 });
    });
    after(async function () {
      destroyLabClients(other);
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });

    it("other bytes: refused by name", async function () {
      answer = Buffer.from("not the canary");
      const error = await writeAndReadCanary(other.s3, { bucket: "b-1", key: "k.txt", body: BODY, signal }, now).catch((e: Error) => e);
      expect(error).to.be.instanceOf(CanaryObjectError);
      expect((error as Error).message).to.contain(`(s3:GetObject): it returned 14 bytes other than the ${BODY.length} written`);
    });

    it("more than the canary can be: stopped at the cap", async function () {
      answer = Buffer.alloc(CANARY_MAX_BYTES + 100, 0x61);
      const error = await writeAndReadCanary(other.s3, { bucket: "b-1", key: "k.txt", body: BODY, signal }, now).catch((e: Error) => e);
      expect((error as Error).message).to.contain(`the body is longer than ${CANARY_MAX_BYTES} bytes`);
    });
  });
});
