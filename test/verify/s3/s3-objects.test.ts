// copyLogObject: the matched raw object kept byte for byte, against a real local S3.
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { AwsCallError, copyLogObject } from "../../../verify";
import { FixtureFactory, logFile } from "../../support/fixtures/cloudtrail-fixtures";
import { startS3Server, type LocalS3 } from "../../support/servers/s3-server";

describe("verify: copyLogObject", () => {
  let s3: LocalS3;
  let dir: string;
  before(async () => {
    s3 = await startS3Server();
    dir = mkdtempSync(join(tmpdir(), "trail-lab-copy-"));
  });
  after(async () => {
    await s3.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("saves the raw .json.gz byte for byte, with its size and the SHA-256 of the file as written, and names a missing object", async () => {
    const f = new FixtureFactory();
    const key = f.logKey("us-east-1", new Date());
    const body = logFile(f.noiseRecords("us-east-1", new Date(), 200));
    await s3.createBucket("evidence-src");
    await s3.put("evidence-src", [{ key, body }]);
    const file = join(dir, "matched.json.gz");
    const { bytes, sha256 } = await copyLogObject({ bucket: "evidence-src", key, file, client: s3.client });
    expect(bytes).to.equal(body.length);
    expect(readFileSync(file).equals(body)).to.equal(true);
    expect(sha256).to.equal(createHash("sha256").update(readFileSync(file)).digest("hex"));

    const err = await copyLogObject({ bucket: "evidence-src", key: `${key}.missing`, file: join(dir, "x"), client: s3.client }).catch(
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(AwsCallError);
    expect((err as AwsCallError).awsCode).to.equal("NoSuchKey");
  });
});
