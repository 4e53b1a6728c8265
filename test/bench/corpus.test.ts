// The benchmark's corpus generator: seeded and stable, real key layout, one needle, digests
// beside the logs, doubling by adding days. No timing here: speed lives in `npm run bench`.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { expect } from "chai";
import { corpusConfig, corpusView, ensureCorpus, generateDay, type CorpusConfig } from "../../bench/corpus";
import { logFileStamp } from "../../verify/s3/log-keys";
import { compileCriteria, scanLogObject } from "../../verify";

const LOG_KEY =
  /^AWSLogs\/123456789012\/CloudTrail\/[a-z0-9-]+\/\d{4}\/\d{2}\/\d{2}\/123456789012_CloudTrail_[a-z0-9-]+_\d{8}T\d{4}Z_[A-Za-z0-9]{16}\.json\.gz$/;

describe("bench: corpus generator", () => {
  const small: CorpusConfig = { ...corpusConfig({ seed: 7, megabytes: 3, days: 2 }), meanFileBytes: 50_000 };
  let root: string;

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), "trail-lab-bench-"));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it("makes the same bytes from the same seed, and other bytes from another", () => {
    const a = generateDay(small, 0);
    const b = generateDay(small, 0);
    const other = generateDay({ ...small, seed: 8 }, 0);
    expect(a.logs.map((l) => l.key)).to.deep.equal(b.logs.map((l) => l.key));
    expect(Buffer.concat(a.logs.map((l) => l.body)).equals(Buffer.concat(b.logs.map((l) => l.body)))).to.equal(true);
    expect(other.logs.map((l) => l.key)).to.not.deep.equal(a.logs.map((l) => l.key));
  });

  it("writes logs in the real key layout, in every region, with digests beside them", async () => {
    const manifest = await ensureCorpus(root, small, 1, () => undefined);
    expect(manifest.logs.length).to.be.greaterThan(small.regions.length * small.days);
    for (const log of manifest.logs) {
      expect(log.key).to.match(LOG_KEY);
      expect(logFileStamp(log.key), log.key).to.not.equal(null);
      expect(log.key).to.include(`/CloudTrail/${log.region}/`);
    }
    expect(new Set(manifest.logs.map((l) => l.region))).to.deep.equal(new Set(small.regions.map((r) => r.name)));
    expect(manifest.digests.length).to.equal(small.regions.length * small.days);
    for (const { key } of manifest.digests)
      expect(key).to.match(/\/CloudTrail-Digest\/[a-z0-9-]+\/\d{4}\/\d{2}\/\d{2}\/123456789012_CloudTrail-Digest_/);
    const bytes = manifest.logs.reduce((sum, l) => sum + l.bytes, 0);
    expect(bytes).to.be.within(3e6, 3.6e6);
  });

  it("holds mostly small read events, some large records, and exactly one RunInstances: the needle", async () => {
    const manifest = await ensureCorpus(root, small, 1, () => undefined);
    const records = manifest.logs.flatMap(
      (log) =>
        (
          JSON.parse(gunzipSync(readFileSync(join(root, log.key))).toString("utf8")) as {
            Records: { eventName: string; readOnly: boolean; eventID: string }[];
          }
        ).Records,
    );
    const sizes = records.map((r) => JSON.stringify(r).length);
    expect(records.filter((r) => r.readOnly).length / records.length).to.be.greaterThan(0.7);
    expect(sizes.filter((s) => s < 2000).length / sizes.length).to.be.greaterThan(0.9);
    expect(sizes.filter((s) => s > 10_000).length).to.be.greaterThan(0);
    const launches = records.filter((r) => r.eventName === "RunInstances");
    expect(launches.map((r) => r.eventID)).to.deep.equal([manifest.needle.eventID]);

    // The scanner finds it where the manifest says, and nowhere else.
    const criteria = compileCriteria({
      eventName: "RunInstances",
      resource: manifest.needle.instanceId,
      since: new Date(`${small.firstDay}T00:00:00Z`),
    });
    const hits = manifest.logs.filter((log) => scanLogObject(readFileSync(join(root, log.key)), criteria).matches.length > 0);
    expect(hits.map((l) => l.key)).to.deep.equal([manifest.needle.key]);
  });

  it("doubles by adding days: the doubled corpus starts with the corpus, byte for byte", async () => {
    const once = await ensureCorpus(join(root, "once"), small, 1, () => undefined);
    const twice = await ensureCorpus(join(root, "twice"), small, 2, () => undefined);
    const base = corpusView(join(root, "twice"), twice, small.days);
    const doubled = corpusView(join(root, "twice"), twice, small.days * 2);
    expect(base.logs.map((l) => l.key)).to.deep.equal(once.logs.map((l) => l.key));
    for (const log of once.logs)
      expect(readFileSync(join(root, "twice", log.key)).equals(readFileSync(join(root, "once", log.key)))).to.equal(true);
    expect(twice.needle).to.deep.equal(once.needle);
    expect(doubled.bytes / base.bytes).to.be.within(1.8, 2.2);
    expect(doubled.to.getTime() - doubled.from.getTime()).to.be.closeTo(2 * (base.to.getTime() - base.from.getTime()), 1);
  });

  it("reuses a corpus on disk with the same settings and rebuilds one with others", async () => {
    const lines: string[] = [];
    await ensureCorpus(root, small, 1, (l) => lines.push(l));
    await ensureCorpus(root, small, 1, (l) => lines.push(l));
    expect(lines.filter((l) => l.includes("reusing"))).to.have.length(1);
    const rebuilt = await ensureCorpus(root, { ...small, seed: 9 }, 1, (l) => lines.push(l));
    expect(rebuilt.config.seed).to.equal(9);
    expect(lines.filter((l) => l.includes("reusing"))).to.have.length(1);
  });
});
