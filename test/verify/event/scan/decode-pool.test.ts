// The decode pool: worker threads give exactly what scanLogObject gives on the main thread, for
// every kind of object the scan meets (good, noise, corrupt, invalid, oversized, several gzip
// members, a lying trailer); a worker that dies fails its one object by name and never hangs; an
// abort or close() ends the wait and the workers; decoded bytes stay within the pool's budget.
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { expect } from "chai";
import { ByteBudget } from "../../../../verify/event/scan/byte-budget";
import { DecodePool, decodedEstimate, ownArrayBuffer } from "../../../../verify/event/scan/decode-pool";
import { compileCriteria, scanLogObject } from "../../../../verify/event/match";
import { DecodeWorkerError } from "../../../../verify/errors";
import { FixtureFactory, logFile } from "../../../support/fixtures/cloudtrail-fixtures";
import { rejection } from "../../../support/rejection";
import { CRASH_MARKER } from "../../../support/doubles/decode-workers/crashing";
import { READY_DIR } from "../../../support/doubles/decode-workers/announce-ready";

const CRASHING = join(__dirname, "../../../support/doubles/decode-workers/crashing.ts");

describe("verify: the decode pool", function () {
  // Each worker loads ts-node before its first object: seconds on a loaded machine.
  this.timeout(60_000);
  const f = new FixtureFactory("111122223333", 77);
  const since = new Date("2025-03-01T10:00:00Z");
  const instance = "i-0aa11bb22cc33dd44";
  const criteria = compileCriteria({ eventName: "RunInstances", resource: instance, since });
  const MiB = 1024 * 1024;

  /** Every kind of object, named; the cap the pool is given is 1 MiB, so that a small bomb passes it. */
  function fixtures(): [string, Buffer][] {
    const hit = f.runInstances("us-east-1", since, instance);
    const good = logFile([...f.noiseRecords("us-east-1", since, 40), hit, f.runInstances("us-east-1", since)]);
    const json = JSON.stringify({ Records: [...f.noiseRecords("us-east-1", since, 30), f.runInstances("us-east-1", since, instance)] });
    const cut = json.length - 900;
    const lying = (gz: Buffer, isize: number) => {
      const copy = Buffer.from(gz);
      copy.writeUInt32LE(isize >>> 0, copy.length - 4);
      return copy;
    };
    // A slice off the front of a larger buffer: not an ArrayBuffer of its own, so it must be copied.
    const offset = Buffer.concat([Buffer.alloc(100), good]).subarray(100);
    return [
      ["a match among noise", good],
      ["noise only", logFile(f.noiseRecords("eu-west-1", since, 60).filter((r) => r.eventName !== "RunInstances"))],
      ["the event, another instance", logFile([f.runInstances("us-east-1", since)])],
      ["corrupt gzip", Buffer.concat([good.subarray(0, 30), Buffer.from("bit rot"), good.subarray(37)])],
      ["not gzip at all", Buffer.from("plain text, no gzip header")],
      ["shorter than a gzip header", Buffer.from([0x1f, 0x8b])],
      ["empty", Buffer.alloc(0)],
      ["invalid JSON", gzipSync(JSON.stringify({ Records: [f.runInstances("us-east-1", since, instance)] }).slice(0, -25))],
      ["no Records array", gzipSync(JSON.stringify(f.runInstances("us-east-1", since, instance)))],
      ["over the uncompressed cap (a bomb)", gzipSync(Buffer.alloc(2 * MiB, 0x20))],
      ["several gzip members (the trailer sizes only the last)", Buffer.concat([gzipSync(json.slice(0, cut)), gzipSync(json.slice(cut))])],
      ["a trailer that claims less", lying(gzipSync(json), 10)],
      ["a trailer that claims more", lying(gzipSync(json), json.length * 3)],
      ["bytes at an offset in a larger buffer", offset],
    ];
  }

  it("gives what scanLogObject gives on the main thread, object for object", async () => {
    const pool = new DecodePool({ criteria, size: 2, maxBytes: MiB });
    try {
      const all = fixtures();
      // The expectations first: the pool takes each buffer's memory away.
      const expected = all.map(([, gz]) => scanLogObject(gz, criteria, { maxBytes: MiB }));
      const got = await Promise.all(all.map(([name, gz]) => pool.scan(Buffer.from(gz), name)));
      all.forEach(([name], i) => expect(got[i], name).to.deep.equal(expected[i]));
      // Not a vacuous comparison: one object matched, several were skipped for different reasons.
      expect(got[0].matches.map((r) => r.eventID)).to.have.length(1);
      expect(new Set(got.map((o) => o.skippedReason?.replace(/:.*/, "")))).to.include.members([
        "corrupt gzip",
        "invalid JSON",
        "no Records array",
        "over the size cap",
      ]);
      expect(pool.decodedBudget.inFlight).to.equal(0);
      expect(pool.decodedBudget.peak).to.be.at.most(pool.decodedBudget.limit);
    } finally {
      await pool.close();
    }
  });

  it("moves an object's memory to the worker without a copy, and copies only a slice it cannot move", () => {
    const own = Buffer.allocUnsafeSlow(4096);
    expect(ownArrayBuffer(own)).to.equal(own.buffer);
    // Node's shared pool: a small Buffer.from is a slice of it, and moving the pool would break every other slice.
    const pooled = Buffer.from("a few bytes");
    expect(pooled.buffer.byteLength).to.be.greaterThan(pooled.length);
    const copy = ownArrayBuffer(pooled);
    expect(copy).to.not.equal(pooled.buffer);
    expect(Buffer.from(copy).toString()).to.equal("a few bytes");
  });

  it("reserves decoded bytes by the gzip trailer, within the cap", () => {
    const gz = gzipSync(Buffer.alloc(5000, 0x61));
    expect(decodedEstimate(gz, MiB)).to.equal(5000 + 64);
    expect(decodedEstimate(gzipSync(Buffer.alloc(3 * MiB)), MiB)).to.equal(MiB);
    expect(decodedEstimate(Buffer.alloc(3), MiB)).to.equal(64);
  });

  it("holds at most the decoded budget at once, however many objects are sent", async () => {
    // Objects of about 600 kB decoded; a budget of 1.5 MiB admits two at a time, not all 12.
    const objects = Array.from({ length: 12 }, (_, i) => logFile(f.noiseRecords("us-east-1", new Date(since.getTime() + i * 60_000), 400)));
    const largest = Math.max(...objects.map((gz) => decodedEstimate(gz, 64 * MiB)));
    const budget = new ByteBudget(Math.floor(2.5 * largest));
    const pool = new DecodePool({ criteria, size: 2, maxQueued: 3, decodedBudget: budget });
    try {
      const outcomes = await Promise.all(objects.map((gz, i) => pool.scan(gz, `object ${i}`)));
      expect(outcomes.every((o) => o.skippedReason === null)).to.equal(true);
      expect(budget.peak).to.be.at.most(budget.limit);
      expect(budget.peak).to.be.at.least(largest);
      expect(pool.queueRoom.peak).to.be.at.most(3);
      expect(budget.inFlight).to.equal(0);
    } finally {
      await pool.close();
    }
  });

  it("a worker that exits mid-object fails that object with DecodeWorkerError, and the others still decode", async () => {
    const pool = new DecodePool({ criteria, size: 1, entry: CRASHING });
    try {
      const fine = () => logFile(f.noiseRecords("us-east-1", since, 20));
      const doomed = logFile([{ ...f.runInstances("us-east-1", since), note: CRASH_MARKER }]);
      const results = await Promise.allSettled([
        pool.scan(fine(), "before"),
        pool.scan(doomed, "s3://logs/doomed.json.gz"),
        pool.scan(fine(), "after"),
      ]);
      expect(results.map((r) => r.status)).to.deep.equal(["fulfilled", "rejected", "fulfilled"]);
      const err = (results[1] as PromiseRejectedResult).reason as DecodeWorkerError;
      expect(err).to.be.instanceOf(DecodeWorkerError);
      expect(err.key).to.equal("s3://logs/doomed.json.gz");
      expect(err.message).to.match(
        /^The log decoder \(a worker thread\) stopped while decoding s3:\/\/logs\/doomed\.json\.gz: it exited with code 70\. That object was not searched\./,
      );
      // The one after it got a new worker.
      expect(pool.workersStarted).to.equal(2);
    } finally {
      await pool.close();
    }
    expect(pool.running).to.equal(0);
  });

  it("a worker that throws is named with its error", async () => {
    const pool = new DecodePool({ criteria, size: 1, entry: CRASHING });
    try {
      const err = await rejection(
        pool.scan(logFile([{ ...f.runInstances("us-east-1", since), note: `${CRASH_MARKER}:throw` }]), "s3://logs/bug.json.gz"),
      );
      expect(err).to.be.instanceOf(DecodeWorkerError);
      expect(err.message).to.include("stopped while decoding s3://logs/bug.json.gz: Error: a decoder bug.");
    } finally {
      await pool.close();
    }
  });

  it("a worker that cannot start fails the objects waiting for it instead of starting another forever", async () => {
    const pool = new DecodePool({ criteria, size: 1, entry: join(__dirname, "no-such-decode-worker.ts") });
    try {
      const results = await Promise.allSettled(
        [1, 2, 3].map((i) => pool.scan(logFile(f.noiseRecords("us-east-1", since, 2)), `object ${i}`)),
      );
      expect(results.every((r) => r.status === "rejected" && r.reason instanceof DecodeWorkerError)).to.equal(true);
      expect(pool.workersStarted).to.equal(1);
    } finally {
      await pool.close();
    }
  });

  it("a pool nobody closed still lets its process exit once the work is done", async () => {
    const child = spawn(
      process.execPath,
      ["-r", "ts-node/register/transpile-only", join(__dirname, "../../../support/doubles/decode-workers/unclosed-pool.ts")],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    let stdout = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    // Not a timing: only a bound on a hang, far past what a loaded machine needs.
    const killer = setTimeout(() => child.kill(), 50_000);
    const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
    clearTimeout(killer);
    expect(code, "the process exited by itself").to.equal(0);
    expect(JSON.parse(stdout)).to.deep.equal({ bytesScanned: 14, matches: [], skippedReason: null });
  });

  it("an object that waited on a shared budget while the pool closed gives its bytes back", async () => {
    const MiB = 1024 * 1024;
    const shared = new ByteBudget(2 * MiB);
    const pool = new DecodePool({ criteria, size: 1, maxBytes: MiB, decodedBudget: shared });
    const other = await shared.reserve(2 * MiB);
    const waiting = pool.scan(logFile(f.noiseRecords("us-east-1", since, 5)), "waits on the budget");
    await pool.close();
    other.release();
    expect((await rejection(waiting)).name).to.equal("AbortError");
    expect(shared.inFlight, "bytes still held by an object that was never decoded").to.equal(0);
  });

  it("an abort ends the wait of queued and running objects, and close() stops every worker", async () => {
    const pool = new DecodePool({ criteria, size: 2 });
    await pool.start();
    expect(pool.running).to.equal(2);
    const abort = new AbortController();
    const waits = Array.from({ length: 10 }, (_, i) =>
      pool.scan(logFile(f.noiseRecords("us-east-1", since, 300)), `object ${i}`, abort.signal),
    );
    abort.abort(new DOMException("stop", "AbortError"));
    const results = await Promise.allSettled(waits);
    expect(results.filter((r) => r.status === "rejected").length).to.be.greaterThan(0);
    for (const r of results) if (r.status === "rejected") expect((r.reason as Error).name).to.equal("AbortError");
    expect(pool.decodedBudget.inFlight).to.equal(0);
    expect(pool.queueRoom.inFlight).to.equal(0);
    await pool.close();
    expect(pool.running).to.equal(0);
    expect((await rejection(pool.scan(logFile([]), "late"))).name).to.equal("AbortError");
  });

  it("close() holds its process open until the workers are gone, even when their 'ready' is read after it (#20 item 1)", async () => {
    // The cause of a verify that printed nothing and exited 0: a large object decoded on the I/O
    // thread while the workers loaded kept their "ready" messages unread until the scan closed the
    // pool; read then, each unref'd a worker that terminate() had ref'd, and the process ended
    // with close() still awaited. Here the child's main thread waits, busy, until both messages
    // are surely queued, so the order is the same on every run.
    const dir = mkdtempSync(join(tmpdir(), "trail-lab-ready-"));
    try {
      const child = spawn(
        process.execPath,
        ["-r", "ts-node/register/transpile-only", join(__dirname, "../../../support/doubles/decode-workers/close-while-busy.ts")],
        { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, [READY_DIR]: dir } },
      );
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
      // Not a timing: only a bound on a hang, far past what a loaded machine needs.
      const killer = setTimeout(() => child.kill(), 90_000);
      const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
      clearTimeout(killer);
      expect(readdirSync(dir), stderr).to.have.length(2);
      expect(stdout, `close() never returned: the process ended first (exit ${code})`).to.equal("closed\n");
      expect(code, stderr).to.equal(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
