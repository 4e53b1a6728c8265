// The log scanner's memory is bounded by bytes, not by the number of objects: each download
// reserves its listed size from a byte budget, measured here through the scanner's own accounting,
// and an object listed over the cap is skipped, named, and never read.
import { gzipSync } from "node:zlib";
import { expect } from "chai";
import { LogScanner, compileCriteria } from "../../../../verify";
import { ByteBudget } from "../../../../verify/event/scan/byte-budget";
import { FixtureFactory, logFile } from "../../../support/fixtures/cloudtrail-fixtures";
import { startS3Server, type LocalS3 } from "../../../support/servers/s3-server";

for (const getPath of ["lean", "sdk"] as const)
  describe(`verify: the scan bounds bytes in flight, not objects (${getPath} GETs)`, () => {
    let s3: LocalS3;
    before(async () => (s3 = await startS3Server()));
    after(() => s3.close());

    it("holds at most the budget's bytes at once, by the listed sizes, and skips an object over the cap unread", async () => {
      const bucket = "audit-logs-budget";
      const f = new FixtureFactory("246813579024", 21);
      const now = new Date();
      const since = new Date(now.getTime() - 2 * 3_600_000);
      const logs = Array.from({ length: 12 }, (_, i) => {
        const at = new Date(since.getTime() + (i + 1) * 5 * 60_000);
        return { key: f.logKey("us-east-1", at), body: logFile(f.noiseRecords("us-east-1", at, 150)) };
      });
      // A day's worth of records in one object: larger than the cap this scan is given.
      const bigAt = new Date(since.getTime() + 90 * 60_000);
      const big = {
        key: f.logKey("us-east-1", bigAt),
        body: gzipSync(JSON.stringify({ Records: f.noiseRecords("us-east-1", bigAt, 1500) })),
      };
      await s3.createBucket(bucket);
      await s3.put(bucket, [...logs, big]);
      const sizes = logs.map((l) => l.body.length);
      const largest = Math.max(...sizes);
      const cap = 2 * largest;
      expect(big.body.length).to.be.greaterThan(cap);

      const budget = new ByteBudget(3 * largest);
      const scanner = new LogScanner({
        s3: s3.client,
        bucket,
        trailPrefix: null,
        account: f.account,
        regions: ["us-east-1"],
        from: since,
        criteria: compileCriteria({ eventName: "RunInstances", since }),
        budget,
        maxObjectBytes: cap,
        getPath,
      });
      await scanner.scanRound(now).finally(() => scanner.close());

      expect(scanner.objectsScanned).to.equal(logs.length);
      expect(budget.peak).to.be.at.most(budget.limit);
      // Still several downloads at once, as many as fit.
      expect(budget.peak).to.be.at.least(2 * Math.min(...sizes));
      expect(budget.inFlight).to.equal(0);
      expect(scanner.skipped).to.have.length(1);
      expect(scanner.skipped[0].key).to.equal(big.key);
      expect(scanner.skipped[0].reason).to.match(
        /^over the size cap: [\d.]+ MiB listed, more than the [\d.]+ MiB a log file is read up to; not downloaded$/,
      );
      expect(s3.getCounts(bucket).has(big.key)).to.equal(false);
    });
  });
