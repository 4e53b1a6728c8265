// validateIntegrity alone, in a process of its own: what the integrity check costs once the
// process is up (its modules loaded), apart from the start-up a command line pays first. Its
// clients come from the standard AWS environment the parent sets (AWS_ENDPOINT_URL_S3,
// AWS_ENDPOINT_URL_CLOUDTRAIL), as `trail-lab verify --integrity` makes them. Input: one JSON
// argument (IntegrityJob); output: one JSON line (IntegrityChildReport).
import { validateIntegrity } from "../verify";

export interface IntegrityJob {
  trail: string;
  region: string;
  since: string;
  until: string;
}

export interface IntegrityChildReport {
  ms: number;
  /** CPU time (user + system) of this process over the check. */
  cpuMs: number;
  /** CPU time of this process before the check: loading its modules. */
  startupCpuMs: number;
  /** Peak resident set size (bytes) once loaded, before the check, and at the end. */
  maxRssBeforeCheck: number;
  maxRss: number;
  valid: boolean;
  digests: { valid: number; total: number };
  logs: { valid: number; total: number };
}

async function main(job: IntegrityJob): Promise<IntegrityChildReport> {
  const startup = process.cpuUsage();
  const maxRssBeforeCheck = process.resourceUsage().maxRSS * 1024;
  const started = process.hrtime.bigint();
  const result = await validateIntegrity({
    trail: job.trail,
    region: job.region,
    since: new Date(job.since),
    until: new Date(job.until),
    eventHistory: false,
  });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  const { user, system } = process.cpuUsage(startup);
  return {
    ms,
    cpuMs: (user + system) / 1000,
    startupCpuMs: (startup.user + startup.system) / 1000,
    maxRssBeforeCheck,
    maxRss: process.resourceUsage().maxRSS * 1024,
    valid: result.valid,
    digests: result.digests,
    logs: result.logs,
  };
}

if (require.main === module) {
  main(JSON.parse(process.argv[2] ?? "{}") as IntegrityJob).then(
    (report) => process.stdout.write(`${JSON.stringify(report)}\n`),
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
