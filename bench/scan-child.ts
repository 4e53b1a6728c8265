// Scans through S3 in a process of its own, so that its peak RSS is the scan's alone and the S3
// server (another process) competes with it for the cores as a remote S3's network stack would.
// The scanner is the one verifyTrail drives round after round (listing, GET, decode and match),
// with a client from verify's own createAwsClients (endpoint from AWS_ENDPOINT_URL_S3). Beside
// it, the bare GET loop (get-loop.ts) over the same keys, so that the two share the process and
// the machine's mood. Input: one JSON argument (ScanJob); output: one JSON line (ScanReport).
import { readFileSync } from "node:fs";
import { ListObjectsV2Command } from "@aws-sdk/client-s3";
import { DEFAULT_CONCURRENCY, LogScanner, compileCriteria, createAwsClients, logFileStamp, type GetPath } from "../verify";
import { bareGetLoop } from "./get-loop";

/** What one scan reads and how; a step may change any of it for itself. */
export interface ScanSettings {
  bucket: string;
  account: string;
  regions: string[];
  /** ISO instants: the first day's start, and the last day's end (the scan's `now`). */
  from: string;
  to: string;
  eventName: string;
  resource: string;
  concurrency?: number;
  getPath?: GetPath;
  /** Decode worker threads; 0 decodes on the I/O thread. Defaults to the scanner's (one per core). */
  decodeWorkers?: number;
  /** Folders listed at once; defaults to the scanner's. */
  listConcurrency?: number;
}

/** A fresh scanner's full round, or the bare GET loop over the same logs, with the job's settings changed as it says. */
export type Step = { kind: "scan" | "bare" } & Partial<ScanSettings>;

export interface ScanJob extends ScanSettings {
  /** Run in order, in this one process. */
  steps: Step[];
}

export interface StepReport {
  kind: "scan" | "bare";
  concurrency: number;
  ms: number;
  objects: number;
  /** Uncompressed log bytes decoded (0 for the bare loop, which decodes nothing). */
  bytes: number;
  gzBytes: number;
  /** The needle's eventID, if the scan found it (the bare loop finds nothing). */
  eventIds: string[];
  skipped: number;
  /** CPU time (user + system) of this process over the step. */
  cpuMs: number;
  /** CPU time of the main thread alone (listing, GETs, hand-off to the pool, matching): Linux only, else null. */
  mainThreadCpuMs: number | null;
  /** The lowest the in-flight limit went (below `concurrency` only after a SlowDown). */
  lowestInFlight: number | null;
}

export interface ScanReport {
  steps: StepReport[];
  /** Peak resident set size (bytes) once everything was loaded, before the first step. */
  maxRssBeforeScan: number;
  /** Peak resident set size (bytes) of the whole process at the end. */
  maxRss: number;
}

/**
 * CPU time (ms) of this process's main thread so far, from /proc (clock ticks of 10 ms: USER_HZ
 * is 100 in every Linux ABI); null where there is no /proc. process.cpuUsage() counts the decode
 * workers too, and the main thread's share is the one a small object's cost is bound by.
 */
export function mainThreadCpuMs(): number | null {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, "latin1");
    // After the command name in parentheses (which may hold spaces): utime and stime are fields 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return null;
  }
}

/** CPU ms of the main thread between two readings, or null. */
function mainSince(before: number | null): number | null {
  const now = mainThreadCpuMs();
  return before === null || now === null ? null : now - before;
}

/** The log keys the scan of `job` reads: every log file of its regions stamped in its range. */
async function logKeys(job: ScanSettings, s3: ReturnType<typeof createAwsClients>["s3"]): Promise<string[]> {
  const keys: string[] = [];
  const [from, to] = [Date.parse(job.from), Date.parse(job.to)];
  for (const region of job.regions) {
    let token: string | undefined;
    do {
      const page = await s3.send(
        new ListObjectsV2Command({ Bucket: job.bucket, Prefix: `AWSLogs/${job.account}/CloudTrail/${region}/`, ContinuationToken: token }),
      );
      for (const { Key: key } of page.Contents ?? []) {
        const stamp = key ? logFileStamp(key)?.getTime() : undefined;
        if (key && stamp !== undefined && stamp >= from && stamp <= to) keys.push(key);
      }
      token = page.NextContinuationToken;
    } while (token);
  }
  return keys;
}

async function scanOnce(job: ScanSettings, s3: ReturnType<typeof createAwsClients>["s3"]): Promise<StepReport> {
  const from = new Date(job.from);
  const scanner = new LogScanner({
    s3,
    bucket: job.bucket,
    trailPrefix: null,
    account: job.account,
    regions: job.regions,
    from,
    criteria: compileCriteria({ eventName: job.eventName, resource: job.resource, since: from }),
    concurrency: job.concurrency,
    getPath: job.getPath,
    decodeWorkers: job.decodeWorkers,
    listConcurrency: job.listConcurrency,
  });
  try {
    // In verify the workers load beside the trail lookups; here the clock starts once they have.
    await scanner.ready();
    const cpu = process.cpuUsage();
    const main = mainThreadCpuMs();
    const started = process.hrtime.bigint();
    await scanner.scanRound(new Date(job.to));
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    const { user, system } = process.cpuUsage(cpu);
    return {
      kind: "scan",
      concurrency: scanner.concurrency,
      ms,
      objects: scanner.objectsScanned,
      bytes: scanner.bytesScanned,
      gzBytes: scanner.bytesDownloaded,
      eventIds: [...scanner.matches.keys()],
      skipped: scanner.skipped.length,
      cpuMs: (user + system) / 1000,
      mainThreadCpuMs: mainSince(main),
      lowestInFlight: scanner.inFlight.lowest,
    };
  } finally {
    await scanner.close();
  }
}

async function main(job: ScanJob): Promise<ScanReport> {
  const most = Math.max(DEFAULT_CONCURRENCY, ...job.steps.map((s) => s.concurrency ?? job.concurrency ?? 0));
  const { s3 } = createAwsClients({ region: "us-east-1", maxAttempts: 1, maxSockets: most + 16 });
  const endpoint = process.env.AWS_ENDPOINT_URL_S3 ?? "";
  const keys = new Map<string, string[]>();
  // Listed before anything is timed, for every bare loop.
  for (const step of job.steps.filter((s) => s.kind === "bare")) {
    const settings = { ...job, ...step };
    const id = JSON.stringify([settings.bucket, settings.regions, settings.from, settings.to]);
    if (!keys.has(id)) keys.set(id, await logKeys(settings, s3));
  }
  const maxRssBeforeScan = process.resourceUsage().maxRSS * 1024;
  const steps: StepReport[] = [];
  for (const step of job.steps) {
    const settings: ScanSettings = { ...job, ...step };
    if (step.kind === "scan") {
      steps.push(await scanOnce(settings, s3));
      continue;
    }
    const concurrency = settings.concurrency ?? DEFAULT_CONCURRENCY;
    const listed = keys.get(JSON.stringify([settings.bucket, settings.regions, settings.from, settings.to]))!;
    const cpu = process.cpuUsage();
    const main = mainThreadCpuMs();
    const loop = await bareGetLoop(endpoint, settings.bucket, listed, concurrency);
    const { user, system } = process.cpuUsage(cpu);
    steps.push({
      kind: "bare",
      concurrency,
      ms: loop.ms,
      objects: loop.objects,
      bytes: 0,
      gzBytes: loop.gzBytes,
      eventIds: [],
      skipped: 0,
      cpuMs: (user + system) / 1000,
      mainThreadCpuMs: mainSince(main),
      lowestInFlight: null,
    });
  }
  s3.destroy();
  return { steps, maxRssBeforeScan, maxRss: process.resourceUsage().maxRSS * 1024 };
}

if (require.main === module) {
  main(JSON.parse(process.argv[2] ?? "{}") as ScanJob).then(
    (report) => process.stdout.write(`${JSON.stringify(report)}\n`),
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
