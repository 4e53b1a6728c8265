// The pieces of the bench at scale, without timing anything: the small-object corpus has the
// spread of real CloudTrail files; the in-memory S3 runs in its own process and ends with
// close(); the bare GET loop reads each key once with as many in flight as asked; the report
// judges each scale target by its threshold.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { ListObjectsV2Command } from "@aws-sdk/client-s3";
import { expect } from "chai";
import { generateDay, smallCorpusConfig } from "../../bench/corpus";
import { Worker } from "node:worker_threads";
import { bareGetLoop } from "../../bench/get-loop";
import { mainThreadCpuMs } from "../../bench/scan-child";
import { buildResults, renderTable, type Measured } from "../../bench/report";
import type { ScaleResults } from "../../bench/scale";
import { startMemoryS3 } from "../support/servers/memory-s3";
import { startMemoryS3Process } from "../support/servers/memory-s3-process";
import { s3ClientFor } from "../support/servers/s3-server";

describe("bench: at scale", function () {
  this.timeout(60_000);

  it("draws small-corpus files from 5 to 100 KB gzipped, mostly small, by each region's share", () => {
    const config = { ...smallCorpusConfig({ seed: 3, days: 1 }), fileSizes: { filesPerDay: 120, minGzBytes: 5_000, maxGzBytes: 100_000 } };
    const day = generateDay(config, 0);
    expect(day.logs).to.have.length(120);
    const gz = day.logs.map((l) => l.gzBytes).sort((a, b) => a - b);
    // Sizes are aimed through the gzip ratio, so they land near, not exactly on, the bounds.
    expect(gz[0]).to.be.at.least(4_000);
    expect(gz[gz.length - 1]).to.be.at.most(125_000);
    // Log-uniform: the median far below the middle of the range.
    expect(gz[gz.length >> 1]).to.be.within(12_000, 40_000);
    const perRegion = new Map<string, number>();
    for (const l of day.logs) perRegion.set(l.region, (perRegion.get(l.region) ?? 0) + 1);
    expect(Object.fromEntries(perRegion)).to.deep.equal({ "us-east-1": 66, "us-west-2": 24, "eu-west-1": 18, "ap-southeast-2": 12 });
    expect(day.needle).to.not.equal(null);
  });

  it("serves a folder from disk in a process of its own, and ends it with close()", async () => {
    const root = mkdtempSync(join(tmpdir(), "trail-lab-memory-s3-"));
    try {
      const keys = [
        "AWSLogs/1/CloudTrail/us-east-1/2025/03/03/a.json.gz",
        "AWSLogs/1/CloudTrail/us-east-1/2025/03/03/b.json.gz",
        "not-logs/readme.txt",
      ];
      for (const key of keys) {
        mkdirSync(dirname(join(root, key)), { recursive: true });
        writeFileSync(join(root, key), key);
      }
      const server = await startMemoryS3Process({ buckets: [{ name: "from-disk", root }, { name: "empty" }] });
      const client = s3ClientFor(server.endpoint);
      try {
        // Only the AWSLogs/ tree is loaded.
        expect(server.objects).to.equal(2);
        const listed = await client.send(new ListObjectsV2Command({ Bucket: "from-disk", Prefix: "AWSLogs/" }));
        expect(listed.Contents?.map((c) => c.Key)).to.deep.equal(keys.slice(0, 2));
        await server.setLatency(20);
        const loop = await bareGetLoop(server.endpoint, "from-disk", keys.slice(0, 2), 2);
        expect(loop).to.include({ objects: 2, gzBytes: keys[0].length + keys[1].length });
        expect((await client.send(new ListObjectsV2Command({ Bucket: "empty", Prefix: "" }))).KeyCount).to.equal(0);
      } finally {
        client.destroy();
        await server.close();
      }
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it("the bare GET loop reads every key once, with no more in flight than asked", async () => {
    const s3 = await startMemoryS3({ latencyMs: 5 });
    try {
      s3.createBucket("loop");
      const keys = Array.from({ length: 40 }, (_, i) => `AWSLogs/1/k${i}`);
      for (const key of keys) s3.put("loop", key, Buffer.alloc(1000 + keys.indexOf(key)));
      const loop = await bareGetLoop(s3.endpoint, "loop", keys, 4);
      expect(loop.objects).to.equal(40);
      expect(loop.gzBytes).to.equal(40 * 1000 + (39 * 40) / 2);
      expect([...s3.getCounts("loop").values()]).to.deep.equal(keys.map(() => 1));
      expect(s3.peakInFlight).to.be.within(1, 4);
    } finally {
      await s3.close();
    }
  });

  it("judges each scale target by its threshold, and prints the missed ones as MISSED", () => {
    const run = (objectsPerSecond: number, label = "scan") => ({
      label,
      concurrency: 128,
      objects: 5004,
      ms: 1000,
      objectsPerSecond,
      mbPerSecond: 100,
      cpuShare: 1.5,
      cpuUsPerObject: 640,
      mainUsPerObject: label === "bare" ? 110 : null,
    });
    const scale = (vsBare: number, vsBound: number, listingMs: number, vsGunzip: number, rss: number): ScaleResults => ({
      corpus: { objects: 5004, days: 3, regions: 4, gzBytes: 1, bytes: 1, minGz: 5000, medianGz: 23000, maxGz: 100000 },
      concurrency: 128,
      small: {
        vsBareLoop: vsBare,
        rounds: [{ bare: run(1000, "bare"), scan: run(1000 * vsBare), ratio: vsBare }],
        sdkGets: run(200),
        decodeOnIoThread: run(300),
      },
      latency: { addedMs: 30, scan: run(800), boundObjectsPerSecond: 266.7, vsBound, sweep: [], listing: { folders: 527, ms: listingMs } },
      big: { objects: 120, bytes: 4.3e8, gunzipMbPerSecond: 600, scan: run(40), vsGunzip },
      memory: {
        baseObjects: 5004,
        doubledObjects: 10008,
        baseMaxRssMB: 300,
        doubledMaxRssMB: 300 * (1 + rss),
        baseBeforeScanMB: 200,
        doubledBeforeScanMB: 200,
        change: rss,
      },
    });
    const timing = { ms: 100, bytes: 1e8 };
    const measured = (sc: ScaleResults): Measured => ({
      when: new Date("2026-12-01T00:00:00Z"),
      machine: { nproc: 2, cpu: "test", node: "v20", platform: "linux x64" },
      view: { root: "/", config: smallCorpusConfig({ seed: 1 }), logs: [], from: new Date(0), to: new Date(1), bytes: 1, gzBytes: 1 },
      digestFiles: 0,
      needle: { key: "k", eventID: "e", eventTime: "t", instanceId: "i", region: "r" },
      inProcess: {
        gunzip: timing,
        gunzipDefaults: timing,
        decodeAndMatch: { ...timing, eventIds: ["e"] },
        eventNameOnly: { ...timing, eventIds: ["e"] },
        everyObjectParsed: { ...timing, matches: 1 },
        vsGunzip: { decodeAndMatch: 0.8, gunzipDefaults: 0.7, eventNameOnly: 0.6 },
        rounds: 1,
      },
      jq: null,
      scale: sc,
      load: { start: [1, 2, 3], end: [1, 2, 3] },
    });
    const met = (r: ReturnType<typeof buildResults>) =>
      Object.fromEntries(r.targets.filter((t) => t.name !== "decode-and-match >= 3x zcat | jq").map((t) => [t.name, t.met]));
    const good = buildResults(measured(scale(0.6, 3.2, 900, 1.1, 0.05)));
    expect(Object.values(met(good)).every((m) => m === true)).to.equal(true);
    const bad = buildResults(measured(scale(0.4, 2.5, 2500, 0.9, 0.3)));
    expect(met(bad)).to.deep.equal({
      "decode-and-match >= 70% of gunzip alone": true,
      "small objects: scan >= 0.5 of the bare GET loop": false,
      "+30 ms: scan >= 3x the 8-in-flight bound": false,
      "listing 17 x 31 folders at +30 ms < 2 s": false,
      "big objects end to end >= 1.0x gunzip alone": false,
      "peak RSS within 20% when the corpus doubles": false,
    });
    const table = renderTable(bad);
    expect(table).to.match(/small objects: scan >= 0\.5 of the bare GET loop\s+0\.40\s+MISSED/);
    expect(table).to.match(/listing 17 x 31 folders at \+30 ms < 2 s\s+2\.50 s\s+MISSED/);
    expect(table).to.include("Load average (1, 5, 15 min): 1, 2, 3 at the start");
    // CPU per object, and the main thread's alone where it was read.
    expect(table).to.match(/\nbare\s+1000\s+100\s+1\.00\s+1\.50\s+640\s+110 {2}the limit\n/);
    expect(table).to.match(/\nscan\s+200\s+100\s+1\.00\s+1\.50\s+640\s+- {2}0\.20 of the bare loop\n/);
  });

  it("reads the main thread's CPU apart from its workers' (Linux)", async function () {
    if (process.platform !== "linux") this.skip();
    const burn = (ms: number) => {
      // CPU used, not wall time: a loaded machine only stretches it.
      const start = process.cpuUsage();
      for (;;) {
        const { user, system } = process.cpuUsage(start);
        if (user + system >= ms * 1000) return;
      }
    };
    const before = mainThreadCpuMs()!;
    burn(200);
    const afterMain = mainThreadCpuMs()!;
    // Ticks of 10 ms, and another thread of this process (GC, a worker) may take a share of the 200 ms.
    expect(afterMain - before).to.be.within(100, 400);
    const worker = new Worker(
      `const s = process.cpuUsage(); for (;;) { const u = process.cpuUsage(s); if (u.user + u.system >= 400000) break; }`,
      { eval: true },
    );
    await new Promise((resolve) => worker.on("exit", resolve));
    expect(mainThreadCpuMs()! - afterMain, "a worker's CPU is not the main thread's").to.be.below(100);
  });
});
