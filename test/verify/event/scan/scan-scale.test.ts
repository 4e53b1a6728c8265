// The scan at scale, through both GET paths, against the in-memory S3 (memory-s3.ts), which here
// checks every request's SigV4 signature: folders listed side by side and downloads with no
// barrier at a folder's end; 503 SlowDown backed off and retried, within bounds; region redirects
// followed; objects held bounded with a slow consumer (the decode pool, slowed); a dead decode
// worker named, never a hang; many requests on one abort signal without Node's listener warning.
import { join } from "node:path";
import { expect } from "chai";
import { S3Client } from "@aws-sdk/client-s3";
import {
  AwsCallError,
  DecodeWorkerError,
  LogScanner,
  compileCriteria,
  verifyTrail,
  type GetPath,
  type LogScannerOptions,
} from "../../../../verify";
import { ByteBudget } from "../../../../verify/event/scan/byte-budget";
import { DecodePool } from "../../../../verify/event/scan/decode-pool";
import { BUSY_ATTEMPTS } from "../../../../verify/event/scan/log-scanner";
import { LeanGet } from "../../../../verify/s3/lean-get";
import type { Clock } from "../../../../verify/pacing/clock";
import { FixtureFactory, logFile } from "../../../support/fixtures/cloudtrail-fixtures";
import { startCloudTrailServer, type LocalCloudTrail } from "../../../support/servers/cloudtrail-server";
import { CRASH_MARKER } from "../../../support/doubles/decode-workers/crashing";
import { INTERNAL_ERROR, SLOW_DOWN, startMemoryS3, type MemoryRequest, type MemoryS3 } from "../../../support/servers/memory-s3";
import { rejection } from "../../../support/rejection";
import { DUMMY_CREDENTIALS } from "../../../support/servers/s3-server";

const DECODE_WORKERS = join(__dirname, "../../../support/doubles/decode-workers");
/** Retries wait on nothing here: the backoff's length is not what is tested, its bounds are. */
const noWait: Clock = { now: () => Date.now(), sleep: () => Promise.resolve() };
const isGet = (r: MemoryRequest) => r.method === "GET" && r.key !== "";

describe("verify: the scan at scale, on both GET paths", function () {
  this.timeout(60_000);
  let s3: MemoryS3;
  const f = new FixtureFactory("192837465012", 404);
  const now = new Date();
  const since = new Date(now.getTime() - 3 * 3_600_000);
  const instanceId = f.instanceId();
  const target = f.runInstances("eu-west-1", new Date(now.getTime() - 50 * 60_000), instanceId);
  /** A trail prefix with characters a path must escape: the signature covers the path as sent. */
  const prefix = "audit logs/team+a";
  const keysOf = new Map<string, string[]>();

  /** `count` log files in `region`'s folder of today, one of them the target's when asked. */
  function folder(bucket: string, region: string, count: number, withTarget = false) {
    const objects = Array.from({ length: count }, (_, i) => {
      const at = new Date(since.getTime() + (i + 1) * 60_000);
      const records = f.noiseRecords(region, at, 8);
      return { key: f.logKey(region, at, { prefix }), body: logFile(withTarget && i === count - 1 ? [...records, target] : records) };
    });
    for (const o of objects) s3.put(bucket, o.key, o.body);
    keysOf.set(
      `${bucket}/${region}`,
      objects.map((o) => o.key),
    );
    return objects;
  }

  before(async () => {
    s3 = await startMemoryS3({ credentials: DUMMY_CREDENTIALS, recordRequests: true });
  });
  after(() => s3.close());
  beforeEach(() => {
    s3.resetCounts();
    s3.fault = () => null;
    s3.hold = () => null;
    s3.latencyMs = 0;
  });

  const client = (options: { region?: string; followRegionRedirects?: boolean; secret?: string } = {}) =>
    new S3Client({
      region: options.region ?? "us-east-1",
      endpoint: s3.endpoint,
      forcePathStyle: true,
      credentials: { accessKeyId: DUMMY_CREDENTIALS.accessKeyId, secretAccessKey: options.secret ?? DUMMY_CREDENTIALS.secretAccessKey },
      // One SDK attempt: every retry counted here is the scanner's own.
      maxAttempts: 1,
      followRegionRedirects: options.followRegionRedirects ?? false,
      requestChecksumCalculation: "WHEN_REQUIRED",
      responseChecksumValidation: "WHEN_REQUIRED",
    });

  const scanner = (getPath: GetPath, bucket: string, extra: Partial<LogScannerOptions> = {}) =>
    new LogScanner({
      s3: extra.s3 ?? client(),
      bucket,
      trailPrefix: prefix,
      account: f.account,
      regions: ["us-east-1", "eu-west-1"],
      from: since,
      criteria: compileCriteria({ eventName: "RunInstances", resource: instanceId, since }),
      getPath,
      clock: noWait,
      ...extra,
    });

  /** Runs one round and closes the scanner, whatever happens. */
  async function round(s: LogScanner, retryDeadline?: number): Promise<LogScanner> {
    try {
      await s.scanRound(now, retryDeadline);
    } finally {
      await s.close();
    }
    return s;
  }

  for (const getPath of ["lean", "sdk"] as const) {
    describe(`${getPath} GETs`, () => {
      const bucket = `scale-${getPath}`;
      before(() => {
        s3.createBucket(bucket);
        folder(bucket, "us-east-1", 30);
        folder(bucket, "eu-west-1", 30, true);
      });
      const allKeys = () => [...keysOf.get(`${bucket}/us-east-1`)!, ...keysOf.get(`${bucket}/eu-west-1`)!];

      it("reads every log once, each request signed for what it sent, under a prefix that needs escaping", async () => {
        const s = await round(scanner(getPath, bucket));
        expect(s.objectsScanned).to.equal(60);
        expect([...s.matches.values()].map((m) => m.record.eventID)).to.deep.equal([target.eventID]);
        const counts = s3.getCounts(bucket);
        expect([...counts.keys()].sort()).to.deep.equal(allKeys().sort());
        expect([...counts.values()].every((n) => n === 1)).to.equal(true);
        // Every GET went through the signature check: the path on the wire holds the escaped prefix.
        expect(s3.requests.filter(isGet).every((r) => r.signedRegion === "us-east-1")).to.equal(true);
      });

      /** A promise settled by `release()`, or after 10 s whatever happens: a scan that waits on it never hangs the suite. */
      function latch() {
        let release: () => void = () => undefined;
        const settled = new Promise<void>((resolve) => {
          release = resolve;
          setTimeout(resolve, 10_000).unref();
        });
        return { settled, release };
      }

      it("lists the day folders side by side", async () => {
        // us-east-1's listing is answered only once eu-west-1's has been asked for (or after 10 s).
        const gate = latch();
        let sideBySide = false;
        const listOf = (r: MemoryRequest, region: string) =>
          r.query.get("list-type") === "2" && (r.query.get("prefix") ?? "").includes(`/CloudTrail/${region}/`);
        s3.hold = (r) => {
          if (listOf(r, "us-east-1")) return gate.settled;
          if (listOf(r, "eu-west-1")) {
            sideBySide = true;
            gate.release();
          }
          return null;
        };
        const s = await round(scanner(getPath, bucket));
        expect(sideBySide, "eu-west-1 was listed while us-east-1's listing was unanswered").to.equal(true);
        expect(s.objectsScanned).to.equal(60);
      });

      it("a folder whose listing fails ends the round at once: a listing still unanswered is not waited out", async () => {
        // us-east-1's listing is held (10 s at most); eu-west-1's is refused.
        const gate = latch();
        let released = false;
        void gate.settled.then(() => (released = true));
        const listOf = (r: MemoryRequest, region: string) =>
          r.query.get("list-type") === "2" && (r.query.get("prefix") ?? "").includes(`/CloudTrail/${region}/`);
        s3.hold = (r) => (listOf(r, "us-east-1") ? gate.settled : null);
        s3.fault = (r) => (listOf(r, "eu-west-1") ? { status: 403, code: "AccessDenied" } : null);
        const error = await rejection(round(scanner(getPath, bucket)));
        expect(released, "the round waited for the held listing before it failed").to.equal(false);
        expect(error.message).to.match(/AccessDenied/);
        gate.release();
      });

      it("downloads with no barrier at a folder's end", async () => {
        // us-east-1's first object is answered only once every eu-west-1 object has been (or after 10 s).
        const first = keysOf.get(`${bucket}/us-east-1`)![0];
        const others = new Set(keysOf.get(`${bucket}/eu-west-1`));
        const gate = latch();
        let otherFolderDoneFirst = false;
        s3.hold = (r) => {
          if (isGet(r) && r.key === first) return gate.settled;
          if (isGet(r) && others.delete(r.key) && others.size === 0) {
            otherFolderDoneFirst = true;
            gate.release();
          }
          return null;
        };
        const s = await round(scanner(getPath, bucket, { concurrency: 4 }));
        expect(otherFolderDoneFirst, "eu-west-1 was read while a us-east-1 GET was held").to.equal(true);
        expect(s.objectsScanned).to.equal(60);
      });

      it("backs off 503 SlowDown: each object read again until served once, with fewer requests in flight", async () => {
        const answered = new Map<string, number>();
        s3.fault = (r) => {
          if (!isGet(r)) return null;
          const n = (answered.get(r.key) ?? 0) + 1;
          answered.set(r.key, n);
          return n <= 2 ? SLOW_DOWN : null;
        };
        const lines: string[] = [];
        const s = await round(scanner(getPath, bucket, { concurrency: 8, onRetry: (l) => lines.push(l) }));
        expect(s.objectsScanned).to.equal(60);
        expect([...s3.getCounts(bucket).values()].every((n) => n === 1)).to.equal(true);
        expect([...answered.values()].every((n) => n === 3)).to.equal(true);
        expect(
          lines.filter((l) => /: S3 is busy \(SlowDown\), try [12]; reading it again in [\d.]+s with fewer requests in flight$/.test(l)),
        ).to.have.length(120);
        expect(s.inFlight.lowest).to.be.lessThan(8);
      });

      it("gives up on an object S3 keeps slowing down, after a bounded number of tries, naming it", async () => {
        const doomed = keysOf.get(`${bucket}/eu-west-1`)![3];
        s3.fault = (r) => (isGet(r) && r.key === doomed ? SLOW_DOWN : null);
        const err = await rejection(round(scanner(getPath, bucket)));
        expect(err).to.be.instanceOf(AwsCallError);
        expect((err as AwsCallError).awsCode).to.equal("SlowDown");
        expect(err.message).to.equal(
          `GetObject failed (SlowDown): S3 still asked to slow down on s3://${bucket}/${doomed} after retries. Run again in a minute, or with a lower --concurrency.`,
        );
        expect(s3.requests.filter((r) => isGet(r) && r.key === doomed)).to.have.length(BUSY_ATTEMPTS);
      });

      it("tries a slowed-down object no more once the retry deadline has passed", async () => {
        const doomed = keysOf.get(`${bucket}/eu-west-1`)![3];
        s3.fault = (r) => (isGet(r) && r.key === doomed ? SLOW_DOWN : null);
        const err = await rejection(round(scanner(getPath, bucket), Date.now() - 1));
        expect((err as AwsCallError).awsCode).to.equal("SlowDown");
        expect(s3.requests.filter((r) => isGet(r) && r.key === doomed)).to.have.length(1);
      });

      it("reads an object again after a 500 from S3, without slowing the scan down", async () => {
        const flaky = keysOf.get(`${bucket}/us-east-1`)![5];
        let failed = false;
        s3.fault = (r) => (isGet(r) && r.key === flaky && !failed ? ((failed = true), INTERNAL_ERROR) : null);
        const s = await round(scanner(getPath, bucket, { concurrency: 8 }));
        expect(s.objectsScanned).to.equal(60);
        expect(s3.requests.filter((r) => isGet(r) && r.key === flaky)).to.have.length(2);
        // Only a SlowDown halves the requests in flight.
        expect(s.inFlight.lowest).to.equal(8);
      });

      it("holds at most `concurrency` objects with a slow consumer, and finds what decoding on one thread finds", async () => {
        const inline = await round(scanner(getPath, bucket, { decodeWorkers: 0 }));
        const pool = new DecodePool({
          criteria: compileCriteria({ eventName: "RunInstances", resource: instanceId, since }),
          size: 1,
          maxQueued: 2,
          entry: join(DECODE_WORKERS, "slow.ts"),
        });
        const budget = new ByteBudget(64 * 1024);
        try {
          const slow = scanner(getPath, bucket, { pool, concurrency: 6, budget });
          await slow.ready();
          await round(slow);
          // Downloads outran decoding: objects piled up to the bound, and no further.
          expect(slow.peakObjectsHeld).to.be.within(3, 6);
          expect(slow.inFlight.peak).to.be.at.most(6);
          expect(pool.queueRoom.peak).to.be.at.most(2);
          expect(budget.peak).to.be.at.most(budget.limit);
          expect(pool.decodedBudget.peak).to.be.at.most(pool.decodedBudget.limit);
          expect({
            objects: slow.objectsScanned,
            bytes: slow.bytesScanned,
            downloaded: slow.bytesDownloaded,
            matches: [...slow.matches.keys()],
            skipped: slow.skipped,
          }).to.deep.equal({
            objects: inline.objectsScanned,
            bytes: inline.bytesScanned,
            downloaded: inline.bytesDownloaded,
            matches: [...inline.matches.keys()],
            skipped: inline.skipped,
          });
        } finally {
          await pool.close();
        }
      });

      it("a decode worker that dies fails the round naming the object, and the scan ends", async () => {
        const crashBucket = `crash-${getPath}`;
        s3.createBucket(crashBucket);
        const objects = folder(crashBucket, "us-east-1", 12);
        const doomed = f.logKey("us-east-1", new Date(since.getTime() + 30 * 60_000), { prefix });
        s3.put(crashBucket, doomed, logFile([{ ...f.runInstances("us-east-1", now), note: CRASH_MARKER }]));
        const pool = new DecodePool({
          criteria: compileCriteria({ eventName: "RunInstances", since }),
          size: 1,
          entry: join(DECODE_WORKERS, "crashing.ts"),
        });
        try {
          const s = scanner(getPath, crashBucket, { pool, regions: ["us-east-1"] });
          await s.ready();
          const err = await rejection(round(s));
          expect(err).to.be.instanceOf(DecodeWorkerError);
          expect((err as DecodeWorkerError).key).to.equal(`s3://${crashBucket}/${doomed}`);
          expect(s.objectsScanned).to.be.below(objects.length + 1);
        } finally {
          await pool.close();
        }
        expect(pool.running).to.equal(0);
      });

      it("keeps 64 requests on one abort signal without Node's MaxListenersExceededWarning", async () => {
        const warnings: Error[] = [];
        const onWarning = (w: Error) => warnings.push(w);
        process.on("warning", onWarning);
        s3.latencyMs = 5;
        const abort = new AbortController();
        try {
          const s = await round(scanner(getPath, bucket, { concurrency: 64, signal: abort.signal }));
          expect(s.objectsScanned).to.equal(60);
          await new Promise((resolve) => setImmediate(resolve));
        } finally {
          process.off("warning", onWarning);
        }
        expect(warnings.filter((w) => w.name === "MaxListenersExceededWarning").map((w) => w.message)).to.deep.equal([]);
      });
    });
  }

  describe("region redirects", () => {
    const bucket = "scale-in-eu-west-1";
    before(() => {
      s3.createBucket(bucket, "eu-west-1");
      folder(bucket, "us-east-1", 10);
      folder(bucket, "eu-west-1", 10, true);
    });

    for (const getPath of ["lean", "sdk"] as const) {
      it(`are followed on the ${getPath} path when the client follows them, each object read once`, async () => {
        const s = await round(scanner(getPath, bucket, { s3: client({ followRegionRedirects: true }), concurrency: 1 }));
        expect(s.objectsScanned).to.equal(20);
        expect([...s3.getCounts(bucket).values()].every((n) => n === 1)).to.equal(true);
        const redirected = s3.requests.filter((r) => isGet(r) && r.signedRegion === "us-east-1");
        expect(redirected.length).to.be.at.least(1);
        // The lean path remembers the bucket's region after the first redirect (so does this SDK's, today).
        if (getPath === "lean") expect(redirected).to.have.length(1);
      });
    }

    it("are not followed by the lean path when the client does not follow them", async () => {
      const lean = new LeanGet(client(), { maxSockets: 2 });
      try {
        const err = await rejection(lean.get(bucket, keysOf.get(`${bucket}/us-east-1`)![0]));
        expect(err.name).to.equal("PermanentRedirect");
      } finally {
        lean.destroy();
      }
    });
  });

  it("the lean path's request fails the signature check when signed with another secret (the check has teeth)", async () => {
    s3.createBucket("scale-signed");
    const [object] = folder("scale-signed", "us-east-1", 1);
    const lean = new LeanGet(client({ secret: "not-the-secret" }), { maxSockets: 2 });
    try {
      const err = await rejection(lean.get("scale-signed", object.key));
      expect(err.name).to.equal("SignatureDoesNotMatch");
      expect((await new LeanGet(client(), { maxSockets: 1 }).get("scale-signed", object.key)).equals(object.body)).to.equal(true);
    } finally {
      lean.destroy();
    }
  });

  describe("verifyTrail --concurrency", () => {
    let ct: LocalCloudTrail;
    before(async () => {
      ct = await startCloudTrailServer();
      s3.createBucket("scale-verify");
      folder("scale-verify", "eu-west-1", 40, true);
      ct.state.trails.push({ name: "scale-trail", account: f.account, homeRegion: "us-east-1", bucket: "scale-verify", prefix });
    });
    after(() => ct.close());

    it("keeps no more GETs in flight than asked", async () => {
      s3.latencyMs = 10;
      s3.peakInFlight = 0;
      const evidence = await verifyTrail({
        trail: "scale-trail",
        region: "us-east-1",
        regions: ["eu-west-1"],
        since,
        resource: instanceId,
        eventHistory: false,
        timeoutMs: 0,
        concurrency: 3,
        clients: { s3: client(), cloudTrail: ct.client() },
      });
      expect(evidence.verified).to.equal(true);
      expect(evidence.s3.objectsScanned).to.equal(40);
      expect(s3.peakInFlight).to.be.at.most(3);
    });

    it("refuses a count out of range as bad usage", async () => {
      for (const concurrency of [0, 1.5, 513]) {
        const err = await rejection(
          verifyTrail({
            trail: "scale-trail",
            region: "us-east-1",
            since,
            concurrency,
            clients: { s3: client(), cloudTrail: ct.client() },
          }),
        );
        expect(err.name, String(concurrency)).to.equal("UsageError");
        expect(err.message).to.match(/^concurrency must be a whole number from 1 to 512 \(--concurrency\)/);
      }
    });
  });
});
