// `npm run verify`: flags in, one result out. stdout carries only the result (the human summary,
// or with --json exactly one JSON object); progress, warnings and errors go to stderr.
import { parseArgs } from "node:util";
import { TrailLabError, UsageError } from "../common/errors";
import { VerifyError } from "./errors";
import { ExitCode } from "../common/exit-codes";
import { integritySummary } from "./integrity/summary";
import { validateIntegrity } from "./integrity/validate";
import { checkPosture, postureExitCode } from "./posture/check-posture";
import { findingsCsv } from "./posture/csv";
import { postureFindings } from "./posture/findings";
import { ocsfFindings } from "./posture/ocsf";
import { postureSummary } from "./posture/summary";
import type { PostureReport } from "./posture/types";
import { resolveRegion } from "./clients";
import { TOOL_NAME, toolVersion } from "../common/provenance";
import { humanSummary } from "./event/summary";
import type { VerifyEvidence } from "./event/types";
import { DEFAULT_EVENT_NAME, verifyTrail } from "./event/verify-trail";
import { DEFAULT_CONCURRENCY, MAX_CONCURRENCY } from "./event/log-scanner";

export interface CliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  signal?: AbortSignal;
}

const FLAGS = {
  trail: { type: "string" },
  bucket: { type: "string" },
  region: { type: "string" },
  regions: { type: "string" },
  account: { type: "string" },
  event: { type: "string" },
  resource: { type: "string" },
  since: { type: "string" },
  until: { type: "string" },
  integrity: { type: "boolean" },
  interval: { type: "string" },
  timeout: { type: "string" },
  concurrency: { type: "string" },
  "no-event-history": { type: "boolean" },
  posture: { type: "boolean" },
  format: { type: "string" },
  engine: { type: "string" },
  workgroup: { type: "string" },
  database: { type: "string" },
  table: { type: "string" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

function seconds(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (value.trim() === "" || !Number.isFinite(parsed) || parsed < 0) throw new UsageError(`--${flag} takes a number of seconds >= 0, not "${value}".`);
  return parsed * 1000;
}

/** `--concurrency <n>`: log objects read at once, a whole number from 1 to MAX_CONCURRENCY. */
function concurrencyFlag(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (value.trim() === "" || !Number.isInteger(parsed) || parsed < 1 || parsed > MAX_CONCURRENCY) {
    throw new UsageError(`--concurrency takes a whole number of requests in flight from 1 to ${MAX_CONCURRENCY} (default ${DEFAULT_CONCURRENCY}), not "${value}".`);
  }
  return parsed;
}

function parseInstant(flag: "since" | "until", value: string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  const at = new Date(value);
  if (Number.isNaN(at.getTime())) throw new UsageError(`--${flag} takes an ISO-8601 instant such as 2025-01-31T12:00:00Z, not "${value}".`);
  return at;
}

/** `--regions a, b` as a list; undefined when not given. */
function regionList(value: string | undefined): string[] | undefined {
  return value?.split(",").map((r) => r.trim()).filter(Boolean);
}

function parseSince(value: string | undefined): Date {
  return parseInstant("since", value) ?? new Date(Date.now() - 60 * 60 * 1000);
}

function parseFlags(argv: string[]) {
  try {
    return parseArgs({ args: argv, options: FLAGS, strict: true, allowPositionals: false }).values;
  } catch (err) {
    throw new UsageError(`${(err as Error).message}\n${USAGE}`);
  }
}

export const USAGE =
  "usage: npm run verify -- --trail <name|arn> [--bucket <name>] [--region <r>] [--regions <r,...>] [--account <id>] " +
  "[--event RunInstances] [--resource <id>] [--since <ISO-8601>] [--interval <s>] [--timeout <s>] [--concurrency <n>] [--no-event-history] " +
  "[--engine s3|athena [--workgroup <wg>] [--database <db>] [--table <t>]] [--json]\n" +
  "       npm run verify -- --trail <name|arn> --posture [--region <r>] [--json | --format ocsf|csv]\n" +
  "       npm run verify -- --trail <name|arn> --integrity [--since <ISO-8601>] [--until <ISO-8601>] [--region <r>] [--regions <r,...>] [--bucket <name>] [--account <id>] [--json]";

const POSTURE_FORMATS = ["ocsf", "csv"] as const;

function postureFormat(format: string | undefined, json: boolean): (typeof POSTURE_FORMATS)[number] | null {
  if (format === undefined) return null;
  if (!POSTURE_FORMATS.includes(format as (typeof POSTURE_FORMATS)[number])) throw new UsageError(`--format is ocsf or csv, not "${format}".\n${USAGE}`);
  if (json) throw new UsageError(`--json and --format are two forms of the output: give one.\n${USAGE}`);
  return format as (typeof POSTURE_FORMATS)[number];
}

/** The findings of a posture check as OCSF Compliance Finding JSON (an array) or CSV. */
function postureExport(report: PostureReport, format: (typeof POSTURE_FORMATS)[number], region: string): string {
  const context = {
    time: report.checkedAt ?? new Date().toISOString(),
    account: report.facts?.trail.arn.split(":")[4] || null,
    region,
    product: { name: TOOL_NAME, version: toolVersion() },
  };
  const findings = postureFindings(report);
  return format === "ocsf" ? `${JSON.stringify(ocsfFindings(findings, context), null, 2)}\n` : findingsCsv(findings, context);
}

/** Runs the command and returns its exit code (the caller sets process.exitCode). */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const say = (line: string) => io.stderr.write(`${line}\n`);
  let json = false;
  let eventName = DEFAULT_EVENT_NAME;
  const print = (evidence: VerifyEvidence) => io.stdout.write(json ? `${JSON.stringify(evidence, null, 2)}\n` : humanSummary(evidence, eventName));
  try {
    const flags = parseFlags(argv);
    if (flags.help) {
      io.stdout.write(`${USAGE}\n`);
      return ExitCode.Ok;
    }
    json = flags.json ?? false;
    if (!flags.trail) throw new UsageError(`--trail is required.\n${USAGE}`);
    if (flags.posture && flags.integrity) throw new UsageError(`--integrity and --posture are separate checks: run one at a time.\n${USAGE}`);
    if (flags.format !== undefined && !flags.posture) throw new UsageError(`--format goes with --posture.\n${USAGE}`);
    if (flags.posture) {
      const format = postureFormat(flags.format, json);
      const report = await checkPosture({ trail: flags.trail, region: flags.region, signal: io.signal });
      io.stdout.write(format ? postureExport(report, format, resolveRegion(flags.region)) : json ? `${JSON.stringify(report, null, 2)}\n` : postureSummary(report));
      return postureExitCode(report);
    }
    if (flags.integrity) {
      const result = await validateIntegrity({
        trail: flags.trail,
        region: flags.region,
        regions: regionList(flags.regions),
        bucket: flags.bucket,
        account: flags.account,
        since: parseSince(flags.since),
        until: parseInstant("until", flags.until),
        onProgress: say,
        signal: io.signal,
      });
      io.stdout.write(json ? `${JSON.stringify(result, null, 2)}\n` : integritySummary(result));
      if (result.reason) say(`not valid: ${result.reason}`);
      return result.valid ? ExitCode.Ok : ExitCode.CheckFailed;
    }
    eventName = flags.event ?? DEFAULT_EVENT_NAME;
    const concurrency = concurrencyFlag(flags.concurrency);
    const engine = flags.engine ?? "s3";
    if (engine !== "s3" && engine !== "athena") throw new UsageError(`--engine is s3 or athena, not "${engine}".\n${USAGE}`);
    if (engine === "s3" && (flags.workgroup || flags.database || flags.table)) {
      throw new UsageError(`--workgroup, --database and --table go with --engine athena.\n${USAGE}`);
    }
    if (engine === "athena" && concurrency !== undefined) throw new UsageError(`--concurrency sets how many log objects this process reads at once: it goes with --engine s3.\n${USAGE}`);
    const evidence = await verifyTrail({
      trail: flags.trail,
      region: flags.region,
      regions: regionList(flags.regions),
      bucket: flags.bucket,
      account: flags.account,
      eventName,
      resource: flags.resource,
      since: parseSince(flags.since),
      intervalMs: seconds("interval", flags.interval),
      timeoutMs: seconds("timeout", flags.timeout),
      concurrency,
      eventHistory: !flags["no-event-history"],
      engine,
      athena: engine === "athena" ? { workgroup: flags.workgroup ?? "", database: flags.database ?? "", table: flags.table ?? "cloudtrail_logs" } : undefined,
      onProgress: say,
      signal: io.signal,
    });
    print(evidence);
    return evidence.verified ? ExitCode.Ok : ExitCode.CheckFailed;
  } catch (err) {
    if (err instanceof TrailLabError) {
      if (err instanceof VerifyError && err.evidence) print(err.evidence);
      say(`${err.name}: ${err.message}`);
      return err.exitCode;
    }
    // Every AWS call's failure arrives named; what is left is most likely a transport failure.
    say(`Unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    return ExitCode.AwsError;
  }
}

if (require.main === module) {
  const interrupt = new AbortController();
  const onSignal = () => interrupt.abort();
  process.once("SIGINT", onSignal).once("SIGTERM", onSignal);
  void runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, signal: interrupt.signal }).then((code) => {
    process.exitCode = code;
    process.off("SIGINT", onSignal).off("SIGTERM", onSignal);
  });
}
