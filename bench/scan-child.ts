// One scan through S3 in a process of its own, so that its peak RSS is the scan's alone and the
// S3 server (in the parent) runs on the other core, as a remote S3 would. The scanner is the one
// verifyTrail drives round after round: listing, GET, decode and match at its default concurrency,
// with a client from verify's own createAwsClients (endpoint from AWS_ENDPOINT_URL_S3).
// Input: one JSON argument (ScanJob); output: one JSON line on stdout (ScanReport).
import { DEFAULT_CONCURRENCY, LogScanner, compileCriteria, createAwsClients } from "../verify";
// The scanner itself, not the polling loop around it: the bench measures one full round.

export interface ScanJob {
  bucket: string;
  account: string;
  regions: string[];
  /** ISO instants: the first day's start, and the last day's end (the scan's `now`). */
  from: string;
  to: string;
  eventName: string;
  resource: string;
}

export interface ScanReport {
  ms: number;
  objects: number;
  bytes: number;
  gzBytes: number;
  eventIds: string[];
  skipped: number;
  concurrency: number;
  /** CPU time (user + system) the scan took in this process. */
  cpuMs: number;
  /** Peak resident set size (bytes) once everything was loaded, before the scan started. */
  maxRssBeforeScan: number;
  /** Peak resident set size (bytes) of the whole process at the end. */
  maxRss: number;
}

async function main(job: ScanJob): Promise<ScanReport> {
  const { s3 } = createAwsClients({ region: "us-east-1", maxAttempts: 1 });
  const scanner = new LogScanner({
    s3,
    bucket: job.bucket,
    trailPrefix: null,
    account: job.account,
    regions: job.regions,
    from: new Date(job.from),
    criteria: compileCriteria({ eventName: job.eventName, resource: job.resource, since: new Date(job.from) }),
  });
  const maxRssBeforeScan = process.resourceUsage().maxRSS * 1024;
  const started = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  await scanner.scanRound(new Date(job.to));
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  const { user, system } = process.cpuUsage(cpu);
  await scanner.close();
  s3.destroy();
  return {
    ms,
    objects: scanner.objectsScanned,
    bytes: scanner.bytesScanned,
    gzBytes: scanner.bytesDownloaded,
    eventIds: [...scanner.matches.keys()],
    skipped: scanner.skipped.length,
    concurrency: DEFAULT_CONCURRENCY,
    cpuMs: (user + system) / 1000,
    maxRssBeforeScan,
    maxRss: process.resourceUsage().maxRSS * 1024,
  };
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
