// The integrity row's pieces that run without the AWS CLI: the in-memory S3 answering as
// `aws cloudtrail validate-logs` asks (ListObjects V1 with markers, GetBucketLocation, a digest's
// signature in x-amz-meta-signature, loaded from the world's metadata.json in its own process),
// and the row's targets judged and printed, measured or skipped.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { GetBucketLocationCommand, GetObjectCommand, ListObjectsCommand } from "@aws-sdk/client-s3";
import { expect } from "chai";
import { integrityTargets, renderIntegrity, type CommandRun, type IntegrityResults, type IntegrityRow } from "../../bench/integrity";
import { startMemoryS3 } from "../support/servers/memory-s3";
import { startMemoryS3Process } from "../support/servers/memory-s3-process";
import { s3ClientFor } from "../support/servers/s3-server";

const DIGEST =
  "AWSLogs/123456789012/CloudTrail-Digest/eu-west-1/2025/03/01/123456789012_CloudTrail-Digest_eu-west-1_t_us-east-1_20250301T010007Z.json.gz";
const LOGS = ["a", "b", "c"].map(
  (id) => `AWSLogs/123456789012/CloudTrail/eu-west-1/2025/03/01/123456789012_CloudTrail_eu-west-1_20250301T0005Z_${id}.json.gz`,
);

describe("bench: the integrity row", () => {
  it("the in-memory S3 lists with ListObjects V1 markers, says where the bucket is, and answers a digest's signature as user metadata", async () => {
    const s3 = await startMemoryS3();
    const client = s3ClientFor(s3.endpoint);
    try {
      s3.createBucket("logs");
      s3.createBucket("abroad", "eu-west-1");
      for (const key of LOGS) s3.put("logs", key, Buffer.from(key));
      s3.put("logs", DIGEST, Buffer.from("digest"), { signature: "ab12", "signature-algorithm": "SHA256withRSA" });
      const first = await client.send(new ListObjectsCommand({ Bucket: "logs", Prefix: "AWSLogs/123456789012/CloudTrail/", MaxKeys: 2 }));
      expect(first.Contents?.map((c) => c.Key)).to.deep.equal(LOGS.slice(0, 2));
      expect(first).to.include({ IsTruncated: true, NextMarker: LOGS[1] });
      const rest = await client.send(
        new ListObjectsCommand({ Bucket: "logs", Prefix: "AWSLogs/123456789012/CloudTrail/", Marker: first.NextMarker }),
      );
      expect(rest.Contents?.map((c) => c.Key)).to.deep.equal(LOGS.slice(2));
      expect(rest.IsTruncated).to.equal(false);
      // Asked with a request signed for us-east-1, as a client asks before it knows better; us-east-1 is an empty constraint.
      expect((await client.send(new GetBucketLocationCommand({ Bucket: "abroad" }))).LocationConstraint).to.equal("eu-west-1");
      expect((await client.send(new GetBucketLocationCommand({ Bucket: "logs" }))).LocationConstraint).to.equal(undefined);
      const digest = await client.send(new GetObjectCommand({ Bucket: "logs", Key: DIGEST }));
      await digest.Body?.transformToByteArray();
      expect(digest.Metadata).to.deep.equal({ signature: "ab12", "signature-algorithm": "SHA256withRSA" });
      const log = await client.send(new GetObjectCommand({ Bucket: "logs", Key: LOGS[0] }));
      await log.Body?.transformToByteArray();
      expect(log.Metadata).to.deep.equal({});
      // Put again without metadata: the old signature does not linger.
      s3.put("logs", DIGEST, Buffer.from("digest"));
      const again = await client.send(new GetObjectCommand({ Bucket: "logs", Key: DIGEST }));
      await again.Body?.transformToByteArray();
      expect(again.Metadata).to.deep.equal({});
    } finally {
      client.destroy();
      await s3.close();
    }
  });

  it("the in-memory S3 in its own process loads each digest's signature from the world's metadata file", async () => {
    const root = mkdtempSync(join(tmpdir(), "trail-lab-integrity-world-"));
    try {
      for (const key of [DIGEST, LOGS[0]]) {
        mkdirSync(dirname(join(root, key)), { recursive: true });
        writeFileSync(join(root, key), key);
      }
      writeFileSync(join(root, "metadata.json"), JSON.stringify({ [DIGEST]: { signature: "cd34" } }));
      const server = await startMemoryS3Process({ buckets: [{ name: "world", root, metadata: join(root, "metadata.json") }] });
      const client = s3ClientFor(server.endpoint);
      try {
        expect(server.objects).to.equal(2);
        const digest = await client.send(new GetObjectCommand({ Bucket: "world", Key: DIGEST }));
        expect(await digest.Body?.transformToString()).to.equal(DIGEST);
        expect(digest.Metadata).to.deep.equal({ signature: "cd34" });
      } finally {
        client.destroy();
        await server.close();
      }
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  const run = (wallMs: number, cpuMs: number, maxRssMB: number): CommandRun => ({ wallMs, cpuMs, maxRssMB });
  const measured = (ours: { none: CommandRun; slow: CommandRun }, cli: { none: CommandRun; slow: CommandRun }): IntegrityRow => {
    const results: IntegrityResults = {
      world: { regions: 2, hours: 48, logs: 1152, digests: 96, gzBytes: 57e6, bytes: 450e6 },
      latencyMs: 30,
      awsCli: { version: "aws-cli/1.46.2", runs: 2, noLatency: cli.none, atLatency: cli.slow },
      trailLab: {
        command: "trail-lab verify --integrity",
        noLatency: ours.none,
        atLatency: ours.slow,
        checkAlone: { ...run(4000, 3000, 120), startupCpuMs: 1500, rssBeforeCheckMB: 90 },
      },
    };
    return { measured: results, skipped: null };
  };

  it("judges each target as a ratio within the run (speed at +30 ms, CPU, wall, peak RSS) and prints the missed ones as MISSED", () => {
    const cli = { none: run(20_000, 9_000, 64), slow: run(80_000, 10_000, 64) };
    const good = integrityTargets(measured({ none: run(9_000, 8_000, 140), slow: run(7_000, 8_500, 145) }, cli));
    expect(good.map((t) => [t.value, t.met])).to.deep.equal([
      [11.429, true],
      [0.889, true],
      [0.45, true],
      [140, true],
    ]);
    const bad = integrityTargets(measured({ none: run(11_000, 9_500, 151), slow: run(9_000, 9_000, 160) }, cli));
    expect(bad.map((t) => t.met)).to.deep.equal([false, false, false, false]);
    const row = measured({ none: run(11_000, 9_500, 151), slow: run(9_000, 9_000, 160) }, cli);
    const lines = renderIntegrity(row).join("\n");
    expect(lines).to.include("aws cloudtrail validate-logs (aws-cli/1.46.2, 2 runs)");
    expect(lines).to.include("8.9x faster than the CLI");
    expect(lines).to.include("start-up cost 1.50 s CPU");
  });

  it("without the AWS CLI the row is skipped with how to install it, and its targets are not measured (neither met nor missed)", () => {
    const row: IntegrityRow = { measured: null, skipped: "the AWS CLI is not installed (no aws in the cache)" };
    expect(renderIntegrity(row).join("\n")).to.include(
      "skipped, the AWS CLI is not installed (no aws in the cache); install it with: bash .ci/awscli.sh",
    );
    const targets = integrityTargets(row);
    expect(targets).to.have.length(4);
    expect(targets.every((t) => t.value === null && t.met === null)).to.equal(true);
  });
});
