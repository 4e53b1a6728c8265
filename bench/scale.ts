// The scan at real scale: thousands of small objects (5 to 100 KB gzipped), S3's latency, and
// both cores, each measured against a limit in the same run. The S3 server is the in-memory one
// (test/support/servers/memory-s3.ts) in a process of its own, holding the small corpus, its double, the
// big-object corpus and an empty bucket; every scan runs in a child (scan-child.ts).
//   - small objects: the scan's objects/s against a bare keep-alive GET loop with as many in flight,
//     rounds interleaved in one child, and the scan with the SDK's GetObject and with decoding on
//     the I/O thread beside it;
//   - 30 ms added to every request: the scan against the 8-in-flight bound (8 / 30 ms), and the
//     listing of 17 regions x 31 days of (empty) folders;
//   - big objects: end to end against single-core gunzip alone, in process, on the same objects;
//   - peak RSS of a scan of the corpus and of its double, each in a fresh child.
// A child that times several steps first runs an untimed one over a fifth of the files: the first
// requests of a fresh process run cold (JIT, connections), and would weigh on whichever step came first.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { setImmediate } from "node:timers/promises";
import { DEFAULT_CONCURRENCY, gunzipLog } from "../verify";
import { startMemoryS3Process, type MemoryS3Process } from "../test/support/servers/memory-s3-process";
import { bigCorpusConfig, corpusView, ensureCorpus, smallCorpusConfig, type CorpusManifest, type CorpusView } from "./corpus";
import { WrongAnswerError } from "./errors";
import { scanThroughS3 } from "./measure";
import type { ScanJob, ScanReport, Step, StepReport } from "./scan-child";

/** The latency added to every S3 request in the latency rows, and the bound the scan is held to. */
export const ADDED_LATENCY_MS = 30;
export const BOUND_IN_FLIGHT = 8;
/** The listing row: every day folder of 17 regions over 31 days. */
export const LISTING_REGIONS = 17;
export const LISTING_DAYS = 31;
/** In-flight counts the --sweep measures at 30 ms, to choose the default from. */
export const SWEEP = [8, 16, 32, 64, 128, 256];

const SMALL_BUCKET = "bench-small-logs";
/** The warm-up steps read this region's files (a fifth of the corpus; the needle is elsewhere or not, it does not matter). */
const WARM_UP_REGION = "us-west-2";
const BIG_BUCKET = "bench-big-logs";
const EMPTY_BUCKET = "bench-empty-logs";
const SEVENTEEN_REGIONS = [
  "us-east-1",
  "us-east-2",
  "us-west-1",
  "us-west-2",
  "ca-central-1",
  "eu-west-1",
  "eu-west-2",
  "eu-west-3",
  "eu-central-1",
  "eu-north-1",
  "ap-northeast-1",
  "ap-northeast-2",
  "ap-northeast-3",
  "ap-southeast-1",
  "ap-southeast-2",
  "ap-south-1",
  "sa-east-1",
];

export interface ScaleOptions {
  corpusDir: string;
  seed: number;
  /** Interleaved rounds of the bare loop and the scan; the median ratio is kept. */
  rounds: number;
  /** Also scan at every in-flight count of SWEEP at 30 ms. */
  sweep: boolean;
  /** Regenerate the corpora even when they are on disk. */
  fresh: boolean;
  say: (line: string) => void;
  signal: AbortSignal;
}

export interface ScanRun {
  label: string;
  concurrency: number;
  objects: number;
  ms: number;
  objectsPerSecond: number;
  /** Uncompressed log, MB (10^6 bytes) per second. */
  mbPerSecond: number;
  /** CPU time of the scanning process over wall time (2.0 = both cores busy). */
  cpuShare: number;
  /** CPU time of the process per object, microseconds (decode workers included). */
  cpuUsPerObject: number;
  /** CPU time of its main thread alone per object, microseconds; null where it cannot be read (not Linux). */
  mainUsPerObject: number | null;
}

export interface ScaleResults {
  corpus: {
    objects: number;
    days: number;
    regions: number;
    gzBytes: number;
    bytes: number;
    minGz: number;
    medianGz: number;
    maxGz: number;
  };
  concurrency: number;
  small: {
    /** Median over rounds of scan objects/s over the bare loop's in the same round. */
    vsBareLoop: number;
    rounds: { bare: ScanRun; scan: ScanRun; ratio: number }[];
    sdkGets: ScanRun;
    decodeOnIoThread: ScanRun;
  };
  latency: {
    addedMs: number;
    scan: ScanRun;
    /** BOUND_IN_FLIGHT / addedMs, in objects per second. */
    boundObjectsPerSecond: number;
    vsBound: number;
    sweep: ScanRun[];
    listing: { folders: number; ms: number };
  };
  big: { objects: number; bytes: number; gunzipMbPerSecond: number; scan: ScanRun; vsGunzip: number };
  memory: {
    baseObjects: number;
    doubledObjects: number;
    baseMaxRssMB: number;
    doubledMaxRssMB: number;
    baseBeforeScanMB: number;
    doubledBeforeScanMB: number;
    change: number;
  };
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

function run(label: string, step: StepReport): ScanRun {
  return {
    label,
    concurrency: step.concurrency,
    objects: step.objects,
    ms: Math.round(step.ms),
    objectsPerSecond: Math.round((step.objects / step.ms) * 1000),
    mbPerSecond: Math.round((step.bytes / 1e3 / step.ms) * 10) / 10,
    cpuShare: Math.round((step.cpuMs / step.ms) * 100) / 100,
    cpuUsPerObject: Math.round((step.cpuMs / step.objects) * 1000),
    mainUsPerObject: step.mainThreadCpuMs === null ? null : Math.round((step.mainThreadCpuMs / step.objects) * 1000),
  };
}

function job(view: CorpusView, needle: CorpusManifest["needle"], bucket: string, steps: Step[]): ScanJob {
  return {
    bucket,
    account: view.config.account,
    regions: view.config.regions.map((r) => r.name),
    from: view.from.toISOString(),
    to: view.to.toISOString(),
    eventName: "RunInstances",
    resource: needle.instanceId,
    steps,
  };
}

function expectNeedle(what: string, needle: CorpusManifest["needle"], step: StepReport): void {
  if (step.kind === "scan" && (step.eventIds.length !== 1 || step.eventIds[0] !== needle.eventID))
    throw new WrongAnswerError(what, needle.eventID, step.eventIds);
}

/** Gunzip alone on one core, the limit of the big-object row: median of `rounds` passes. */
async function gunzipSpeed(
  objects: readonly Buffer[],
  rounds: number,
  signal: AbortSignal,
): Promise<{ mbPerSecond: number; bytes: number }> {
  const speeds: number[] = [];
  let bytes = 0;
  for (let i = 0; i < rounds; i++) {
    await setImmediate();
    signal.throwIfAborted();
    const started = process.hrtime.bigint();
    bytes = objects.reduce((sum, gz) => sum + gunzipLog(gz).length, 0);
    speeds.push(bytes / 1e3 / (Number(process.hrtime.bigint() - started) / 1e6));
  }
  return { mbPerSecond: median(speeds), bytes };
}

export async function measureScale(options: ScaleOptions): Promise<ScaleResults> {
  const { say, signal } = options;
  const smallConfig = smallCorpusConfig({ seed: options.seed });
  const smallRoot = join(options.corpusDir, `small-seed${options.seed}-${smallConfig.days}d`);
  const small = await ensureCorpus(smallRoot, smallConfig, 2, say, { signal, fresh: options.fresh });
  const bigConfig = bigCorpusConfig({ seed: options.seed });
  const bigRoot = join(options.corpusDir, `big-seed${options.seed}`);
  const big = await ensureCorpus(bigRoot, bigConfig, 1, say, { signal, fresh: options.fresh });
  const base = corpusView(smallRoot, small, smallConfig.days);
  const doubled = corpusView(smallRoot, small, smallConfig.days * 2);
  const bigView = corpusView(bigRoot, big, 1);
  const gz = base.logs.map((l) => l.gzBytes).sort((a, b) => a - b);
  say(
    `scale: small corpus ${base.logs.length} objects (${(base.gzBytes / 1e6).toFixed(0)} MB gzipped, median ${(gz[gz.length >> 1] / 1e3).toFixed(0)} KB), doubled ${doubled.logs.length}; big ${bigView.logs.length} objects of ${(bigView.bytes / bigView.logs.length / 1e6).toFixed(1)} MB`,
  );

  say("scale: loading the in-memory S3 server (its own process)");
  const s3: MemoryS3Process = await startMemoryS3Process({
    buckets: [{ name: SMALL_BUCKET, root: smallRoot }, { name: BIG_BUCKET, root: bigRoot }, { name: EMPTY_BUCKET }],
  });
  const env = {
    ...process.env,
    AWS_ENDPOINT_URL_S3: s3.endpoint,
    AWS_ACCESS_KEY_ID: "BENCH",
    AWS_SECRET_ACCESS_KEY: "BENCH",
    AWS_REGION: "us-east-1",
  };
  /** Runs the job in a child, drops the reports of its first `untimed` (warm-up) steps, and checks every other scan found the needle. */
  const child = async (what: string, scanJob: ScanJob, untimed: number): Promise<ScanReport> => {
    const report = await scanThroughS3(scanJob, env, signal);
    report.steps.splice(0, untimed);
    for (const step of report.steps) expectNeedle(what, small.needle, step);
    return report;
  };
  try {
    const c = DEFAULT_CONCURRENCY;
    say(`scale: small objects, no added latency: ${options.rounds} rounds of the bare GET loop and the scan, ${c} in flight`);
    // Untimed first, over one region's files: a fresh process runs its first requests cold (JIT, sockets).
    const warmUp: Step[] = [
      { kind: "bare", regions: [WARM_UP_REGION] },
      { kind: "scan", regions: [WARM_UP_REGION] },
    ];
    const steps: Step[] = [...warmUp];
    for (let i = 0; i < options.rounds; i++) steps.push({ kind: "bare" }, { kind: "scan" });
    steps.push({ kind: "scan", getPath: "sdk" }, { kind: "scan", decodeWorkers: 0 });
    const first = await child("the small-object scan", job(base, small.needle, SMALL_BUCKET, steps), warmUp.length);
    const rounds = Array.from({ length: options.rounds }, (_, i) => {
      const bare = run("bare keep-alive GET loop", first.steps[2 * i]);
      const scan = run("scan", first.steps[2 * i + 1]);
      say(
        `scale: round ${i + 1}: bare loop ${bare.objectsPerSecond} obj/s, scan ${scan.objectsPerSecond} obj/s (${scan.mbPerSecond} MB/s of log): ${(scan.objectsPerSecond / bare.objectsPerSecond).toFixed(2)}`,
      );
      return { bare, scan, ratio: Math.round((scan.objectsPerSecond / bare.objectsPerSecond) * 1000) / 1000 };
    });
    const sdkGets = run("scan, SDK GetObject", first.steps[2 * options.rounds]);
    const decodeOnIoThread = run("scan, decoded on the I/O thread", first.steps[2 * options.rounds + 1]);
    say(
      `scale: the scan with the SDK's GetObject ${sdkGets.objectsPerSecond} obj/s; decoding on the I/O thread ${decodeOnIoThread.objectsPerSecond} obj/s`,
    );

    await s3.setLatency(ADDED_LATENCY_MS);
    say(
      `scale: ${ADDED_LATENCY_MS} ms added to every request: the scan, then the listing of ${LISTING_REGIONS} regions x ${LISTING_DAYS} days`,
    );
    const listFrom = new Date(base.to.getTime() - (LISTING_DAYS - 1) * 86_400_000);
    const latencySteps: Step[] = [
      { kind: "scan", regions: [WARM_UP_REGION] },
      { kind: "scan" },
      {
        kind: "scan",
        bucket: EMPTY_BUCKET,
        regions: SEVENTEEN_REGIONS,
        from: new Date(Date.UTC(listFrom.getUTCFullYear(), listFrom.getUTCMonth(), listFrom.getUTCDate())).toISOString(),
      },
      ...(options.sweep ? SWEEP.map((concurrency): Step => ({ kind: "scan", concurrency })) : []),
    ];
    const slow = await scanThroughS3(job(base, small.needle, SMALL_BUCKET, latencySteps), env, signal);
    slow.steps.splice(0, 1);
    expectNeedle("the scan at 30 ms", small.needle, slow.steps[0]);
    const latencyScan = run(`scan at +${ADDED_LATENCY_MS} ms`, slow.steps[0]);
    const boundObjectsPerSecond = (BOUND_IN_FLIGHT / ADDED_LATENCY_MS) * 1000;
    const listing = { folders: LISTING_REGIONS * LISTING_DAYS, ms: Math.round(slow.steps[1].ms) };
    const sweep = slow.steps.slice(2).map((s) => run(`scan at +${ADDED_LATENCY_MS} ms, ${s.concurrency} in flight`, s));
    for (const s of sweep) expectNeedle("the sweep", small.needle, slow.steps[2 + sweep.indexOf(s)]);
    say(
      `scale: at +${ADDED_LATENCY_MS} ms: ${latencyScan.objectsPerSecond} obj/s, ${(latencyScan.objectsPerSecond / boundObjectsPerSecond).toFixed(1)}x the ${BOUND_IN_FLIGHT}-in-flight bound; listing ${listing.folders} folders took ${(listing.ms / 1000).toFixed(2)} s`,
    );
    if (sweep.length > 0)
      say(`scale: sweep at +${ADDED_LATENCY_MS} ms: ${sweep.map((s) => `${s.concurrency}: ${s.objectsPerSecond} obj/s`).join(", ")}`);
    await s3.setLatency(0);

    say("scale: big objects end to end, against gunzip alone on one core");
    const bigObjects = bigView.logs.map((l) => readFileSync(join(bigRoot, l.key)));
    const before = await gunzipSpeed(bigObjects, 3, signal);
    const bigScan = await scanThroughS3(
      { ...job(bigView, big.needle, BIG_BUCKET, [{ kind: "scan" }, { kind: "scan" }, { kind: "scan" }]) },
      env,
      signal,
    );
    for (const step of bigScan.steps) expectNeedle("the big-object scan", big.needle, step);
    const after = await gunzipSpeed(bigObjects, 3, signal);
    const gunzipMbPerSecond = median([before.mbPerSecond, after.mbPerSecond]);
    const bigRuns = bigScan.steps.map((s) => run("big objects end to end", s));
    const bigBest = bigRuns.sort((a, b) => a.mbPerSecond - b.mbPerSecond)[bigRuns.length >> 1];
    say(`scale: big objects: scan ${bigBest.mbPerSecond} MB/s, gunzip alone ${gunzipMbPerSecond.toFixed(0)} MB/s on one core`);

    say("scale: peak RSS of a scan of the corpus, then of its double, each in a fresh process");
    const rssBase = await scanThroughS3(job(base, small.needle, SMALL_BUCKET, [{ kind: "scan" }]), env, signal);
    const rssDoubled = await scanThroughS3(job(doubled, small.needle, SMALL_BUCKET, [{ kind: "scan" }]), env, signal);
    expectNeedle("the scan of the corpus", small.needle, rssBase.steps[0]);
    expectNeedle("the scan of the doubled corpus", small.needle, rssDoubled.steps[0]);
    const mb = (bytes: number) => Math.round(bytes / 1e5) / 10;

    return {
      corpus: {
        objects: base.logs.length,
        days: smallConfig.days,
        regions: smallConfig.regions.length,
        gzBytes: base.gzBytes,
        bytes: base.bytes,
        minGz: gz[0],
        medianGz: gz[gz.length >> 1],
        maxGz: gz[gz.length - 1],
      },
      concurrency: c,
      small: { vsBareLoop: median(rounds.map((r) => r.ratio)), rounds, sdkGets, decodeOnIoThread },
      latency: {
        addedMs: ADDED_LATENCY_MS,
        scan: latencyScan,
        boundObjectsPerSecond,
        vsBound: latencyScan.objectsPerSecond / boundObjectsPerSecond,
        sweep,
        listing,
      },
      big: {
        objects: bigView.logs.length,
        bytes: bigView.bytes,
        gunzipMbPerSecond,
        scan: bigBest,
        vsGunzip: bigBest.mbPerSecond / gunzipMbPerSecond,
      },
      memory: {
        baseObjects: rssBase.steps[0].objects,
        doubledObjects: rssDoubled.steps[0].objects,
        baseMaxRssMB: mb(rssBase.maxRss),
        doubledMaxRssMB: mb(rssDoubled.maxRss),
        baseBeforeScanMB: mb(rssBase.maxRssBeforeScan),
        doubledBeforeScanMB: mb(rssDoubled.maxRssBeforeScan),
        change: rssDoubled.maxRss / rssBase.maxRss - 1,
      },
    };
  } finally {
    await s3.close();
  }
}
