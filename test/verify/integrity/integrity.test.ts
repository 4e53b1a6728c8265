// validateIntegrity against a real local S3 (s3rver) holding digests signed as CloudTrail signs
// them, and local CloudTrail servers (one per region) serving the public keys.
import { DeleteObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { expect } from "chai";
import { gzipSync } from "node:zlib";
import type { S3Client } from "@aws-sdk/client-s3";
import {
  AwsCallError,
  ExitCode,
  integritySummary,
  sha256Hex,
  stringToSign,
  type IntegrityOptions,
  type IntegrityResult,
} from "../../../verify";
import { jsonError } from "../../support/servers/aws-query-json-server";
import { FixtureFactory } from "../../support/fixtures/cloudtrail-fixtures";
import { trailArn, type LocalCloudTrail } from "../../support/servers/cloudtrail-server";
import { SINCE, T0, UNTIL, type IntegrityWorld, type WorldShape } from "../../support/worlds/integrity-world";
import { startIntegrityServers, type IntegrityServers } from "../../support/worlds/integrity-servers";
import { listBucketResult, startFaultyS3, type FaultyS3 } from "../../support/servers/faulty-s3";
import { s3ClientFor, type LocalS3 } from "../../support/servers/s3-server";
import { newSigningKey, putObjects, type SigningKey, type StoredObject } from "../../support/fixtures/signed-digests";

describe("verify: log file integrity (validateIntegrity)", () => {
  let servers: IntegrityServers;
  let s3: LocalS3;
  let east: LocalCloudTrail;
  let west: LocalCloudTrail;
  let stranger: SigningKey;
  let regionalClients: string[];

  before(async () => {
    servers = await startIntegrityServers();
    ({ s3, east, west, regionalClients } = servers);
    stranger = newSigningKey();
  });
  after(() => servers.close());
  beforeEach(() => servers.reset());

  const world = (shape?: WorldShape) => servers.world(shape);
  const check = (w: IntegrityWorld, extra: Partial<IntegrityOptions> = {}): Promise<IntegrityResult> => servers.check(w, extra);

  const failureKeys = (r: IntegrityResult) => r.failures.map((f) => ({ kind: f.kind, key: f.key }));
  const logsOf = (digest: { content: Record<string, unknown> }) =>
    (digest.content.logFiles as { s3Object: string }[]).map((l) => l.s3Object);

  /**
   * CloudTrail delivering digests while validateIntegrity waits. Every waiting round reports
   * progress; at each report the next batch is put once its `when` holds, after the batch before
   * it is stored. The wait goes on polling meanwhile, as it would against AWS.
   */
  const delivery = (batches: { when: () => boolean; digests: StoredObject[] }[]) => {
    let next = 0;
    let stored = Promise.resolve();
    return {
      round: () => {
        if (next < batches.length && batches[next].when()) {
          const { digests } = batches[next++];
          stored = stored.then(() => putObjects(s3, digests));
        }
      },
      delivered: () => next,
      done: () => stored,
    };
  };

  it("builds the documented string to sign", () => {
    expect(stringToSign("a", "b", "c", sha256Hex(Buffer.from("abc")), null)).to.equal(
      "a\nb/c\nba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\nnull",
    );
    expect(stringToSign("a", "b", "c", sha256Hex(Buffer.from("abc")), "ff00")).to.match(/\nff00$/);
  });

  it("validates a chain of digests in two regions, each with its region's key, and every log they list", async () => {
    const w = await world();
    const result = await check(w);

    expect(result).to.deep.include({
      valid: true,
      trail: { name: w.trail.name, arn: trailArn(w.trail), bucket: w.bucket, prefix: "lab" },
      range: { since: SINCE.toISOString(), until: UNTIL.toISOString() },
      covered: { from: T0.toISOString(), to: new Date(T0.getTime() + 3 * 3_600_000).toISOString() },
      regions: ["eu-west-1", "us-east-1"],
      digests: { valid: 5, total: 5 },
      logs: { valid: 10, total: 10 },
      failures: [],
      gaps: [],
      reason: null,
    });
    // One ListPublicKeys per region, over the range, through one client per region.
    expect(east.callsOf("ListPublicKeys")).to.have.length(1);
    expect(west.callsOf("ListPublicKeys")).to.have.length(1);
    expect(regionalClients).to.deep.equal(["eu-west-1"]);
    const { StartTime, EndTime } = east.callsOf("ListPublicKeys")[0].input as { StartTime: number; EndTime: number };
    expect(StartTime * 1000).to.be.at.most(SINCE.getTime());
    expect(EndTime * 1000).to.be.at.least(UNTIL.getTime());
    // Each listed log read once; the digest before the range never read.
    const gets = s3.getCounts(w.bucket);
    for (const digest of [...w.east, ...w.west]) {
      for (const log of digest.content.logFiles as { s3Object: string }[]) expect(gets.get(log.s3Object), log.s3Object).to.equal(1);
    }
    expect(gets.has(w.before.key)).to.equal(false);
    expect([...gets.values()].every((n) => n === 1)).to.equal(true);
  });

  it("finds an organization trail's digests under the o- segment", async () => {
    const w = await world({ orgId: "o-a1b2c3d4e5" });
    expect(w.east[0].key).to.include("/AWSLogs/o-a1b2c3d4e5/123456789012/CloudTrail-Digest/us-east-1/");
    const result = await check(w);
    expect(result).to.deep.include({ valid: true, digests: { valid: 5, total: 5 }, logs: { valid: 10, total: 10 } });
  });

  it("reports an edited log: same key, other content", async () => {
    const w = await world();
    const edited = w.logs.find((l) => l.key === (w.east[1].content.logFiles as { s3Object: string }[])[1].s3Object)!;
    const f = new FixtureFactory("123456789012", 9);
    await s3.client.send(
      new PutObjectCommand({
        Bucket: w.bucket,
        Key: edited.key,
        Body: gzipSync(JSON.stringify({ Records: f.noiseRecords("us-east-1", T0, 12) })),
      }),
    );
    const result = await check(w);
    expect(result.valid).to.equal(false);
    expect(result.logs).to.deep.equal({ valid: 9, total: 10 });
    expect(result.digests).to.deep.equal({ valid: 5, total: 5 });
    expect(result.failures).to.deep.equal([
      { kind: "log", bucket: w.bucket, key: edited.key, reason: "hash value doesn't match", listedIn: w.east[1].key },
    ]);
  });

  it("reports a deleted log as not found, and a log that is not gzip as unreadable", async () => {
    const w = await world();
    await s3.client.send(new DeleteObjectCommand({ Bucket: w.bucket, Key: w.logs[2].key }));
    await s3.client.send(new PutObjectCommand({ Bucket: w.bucket, Key: w.logs[5].key, Body: "plain text" }));
    const result = await check(w);
    expect(result.valid).to.equal(false);
    expect(result.logs).to.deep.equal({ valid: 8, total: 10 });
    const byKey = new Map(result.failures.map((f) => [f.key, f.reason]));
    expect(byKey.get(w.logs[2].key)).to.equal("not found");
    expect(byKey.get(w.logs[5].key)).to.match(/^corrupt gzip/);
    expect(result.failures).to.have.length(2);
  });

  it("reports an edited digest: its signature fails and its logs are not trusted", async () => {
    const w = await world();
    const digest = w.east[1];
    const content = { ...digest.content, logFiles: [] };
    await s3.client.send(
      new PutObjectCommand({ Bucket: w.bucket, Key: digest.key, Body: gzipSync(JSON.stringify(content)), Metadata: digest.metadata }),
    );
    const result = await check(w);
    expect(result.valid).to.equal(false);
    expect(result.digests).to.deep.equal({ valid: 4, total: 5 });
    expect(result.logs).to.deep.equal({ valid: 8, total: 8 });
    expect(result.failures).to.deep.equal([
      { kind: "digest", bucket: w.bucket, key: digest.key, reason: "signature verification failed", listedIn: null },
    ]);
  });

  it("reports a moved digest, and the hole it leaves in the chain", async () => {
    const w = await world();
    const digest = w.east[1];
    const movedKey = digest.key.replace(/(\d{8}T\d{4})\d\dZ/, "$159Z");
    await s3.client.send(new PutObjectCommand({ Bucket: w.bucket, Key: movedKey, Body: digest.body, Metadata: digest.metadata }));
    await s3.client.send(new DeleteObjectCommand({ Bucket: w.bucket, Key: digest.key }));
    const result = await check(w);
    expect(result.valid).to.equal(false);
    expect(result.failures).to.deep.include({
      kind: "digest",
      bucket: w.bucket,
      key: movedKey,
      reason: `has been moved from its original location s3://${w.bucket}/${digest.key}; its 2 log file(s) were not checked`,
      listedIn: null,
    });
    expect(result.failures).to.deep.include({
      kind: "digest",
      bucket: w.bucket,
      key: digest.key,
      reason: "not found",
      listedIn: w.east[2].key,
    });
    expect(result.digests).to.deep.equal({ valid: 4, total: 6 });
    expect(result.gaps.map((g) => g.reason)).to.deep.equal([`the previous digest s3://${w.bucket}/${digest.key} is missing`]);
  });

  it("reports a broken chain: a digest whose previousDigestSignature is not its predecessor's", async () => {
    const w = await world({ digest: (i) => (i === 2 ? { previousSignature: "ab".repeat(256) } : {}) });
    const result = await check(w);
    expect(result.valid).to.equal(false);
    expect(failureKeys(result)).to.deep.equal([{ kind: "digest", key: w.east[2].key }]);
    expect(result.failures[0].reason).to.match(/^chain broken: .*previousDigestSignature.*; its 2 log file\(s\) were not checked$/);
    expect(result.gaps).to.have.length(1);
    expect(result.gaps[0]).to.include({
      region: "us-east-1",
      from: w.east[1].content.digestEndTime,
      to: w.east[2].content.digestStartTime,
    });
  });

  it("reports a digest whose chain names its predecessor in another bucket as not found there", async () => {
    const w = await world({ digest: (i) => (i === 2 ? { previousBucket: "audit-logs-before-the-move" } : {}) });
    const result = await check(w);
    expect(result.valid).to.equal(false);
    expect(result.failures).to.deep.equal([
      { kind: "digest", bucket: "audit-logs-before-the-move", key: w.east[1].key, reason: "not found", listedIn: w.east[2].key },
    ]);
    expect(result.gaps.map((g) => g.reason)).to.deep.equal([
      `the previous digest s3://audit-logs-before-the-move/${w.east[1].key} is missing`,
    ]);
  });

  it("reports a deleted digest as not found where the chain says, not as a broken signature link", async () => {
    const w = await world();
    await s3.client.send(new DeleteObjectCommand({ Bucket: w.bucket, Key: w.east[1].key }));
    const result = await check(w);
    expect(result.valid).to.equal(false);
    // The digest after the hole is compared with the one before it only by where its chain points.
    expect(result.failures).to.deep.equal([
      { kind: "digest", bucket: w.bucket, key: w.east[1].key, reason: "not found", listedIn: w.east[2].key },
    ]);
    expect(result.digests).to.deep.equal({ valid: 4, total: 5 });
    expect(result.gaps).to.have.length(1);
    expect(result.gaps[0]).to.include({
      region: "us-east-1",
      from: w.east[0].content.digestEndTime,
      to: w.east[2].content.digestStartTime,
    });
  });

  it("reports a digest signed with a key its region does not list", async () => {
    const w = await world({ digest: (i) => (i === 0 ? { key: stranger } : {}) });
    const result = await check(w);
    expect(result.valid).to.equal(false);
    expect(result.failures).to.deep.equal([
      {
        kind: "digest",
        bucket: w.bucket,
        key: w.east[0].key,
        reason: `public key not found in region us-east-1 for fingerprint ${stranger.fingerprint}; its 2 log file(s) were not checked`,
        listedIn: null,
      },
    ]);
  });

  it("accepts a chain that restarts (logging was off) but reports the gap", async () => {
    const w = await world({ digest: (i) => (i === 1 ? { restart: true } : {}) });
    const result = await check(w);
    expect(result.valid).to.equal(true);
    expect(result.gaps).to.have.length(1);
    expect(result.gaps[0].reason).to.match(/chain restarts at .*names no previous digest/);
  });

  it("is not valid when no digest covers the range", async () => {
    const w = await world();
    const result = await check(w, { since: new Date("2025-02-10T00:00:00Z"), until: new Date("2025-02-10T06:00:00Z") });
    expect(result).to.deep.include({
      valid: false,
      reason: "no digest in range",
      covered: null,
      digests: { valid: 0, total: 0 },
      logs: { valid: 0, total: 0 },
      failures: [],
    });
  });

  it("waits for a digest that lists a given log, then checks up to it", async () => {
    const w = await world();
    const progress: string[] = [];
    const logKey = (w.east[1].content.logFiles as { s3Object: string }[])[0].s3Object;
    const result = await check(w, { waitForLogKey: logKey, waitTimeoutMs: 0, onProgress: (l) => progress.push(l) });
    expect(result.valid).to.equal(true);
    expect(result.covered?.to).to.equal(new Date(w.east[1].content.digestEndTime as string).toISOString());
    expect(progress.join("\n")).to.include(`digest s3://${w.bucket}/${w.east[1].key} lists the log file`);

    const missing = await check(w, { waitForLogKey: "lab/AWSLogs/nothing.json.gz", waitTimeoutMs: 0 });
    expect(missing.valid).to.equal(false);
    expect(missing.reason).to.match(/^no digest in range: no digest listed lab\/AWSLogs\/nothing.json.gz by the deadline$/);
  });

  it("waits for a new trail's first digest: no digest folder when the wait starts, one during it", async () => {
    const w = await world({ digestsLater: true });
    const arrivals = delivery([{ when: () => true, digests: [w.before, ...w.east, w.after] }]);
    const result = await check(w, {
      waitForLogKey: logsOf(w.east[1])[0],
      waitTimeoutMs: 10_000,
      waitIntervalMs: 1,
      onProgress: arrivals.round,
    });
    await arrivals.done();

    expect(arrivals.delivered()).to.equal(1);
    // Checked up to the digest that lists the log: it and its predecessor.
    expect(result).to.deep.include({
      valid: true,
      reason: null,
      regions: ["us-east-1"],
      digests: { valid: 2, total: 2 },
      logs: { valid: 4, total: 4 },
      failures: [],
    });
    expect(result.range.until).to.equal(new Date(w.east[1].content.digestStartTime as string).toISOString());
    expect(result.covered?.to).to.equal(new Date(w.east[1].content.digestEndTime as string).toISOString());
  });

  it("keeps looking for regions while waiting: another region's digests arrive first, the log's region's later", async () => {
    const w = await world({ digestsLater: true });
    const arrivals = delivery([
      { when: () => true, digests: w.west },
      // Only once a waiting round has found and read eu-west-1's digests does us-east-1's arrive.
      { when: () => s3.getCounts(w.bucket).has(w.west[0].key), digests: [w.before, ...w.east, w.after] },
    ]);
    const result = await check(w, {
      waitForLogKey: logsOf(w.east[1])[0],
      waitTimeoutMs: 10_000,
      waitIntervalMs: 1,
      onProgress: arrivals.round,
    });
    await arrivals.done();

    expect(arrivals.delivered()).to.equal(2);
    // us-east-1's two digests up to the one listing the log, and eu-west-1's that overlaps them.
    expect(result).to.deep.include({
      valid: true,
      reason: null,
      regions: ["eu-west-1", "us-east-1"],
      digests: { valid: 3, total: 3 },
      logs: { valid: 6, total: 6 },
      failures: [],
    });
    expect(east.callsOf("ListPublicKeys")).to.have.length(1);
    expect(west.callsOf("ListPublicKeys")).to.have.length(1);
  });

  describe("a region that refuses ListPublicKeys (an SCP denying regions not in use)", () => {
    const refuse = () =>
      jsonError(
        "AccessDeniedException",
        "User: arn:aws:sts::123456789012:assumed-role/lab-operator/lab is not authorized to perform: cloudtrail:ListPublicKeys with an explicit deny in a service control policy",
      );
    let listPublicKeys: (typeof west.handlers)[string];
    beforeEach(() => (listPublicKeys = west.handlers.ListPublicKeys));
    afterEach(() => (west.handlers.ListPublicKeys = listPublicKeys));

    it("waiting for a log: its region's digests decide; the refusing region's digests are reported unchecked", async () => {
      const w = await world();
      west.handlers.ListPublicKeys = refuse;
      const result = await check(w, { waitForLogKey: logsOf(w.east[1])[0], waitTimeoutMs: 0 });
      expect(result).to.deep.include({ valid: true, reason: null, failures: [], regions: ["eu-west-1", "us-east-1"] });
      // us-east-1's two digests up to the awaited one are checked; eu-west-1's overlapping one is not.
      expect(result.digests).to.deep.equal({ valid: 2, total: 3 });
      expect(result.logs).to.deep.equal({ valid: 4, total: 4 });
      expect(result.unchecked).to.have.length(1);
      expect(result.unchecked[0]).to.include({ region: "eu-west-1", bucket: w.bucket, key: w.west[0].key });
      expect(result.unchecked[0].reason).to.match(
        /^its signature could not be checked: ListPublicKeys failed \(AccessDeniedException\): access denied on CloudTrail in eu-west-1\. Grant the caller cloudtrail:ListPublicKeys/,
      );
      expect(result.unchecked[0].reason).to.match(/; its 2 log file\(s\) were not checked$/);
    });

    it("waiting for a log whose own region refuses: an AWS error (exit 3)", async () => {
      const w = await world();
      const awaited = logsOf(w.west[0])[0];
      west.handlers.ListPublicKeys = refuse;
      const err = await check(w, { waitForLogKey: awaited, waitTimeoutMs: 0 }).catch((e: unknown) => e);
      expect(err).to.be.instanceOf(AwsCallError);
      expect((err as AwsCallError).exitCode).to.equal(ExitCode.AwsError);
      expect((err as AwsCallError).message).to.match(
        /^ListPublicKeys failed \(AccessDeniedException\): access denied on CloudTrail in eu-west-1/,
      );
    });

    it("checking a range: not valid, naming the region and the way out (--regions), the rest still checked", async () => {
      const w = await world();
      west.handlers.ListPublicKeys = refuse;
      const result = await check(w);
      expect(result.valid).to.equal(false);
      expect(result.failures).to.deep.equal([]);
      expect(result.digests).to.deep.equal({ valid: 3, total: 5 });
      expect(result.logs).to.deep.equal({ valid: 6, total: 6 });
      expect(result.unchecked.map((u) => u.key)).to.deep.equal(w.west.map((d) => d.key));
      expect(result.reason).to.equal(
        "2 digest(s) could not be checked: ListPublicKeys was refused in eu-west-1. Grant cloudtrail:ListPublicKeys there, or leave that region out with --regions.",
      );
      expect(integritySummary(result)).to.include(
        `Digest file s3://${w.bucket}/${w.west[0].key} NOT CHECKED: its signature could not be checked`,
      );
      // Left out, the region is no longer in the question.
      expect(await check(w, { regions: ["us-east-1"] })).to.deep.include({ valid: true, unchecked: [], reason: null });
    });
  });

  describe("through an S3 that drops connections or will not end a listing", () => {
    let proxy: FaultyS3;
    let viaProxy: S3Client;
    before(async () => {
      proxy = await startFaultyS3(s3.endpoint);
      viaProxy = s3ClientFor(proxy.endpoint, { maxAttempts: 1 });
    });
    after(async () => {
      viaProxy.destroy();
      await proxy.close();
    });
    beforeEach(() => {
      proxy.rule = () => null;
      proxy.requests.length = 0;
    });
    const checkViaProxy = (w: IntegrityWorld) =>
      check(w, {
        clients: {
          s3: viaProxy,
          cloudTrail: east.client(),
          cloudTrailIn: (region) => (region === "eu-west-1" ? west.client() : east.client()),
        },
      });

    it("a digest and a log whose connections reset mid-body once are read again, and the range is valid", async () => {
      const w = await world();
      const again = new Set([w.east[1].key, logsOf(w.east[2])[0]]);
      proxy.rule = (r) => (r.method === "GET" && again.delete(r.key) ? { kind: "reset", afterBytes: 64 } : null);
      const result = await checkViaProxy(w);
      expect(result).to.deep.include({ valid: true, failures: [], digests: { valid: 5, total: 5 }, logs: { valid: 10, total: 10 } });
      expect(proxy.getCounts().get(w.east[1].key)).to.equal(2);
      expect(proxy.getCounts().get(logsOf(w.east[2])[0])).to.equal(2);
    });

    it("a digest folder listing that repeats its token: ListingError for that folder", async () => {
      const w = await world();
      const folder = w.east[0].key.slice(0, w.east[0].key.lastIndexOf("/") + 1);
      proxy.rule = (r) =>
        r.query.get("list-type") === "2" && r.query.get("prefix") === folder
          ? listBucketResult(w.bucket, folder, {
              keys: [],
              isTruncated: true,
              token: r.query.get("continuation-token") ?? undefined,
              nextToken: "digest-page-2",
            })
          : null;
      const err = await checkViaProxy(w).catch((e: unknown) => e);
      expect((err as Error).name).to.equal("ListingError");
      expect(err).to.include({ bucket: w.bucket, prefix: folder, problem: "repeated-token" });
      expect(proxy.listsOf(folder)).to.have.length(2);
    });
  });

  it("searches the awaited log's region even when the regions asked for leave it out", async () => {
    const w = await world();
    const result = await check(w, { regions: ["eu-west-1"], waitForLogKey: logsOf(w.east[1])[0], waitTimeoutMs: 0 });
    expect(result).to.deep.include({
      valid: true,
      reason: null,
      regions: ["eu-west-1", "us-east-1"],
      digests: { valid: 3, total: 3 },
      logs: { valid: 6, total: 6 },
      failures: [],
    });
  });
});
