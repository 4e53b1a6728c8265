// An answer whose body runs past its Content-Length on a kept-alive connection (issue #20, item 8),
// against an S3 on raw sockets: its extra bytes break whichever request uses the connection next.
// That request is a dropped connection, read again, and the object at fault is the one named. And
// objects that are gzip but not CloudTrail JSON (an HTML page, a log gzipped twice) are skipped, named.
import { gzipSync } from "node:zlib";
import { expect } from "chai";
import { LogScanner, compileCriteria, AwsCallError } from "../../../../verify";
import { READ_ATTEMPTS } from "../../../../verify/pacing/retry";
import type { Clock } from "../../../../verify/pacing/clock";
import { FixtureFactory, logFile } from "../../../support/fixtures/cloudtrail-fixtures";
import { startRawS3, type RawS3 } from "../../../support/servers/raw-s3";
import { s3ClientFor } from "../../../support/servers/s3-server";
import { rejection } from "../../../support/rejection";

/** Retries wait on nothing here: their bounds are tested, not their backoff. */
const noWait: Clock = { now: () => Date.now(), sleep: () => Promise.resolve() };

describe("verify: the scan against an answer longer than its Content-Length (#20 item 8)", () => {
  let raw: RawS3;
  const bucket = "audit-logs-overrun";
  const f = new FixtureFactory("210987654321", 808);
  // A fixed midday: a window that crossed midnight would list two day folders side by side, and
  // the object read after the culprit on its connection would depend on the hour the test ran.
  const now = new Date("2026-11-18T12:00:00Z");
  const since = new Date(now.getTime() - 2 * 3_600_000);
  const instance = f.instanceId();
  const keys: string[] = [];
  let html: string;
  let twice: string;

  before(async () => {
    raw = await startRawS3();
    for (let i = 0; i < 6; i++) {
      const at = new Date(since.getTime() + (i + 1) * 10 * 60_000);
      const records = f.noiseRecords("us-east-1", at, 20);
      if (i === 4) records.push(f.runInstances("us-east-1", at, instance));
      const key = f.logKey("us-east-1", at);
      keys.push(key);
      raw.objects.set(key, logFile(records));
    }
    // Gzip, and log files by their names, but not CloudTrail JSON; each mentions the event and the instance.
    html = f.logKey("us-east-1", new Date(since.getTime() + 75 * 60_000));
    raw.objects.set(html, gzipSync(`<html><body><h1>Service Unavailable</h1>"RunInstances" ${instance}</body></html>`));
    twice = f.logKey("us-east-1", new Date(since.getTime() + 76 * 60_000));
    raw.objects.set(twice, gzipSync(logFile([f.runInstances("us-east-1", now, instance)])));
  });
  after(() => raw.close());
  beforeEach(() => {
    raw.misbehave.clear();
    raw.gets.length = 0;
  });

  /** One request at a time: each answer's connection is the next request's. */
  function scanner(lines: string[]) {
    return new LogScanner({
      s3: s3ClientFor(raw.endpoint),
      bucket,
      trailPrefix: null,
      account: f.account,
      regions: ["us-east-1"],
      from: since,
      criteria: compileCriteria({ eventName: "RunInstances", resource: instance, since }),
      concurrency: 1,
      decodeWorkers: 0,
      clock: noWait,
      onRetry: (line) => lines.push(line),
    });
  }

  it("reads the next object again on a new connection, names the object whose answer ran over, and finds the event", async () => {
    const [, , culprit, next] = keys;
    raw.misbehave.set(culprit, { kind: "overrun", extra: Buffer.from("<html>trailing junk</html>"), at: "next-request", times: 1 });
    const lines: string[] = [];
    const scan = scanner(lines);
    await scan.scanRound(now).finally(() => scan.close());

    expect(scan.objectsScanned).to.equal(keys.length + 2);
    expect([...scan.matches.values()].map((m) => m.key)).to.deep.equal([keys[4]]);
    const nextGets = raw.gets.filter((g) => g.key === next);
    const culpritGet = raw.gets.find((g) => g.key === culprit)!;
    expect(nextGets, "read again once").to.have.length(2);
    expect(nextGets[0].connection, "first on the culprit's connection").to.equal(culpritGet.connection);
    expect(nextGets[1].connection, "then on a new one").to.not.equal(culpritGet.connection);
    const said =
      `GetObject s3://${bucket}/${next}: connection dropped (the answer to s3://${bucket}/${culprit}, before this request on the same ` +
      "kept-alive connection, ran past its Content-Length: its extra bytes reached this request (HPE_INVALID_CONSTANT)), try 1; reading it again in ";
    expect(lines).to.have.length(1);
    expect(lines[0].slice(0, said.length)).to.equal(said);
  });

  it("an answer that runs over within its own bytes is read again, and one that always does stops the scan naming it", async () => {
    const culprit = keys[1];
    raw.misbehave.set(culprit, { kind: "overrun", extra: Buffer.from("XX"), at: "same-write", times: 1 });
    const once = scanner([]);
    await once.scanRound(now).finally(() => once.close());
    expect(once.objectsScanned).to.equal(keys.length + 2);
    expect(raw.gets.filter((g) => g.key === culprit)).to.have.length(2);

    raw.gets.length = 0;
    raw.misbehave.set(culprit, { kind: "overrun", extra: Buffer.from("XX"), at: "same-write" });
    const always = scanner([]);
    const err = await rejection(always.scanRound(now).finally(() => always.close()));
    expect(err).to.be.instanceOf(AwsCallError);
    expect(err.message).to.include(`s3://${bucket}/${culprit}`).and.include("HPE_");
    expect(raw.gets.filter((g) => g.key === culprit)).to.have.length(READ_ATTEMPTS);
  });

  it("lists a gzip that is not CloudTrail JSON in skipped, with why: an HTML page, a log gzipped twice", async () => {
    const scan = scanner([]);
    await scan.scanRound(now).finally(() => scan.close());
    const reasons = new Map(scan.skipped.map((s) => [s.key, s.reason]));
    expect(reasons.get(html)).to.match(/^not CloudTrail JSON: it starts with "<html><body><h1>Service /);
    expect(reasons.get(twice)).to.equal("not CloudTrail JSON: it is gzip again (compressed twice)");
    expect(scan.skipped).to.have.length(2);
  });
});
