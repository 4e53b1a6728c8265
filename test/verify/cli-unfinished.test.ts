// A verify run always ends with its result, or says it has none: never exit 0 with nothing on
// stdout (issue #20, item 1). The case the issue found, as a user runs it: 400 small log files,
// then one gzip of two members whose first is a large run of JSON whitespace and whose trailer
// gives only the last, tiny member's size (the event is in that member).
import { gzipSync } from "node:zlib";
import { join } from "node:path";
import { expect } from "chai";
import { FixtureFactory, logFile, type FixtureRecord } from "../support/fixtures/cloudtrail-fixtures";
import { startCloudTrailServer, type LocalCloudTrail } from "../support/servers/cloudtrail-server";
import { startMemoryS3, type MemoryS3 } from "../support/servers/memory-s3";
import { runVerifyCli } from "../support/processes/verify-cli";
import { closeServers } from "../support/worlds/local-trail-world";
import { ExitCode } from "../../common/exit-codes";
import { unfinishedMessage } from "../../common/unfinished";

/** As many as the case: past POOL_AFTER_OBJECTS (200), so that the decode workers are loading when the large object comes. */
const SMALL_OBJECTS = 400;
/**
 * The whitespace member, in MB. On the old code the result was lost when the I/O thread was still
 * decoding this object once the workers had loaded: their "ready" messages then waited, unread,
 * until the scan closed the pool, and undid its hold on the process. The workers load in about
 * 0.7 s on an idle 2-core machine (ts-node) and 2 to 6 s on a loaded one, while this object takes
 * the I/O thread 1.2 s idle and 3 s loaded at 120 MB: 120 MB lost the result in 10 runs of 10 on
 * the old code, 30 MB in 1 of 4, 8 MB in none. The test stays a few seconds (the object is
 * generated here, 0.1 MB gzipped), and the pool test "close() holds its process open..." is the
 * same cause in a fixed order.
 */
const WHITESPACE_MB = 120;

describe("verify: a run ends with its result, or says it has none (#20 item 1)", function () {
  this.timeout(120_000);
  let s3: MemoryS3;
  let ct: LocalCloudTrail;
  let target: FixtureRecord;
  let bigKey: string;
  let since: Date;
  const bucket = "audit-logs-unfinished";
  const f = new FixtureFactory("123456789012", 2020);

  before(async () => {
    s3 = await startMemoryS3();
    ct = await startCloudTrailServer();
    const now = new Date();
    since = new Date(now.getTime() - 3 * 3_600_000);
    s3.createBucket(bucket);
    for (let i = 0; i < SMALL_OBJECTS; i++) {
      const at = new Date(since.getTime() + 60_000 + i * 1000);
      s3.put(bucket, f.logKey("us-east-1", at), logFile(f.noiseRecords("us-east-1", at, 3)));
    }
    target = f.runInstances("us-east-1", new Date(now.getTime() - 30 * 60_000));
    // Two members; the trailer (the last 4 bytes) sizes only the second, so the first decode is sized too small.
    const big = Buffer.concat([gzipSync(Buffer.alloc(WHITESPACE_MB * 1_000_000, 0x20)), gzipSync(JSON.stringify({ Records: [target] }))]);
    bigKey = f.logKey("us-east-1", new Date(now.getTime() - 20 * 60_000));
    s3.put(bucket, bigKey, big);
    ct.state.trails.push({ name: "my-logs-trail", account: f.account, homeRegion: "us-east-1", bucket, latestDeliveryTime: now });
  });
  after(() => closeServers(s3, ct));

  const args = () => [
    "--trail",
    "my-logs-trail",
    "--since",
    since.toISOString(),
    "--resource",
    (target.responseElements as { instancesSet: { items: { instanceId: string }[] } }).instancesSet.items[0].instanceId,
    "--timeout",
    "0",
    "--no-event-history",
    "--json",
  ];

  it("finds the event behind 400 small objects in a large gzip of two members, prints it and exits 0 (npm run -s verify)", async () => {
    const { code, stdout, stderr } = await runVerifyCli(args(), { s3: s3.endpoint, cloudTrail: ct.endpoint }, true);
    expect(stdout, `nothing on stdout, exit ${code}; stderr:\n${stderr}`).to.not.equal("");
    const evidence = JSON.parse(stdout);
    expect(evidence.verified).to.equal(true);
    expect(evidence.s3).to.include({ key: bigKey, eventId: target.eventID, objectsScanned: SMALL_OBJECTS + 1 });
    expect(code, stderr).to.equal(ExitCode.Ok);
  });

  it("a run whose scanner never finishes closing, with nothing left to wait for, exits 70 and says so, never 0 with nothing printed", async () => {
    const entry = join(__dirname, "../support/doubles/stalled-verify.ts");
    const { code, stdout, stderr } = await runVerifyCli(args(), { s3: s3.endpoint, cloudTrail: ct.endpoint }, false, { entry });
    expect(stdout).to.equal("");
    expect(code).to.equal(ExitCode.Unfinished);
    expect(stderr).to.include(unfinishedMessage("verify"));
  });
});
