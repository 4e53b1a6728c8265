// validateIntegrity with moto as the trail's S3: the signed digest chains of integrity-world.ts
// put into moto's S3 (each signature in x-amz-meta-signature, read back from moto's GetObject),
// the digest folders listed and the logs read there. moto has no ListPublicKeys (README.md), and
// the check asks the trail's home region for both the trail and its keys through one client, so
// the project's own CloudTrail servers answer GetTrail and ListPublicKeys, one per region. The
// same objects in the project's own S3 must give the same result, digest for digest and log for log.
import { expect } from "chai";
import { gzipSync } from "node:zlib";
import { CreateBucketCommand, DeleteObjectCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { createAwsClients, validateIntegrity, type IntegrityResult } from "../../verify";
import { FixtureFactory } from "../support/fixtures/cloudtrail-fixtures";
import { startCloudTrailServer, type LocalCloudTrail } from "../support/servers/cloudtrail-server";
import { buildIntegrityWorld, SINCE, T0, UNTIL, type IntegrityWorld } from "../support/worlds/integrity-world";
import { describeMoto, useAwsEnvironment } from "./support/moto-suite";
import { motoClients } from "./support/moto-world";
import { startS3Server, type LocalS3 } from "../support/servers/s3-server";
import { listedKey, newSigningKey, putObjects, type SigningKey } from "../support/fixtures/signed-digests";

type Tamper = (s3: S3Client, w: IntegrityWorld) => Promise<void>;

describeMoto("moto: log file integrity (validateIntegrity)", (moto) => {
  let s3: LocalS3;
  let east: LocalCloudTrail;
  let west: LocalCloudTrail;
  let keys: { east: SigningKey; west: SigningKey };

  before(async () => {
    s3 = await startS3Server();
    east = await startCloudTrailServer({ region: "us-east-1" });
    west = await startCloudTrailServer({ region: "eu-west-1" });
    keys = { east: newSigningKey(), west: newSigningKey() };
    const validity = [new Date("2025-01-01T00:00:00Z"), new Date("2025-06-01T00:00:00Z")] as const;
    east.state.publicKeys.push(listedKey(keys.east, ...validity));
    west.state.publicKeys.push(listedKey(keys.west, ...validity));
  });
  after(async () => {
    await s3?.close();
    await east?.close();
    await west?.close();
  });
  beforeEach(() => moto.server.reset());

  const publicKeysIn = (region: string) => (region === "eu-west-1" ? west.client() : east.client());

  /**
   * The world in moto (objects in its S3, the trail in its CloudTrail) and the same objects in the
   * project's S3, tampered alike; then the check against each.
   */
  async function checkBoth(tamper?: Tamper): Promise<{ world: IntegrityWorld; inMoto: IntegrityResult; onProject: IntegrityResult }> {
    const own = motoClients(moto.server.endpoint, "us-east-1");
    let world: IntegrityWorld;
    try {
      world = await buildIntegrityWorld(
        { client: own.s3, createBucket: async (Bucket) => void (await own.s3.send(new CreateBucketCommand({ Bucket }))) },
        east,
        keys,
      );
      await s3.createBucket(world.bucket);
      await putObjects(s3, world.objects);
      if (tamper) {
        await tamper(own.s3, world);
        await tamper(s3.client, world);
      }
    } finally {
      own.destroy();
    }
    const options = { trail: world.trail.name, region: "us-east-1", since: SINCE, until: UNTIL };
    // verify's own S3 client, from the standard AWS environment pointed at moto.
    const restore = useAwsEnvironment(moto.env("us-east-1"));
    let inMoto: IntegrityResult;
    try {
      const { s3: motoS3 } = createAwsClients({ region: "us-east-1" });
      inMoto = await validateIntegrity({ ...options, clients: { s3: motoS3, cloudTrail: east.client(), cloudTrailIn: publicKeysIn } });
    } finally {
      restore();
    }
    const onProject = await validateIntegrity({
      ...options,
      clients: { s3: s3.client, cloudTrail: east.client(), cloudTrailIn: publicKeysIn },
    });
    return { world, inMoto, onProject };
  }

  it("validates both regions' chains and every log they list, as on the project's servers", async () => {
    const { world, inMoto, onProject } = await checkBoth();
    expect(inMoto).to.deep.include({
      valid: true,
      regions: ["eu-west-1", "us-east-1"],
      covered: { from: T0.toISOString(), to: new Date(T0.getTime() + 3 * 3_600_000).toISOString() },
      digests: { valid: 5, total: 5 },
      logs: { valid: 10, total: 10 },
      failures: [],
      gaps: [],
    });
    expect(inMoto.trail).to.include({ name: world.trail.name, bucket: world.bucket, prefix: "lab" });
    expect(inMoto).to.deep.equal(onProject);
  });

  it("an edited log, a deleted log and a deleted digest: the same failures, found the same way, as on the project's servers", async () => {
    const f = new FixtureFactory("123456789012", 31);
    const { world, inMoto, onProject } = await checkBoth(async (client, w) => {
      const edited = (w.east[2].content.logFiles as { s3Object: string }[])[1].s3Object;
      await client.send(
        new PutObjectCommand({
          Bucket: w.bucket,
          Key: edited,
          Body: gzipSync(JSON.stringify({ Records: f.noiseRecords("us-east-1", T0, 12) })),
        }),
      );
      await client.send(
        new DeleteObjectCommand({ Bucket: w.bucket, Key: (w.west[1].content.logFiles as { s3Object: string }[])[0].s3Object }),
      );
      await client.send(new DeleteObjectCommand({ Bucket: w.bucket, Key: w.east[1].key }));
    });
    expect(inMoto.valid).to.equal(false);
    const logsOf = (digest: { content: Record<string, unknown> }) =>
      (digest.content.logFiles as { s3Object: string }[]).map((l) => l.s3Object);
    expect(inMoto.failures.map((x) => [x.kind, x.key])).to.have.deep.members([
      ["log", logsOf(world.east[2])[1]],
      ["log", logsOf(world.west[1])[0]],
      ["digest", world.east[1].key],
    ]);
    expect(inMoto).to.deep.equal(onProject);
  });

  it("the range's oldest digest deleted, and another's stored signature replaced: each named alone, as on the project's servers", async () => {
    const { world, inMoto, onProject } = await checkBoth(async (client, w) => {
      await client.send(new DeleteObjectCommand({ Bucket: w.bucket, Key: w.east[0].key }));
      const forged = { ...w.west[0].metadata, signature: w.east[2].signature };
      await client.send(new PutObjectCommand({ Bucket: w.bucket, Key: w.west[0].key, Body: w.west[0].body, Metadata: forged }));
    });
    expect(inMoto.failures).to.deep.equal([
      { kind: "digest", bucket: world.bucket, key: world.east[0].key, reason: "not found", listedIn: world.east[1].key },
      {
        kind: "digest",
        bucket: world.bucket,
        key: world.west[0].key,
        reason: "signature verification failed; its 2 log file(s) were not checked",
        listedIn: null,
      },
    ]);
    // The successor of the forged digest is not blamed for it: its signature and logs are checked.
    expect(inMoto).to.deep.include({ valid: false, digests: { valid: 3, total: 5 }, logs: { valid: 6, total: 6 } });
    expect(inMoto).to.deep.equal(onProject);
  });
});
