// `trail-lab verify` (`npm run verify`): flags in, one result out. stdout carries only the result
// (the human summary, or with --json exactly one JSON object); progress, warnings and the one
// printed error go to stderr. The flags are one table (VERIFY_COMMAND): the parser and --help
// both come from it.
import { TrailLabError, UsageError } from "../common/errors";
import { VerifyError } from "./errors";
import { ExitCode } from "../common/exit-codes";
import { REGION_HINT, chooseAwsTarget } from "../common/aws-config";
import { DEFAULT_CREDENTIALS_DEADLINE_MS, setCredentialPolicy } from "../common/credentials";
import { errorText } from "../common/error-detail";
import {
  PROFILE_FLAG,
  SHARED_FLAGS,
  helpHint,
  helpText,
  parseCommandLine,
  type CommandSpec,
  type FlagTable,
  type FlagValues,
} from "../common/flag-table";
import { INSTANT_RULE, durationRule, parseCount, parseInstant, parseSeconds } from "../common/flag-values";
import { integritySummary } from "./integrity/summary";
import { DEFAULT_RETENTION_DAYS } from "./posture/controls";
import { asffFindings } from "./posture/exports/asff";
import { findingsCsv } from "./posture/exports/csv";
import { postureFindings } from "./posture/exports/findings";
import { ocsfFindings } from "./posture/exports/ocsf";
import { postureSummary } from "./posture/summary";
import type { PostureReport } from "./posture/types";
import { TOOL_NAME, toolVersion, versionLine } from "../common/provenance";
import { humanSummary } from "./event/summary";
import type { VerifyEvidence } from "./event/types";
// The checks themselves (and the AWS SDK under them) load only when one runs: --help reads the
// defaults alone, from a module of their own.
import { DEFAULT_CONCURRENCY, DEFAULT_EVENT_NAME, DEFAULT_INTERVAL_MS, DEFAULT_TIMEOUT_MS, MAX_CONCURRENCY } from "./event/defaults";
import type { LogsTarget } from "./target";
import { guardUnfinished } from "../common/unfinished";

export interface CliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /**
   * Aborting ends the check (runProcess aborts on SIGINT and SIGTERM).
   * @default none
   */
  signal?: AbortSignal;
  /**
   * Where AWS_REGION, AWS_PROFILE and the shared files' paths are read.
   * @default process.env
   */
  env?: NodeJS.ProcessEnv;
}

export const VERIFY_COMMAND = {
  name: "verify",
  summary:
    "Checks a CloudTrail trail: that it is logging and that an event reached its S3 logs and Event History (the default), " +
    "that its log files are intact (--integrity), or how it is configured against the security controls (--posture).",
  flags: {
    trail: {
      type: "string",
      value: "<name|arn>",
      help: "the trail to check (required); an ARN reaches a trail from outside its home region",
    },
    ...PROFILE_FLAG,
    region: {
      type: "string",
      value: "<region>",
      help: "the region of the CloudTrail calls",
      default: "AWS_REGION, else AWS_DEFAULT_REGION, else the profile's region",
    },
    regions: {
      type: "string",
      value: "<r1,r2,...>",
      help: "the regions whose log folders are read",
      default: "--region; with --integrity, every region with digests",
    },
    bucket: { type: "string", value: "<name>", help: "the bucket the logs are in", default: "the trail's" },
    account: { type: "string", value: "<id>", help: "the account folder under AWSLogs/", default: "the account in the trail's ARN" },
    event: { type: "string", value: "<name>", help: "the event to find", default: DEFAULT_EVENT_NAME },
    resource: { type: "string", value: "<id>", help: "a resource the event must name, such as an instance id", default: "any" },
    since: { type: "string", value: "<instant>", help: `the earliest event time, ${INSTANT_RULE}`, default: "an hour ago" },
    until: { type: "string", value: "<instant>", help: "with --integrity, the end of the range", default: "now" },
    interval: {
      type: "string",
      value: "<seconds>",
      help: "the pause between looks at the logs",
      default: String(DEFAULT_INTERVAL_MS / 1000),
    },
    timeout: {
      type: "string",
      value: "<seconds>",
      help: "how long to look before the answer is no; 0 looks once",
      default: `${DEFAULT_TIMEOUT_MS / 1000} (${DEFAULT_TIMEOUT_MS / 60_000} minutes)`,
    },
    concurrency: {
      type: "string",
      value: "<n>",
      help: `with --search s3, the log objects read at once (1 to ${MAX_CONCURRENCY})`,
      default: String(DEFAULT_CONCURRENCY),
    },
    "no-event-history": {
      type: "boolean",
      help: "do not ask Event History (LookupEvents): rely on the S3 logs alone; with --integrity, leave chain restarts unexplained",
    },
    search: {
      type: "string",
      value: "<s3|athena>",
      help: "who searches the logs: this process reading S3, or Athena over a table",
      default: "s3",
    },
    workgroup: {
      type: "string",
      value: "<name>",
      help: "with --search athena, the Athena workgroup; with --posture, a workgroup whose results bucket is judged too",
    },
    database: { type: "string", value: "<name>", help: "with --search athena, the Glue database" },
    table: { type: "string", value: "<name>", help: "with --search athena, the table", default: "cloudtrail_logs" },
    integrity: {
      type: "boolean",
      help: "validate the log files' integrity (digests, signatures, chain, hashes) from --since to --until, as 'aws cloudtrail validate-logs' does",
    },
    posture: {
      type: "boolean",
      help: "judge the trail, its bucket and the stack's other buckets (its access-log bucket, found) against the security controls",
    },
    buckets: { type: "string", value: "<b1,b2,...>", help: "with --posture, more buckets of the stack to judge against the S3 controls" },
    "retention-days": {
      type: "string",
      value: "<days>",
      help: "with --posture, the days no lifecycle rule may expire the trail's log files sooner than (TrailLab.Retention)",
      default: String(DEFAULT_RETENTION_DAYS),
    },
    format: {
      type: "string",
      value: "<ocsf|asff|csv>",
      help: "with --posture, print the findings as OCSF Compliance Findings, as ASFF for Security Hub's batch-import-findings, or as CSV",
    },
    json: { type: "boolean", help: "print the result as one JSON object" },
    ...SHARED_FLAGS,
  },
  // "engine" means the Pulumi engine only; who searches the logs is the search.
  renamed: { engine: "search" },
  examples: [
    "trail-lab verify --trail my-logs-trail --profile lab --since 2025-01-31T12:00:00Z",
    "trail-lab verify --trail my-logs-trail --posture --format csv",
    "trail-lab verify --trail my-logs-trail --posture --format asff > findings.json && aws securityhub batch-import-findings --findings file://findings.json",
    "trail-lab verify --trail my-logs-trail --integrity --since 2025-01-31T00:00:00Z --json",
  ],
  notes: [
    `Durations (--interval, --timeout) are ${durationRule(0)}; --interval must be above 0. ` +
      `Instants (--since, --until) are ${INSTANT_RULE}, no earlier than CloudTrail's start (2013-11-13) and no more than 5 minutes ahead of this clock.`,
    "A flag the chosen check does not read is refused (exit 2), never ignored: --bucket, --account and --regions name the " +
      "log folders the event check and --integrity read; --posture judges the trail's own bucket (name more with --buckets).",
    "Exit codes: 0 the check holds, 1 the answer is no, 2 bad usage, 3 AWS refused or failed a call.",
  ],
} as const satisfies CommandSpec<FlagTable>;

/** The check a run makes: the event check, unless --integrity or --posture names another. */
type Check = "event" | "integrity" | "posture";

const CHECK_NAMES: Record<Check, string> = { event: "the event check", integrity: "--integrity", posture: "--posture" };

/**
 * The checks that read each flag not every check reads (all read --trail, --profile, --region,
 * --json and --debug). A flag given to a check that does not read it is bad usage, never ignored:
 * `--posture --bucket other` would otherwise judge the trail's own bucket while its user believed
 * `other` had been judged, and `--until` without --integrity would pass for an end to the search.
 */
const FLAG_CHECKS = {
  regions: ["event", "integrity"],
  bucket: ["event", "integrity"],
  account: ["event", "integrity"],
  event: ["event"],
  resource: ["event"],
  since: ["event", "integrity"],
  until: ["integrity"],
  interval: ["event"],
  timeout: ["event"],
  concurrency: ["event"],
  "no-event-history": ["event", "integrity"],
  search: ["event"],
  workgroup: ["event", "posture"],
  database: ["event"],
  table: ["event"],
  buckets: ["posture"],
  "retention-days": ["posture"],
  format: ["posture"],
} as const satisfies { [F in keyof typeof VERIFY_COMMAND.flags]?: readonly Check[] };

/** Refuses the first flag given that `check` does not read, naming the checks that do. */
function refuseUnreadFlags(flags: FlagValues<typeof VERIFY_COMMAND.flags>, check: Check): void {
  for (const [flag, checks] of Object.entries(FLAG_CHECKS) as [keyof typeof FLAG_CHECKS, readonly Check[]][]) {
    if (flags[flag] === undefined || checks.includes(check)) continue;
    const names = checks.map((c) => CHECK_NAMES[c]);
    const readBy = names.length === 1 ? names[0] : `${names.slice(0, -1).join(", ")} and ${names.at(-1)}`;
    const own = check === "posture" && flag === "bucket" ? ": --posture judges the trail's own bucket; name more with --buckets" : "";
    throw usage(`--${flag} goes with ${readBy}, not with ${CHECK_NAMES[check]}${own}.`);
  }
}

/** `--regions a, b` (or `--buckets`) as a list; undefined when not given. */
function commaList(value: string | undefined): string[] | undefined {
  return value
    ?.split(",")
    .map((r) => r.trim())
    .filter(Boolean);
}

function usage(message: string): UsageError {
  return new UsageError(`${message}\n${helpHint("verify")}`);
}

/** A flag's value read by common/flag-values.ts, its usage error ending with where the flags are listed. */
function flagValue<T>(read: () => T): T {
  try {
    return read();
  } catch (error) {
    throw error instanceof UsageError ? usage(error.message) : error;
  }
}

const POSTURE_FORMATS = ["ocsf", "asff", "csv"] as const;

function postureFormat(format: string | undefined, json: boolean): (typeof POSTURE_FORMATS)[number] | null {
  if (format === undefined) return null;
  if (!POSTURE_FORMATS.includes(format as (typeof POSTURE_FORMATS)[number])) throw usage(`--format is ocsf, asff or csv, not "${format}".`);
  if (json) throw usage("--json and --format are two forms of the output: give one.");
  return format as (typeof POSTURE_FORMATS)[number];
}

/** The findings of a posture check as OCSF Compliance Finding JSON (an array), ASFF JSON (an array) or CSV. */
function postureExport(report: PostureReport, format: (typeof POSTURE_FORMATS)[number], region: string): string {
  const context = {
    time: report.checkedAt ?? new Date().toISOString(),
    account: report.facts?.trail.arn.split(":")[4] || null,
    region,
    product: { name: TOOL_NAME, version: toolVersion() },
  };
  const findings = postureFindings(report);
  if (format === "csv") return findingsCsv(findings, context);
  return `${JSON.stringify(format === "ocsf" ? ocsfFindings(findings, context) : asffFindings(findings, context), null, 2)}\n`;
}

/** The least time getting credentials is given, however short --timeout is (0 looks once, but still needs them). */
const MIN_CREDENTIALS_DEADLINE_MS = 5_000;

/** Getting credentials is bounded by --timeout too, within 5 s and DEFAULT_CREDENTIALS_DEADLINE_MS. */
export function credentialsDeadline(timeoutMs: number | undefined): number {
  if (timeoutMs === undefined) return DEFAULT_CREDENTIALS_DEADLINE_MS;
  return Math.min(DEFAULT_CREDENTIALS_DEADLINE_MS, Math.max(MIN_CREDENTIALS_DEADLINE_MS, timeoutMs));
}

/** Runs the command and returns its exit code (the caller sets process.exitCode). */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const say = (line: string) => io.stderr.write(`${line}\n`);
  let restoreCredentials = () => undefined as void;
  let json = false;
  let debug = argv.includes("--debug");
  let eventName = DEFAULT_EVENT_NAME;
  const print = (evidence: VerifyEvidence) =>
    io.stdout.write(json ? `${JSON.stringify(evidence, null, 2)}\n` : humanSummary(evidence, eventName));
  try {
    const { values: flags } = parseCommandLine(VERIFY_COMMAND, argv);
    debug = flags.debug ?? false;
    if (flags.help) {
      io.stdout.write(helpText(VERIFY_COMMAND));
      return ExitCode.Ok;
    }
    if (flags.version) {
      io.stdout.write(versionLine());
      return ExitCode.Ok;
    }
    json = flags.json ?? false;
    if (!flags.trail) throw usage("--trail is required.");
    if (flags.posture && flags.integrity) throw usage("--integrity and --posture are separate checks: run one at a time.");
    refuseUnreadFlags(flags, flags.posture ? "posture" : flags.integrity ? "integrity" : "event");
    const now = new Date();
    const since = flagValue(() => parseInstant("since", flags.since, now)) ?? new Date(now.getTime() - 60 * 60 * 1000);
    const until = flagValue(() => parseInstant("until", flags.until, now));
    const intervalMs = flagValue(() => parseSeconds("interval", flags.interval, { min: 0, above: true }));
    const timeoutMs = flagValue(() => parseSeconds("timeout", flags.timeout));
    const concurrency =
      flags.concurrency === undefined
        ? undefined
        : flagValue(() => parseCount("concurrency", flags.concurrency, DEFAULT_CONCURRENCY, 1, MAX_CONCURRENCY));
    const search = flags.search ?? "s3";
    if (search !== "s3" && search !== "athena") throw usage(`--search is s3 or athena, not "${search}".`);
    if (search === "s3" && ((flags.workgroup && !flags.posture) || flags.database || flags.table))
      throw usage("--workgroup, --database and --table go with --search athena (--workgroup with --posture too).");
    if (search === "athena" && concurrency !== undefined)
      throw usage("--concurrency sets how many log objects this process reads at once: it goes with --search s3.");
    const env = io.env ?? process.env;
    // A credential_process that never answers must not hold the check past its deadline, nor past a signal.
    restoreCredentials = setCredentialPolicy({ signal: io.signal, deadlineMs: credentialsDeadline(timeoutMs) });
    const aws = await chooseAwsTarget({ profile: flags.profile, region: flags.region }, env);
    if (!aws.region) throw new UsageError(`No AWS region: ${REGION_HINT}.`);
    const region = aws.region.value;
    const profile = aws.profile?.value;
    say(`region ${region} (from ${aws.region.source})${aws.profile ? `, profile ${aws.profile.value} (from ${aws.profile.source})` : ""}`);
    // What every check is pointed at, built once. Posture takes its CheckTarget part: it reads no
    // log folders and says no progress.
    const target: LogsTarget = {
      trail: flags.trail,
      region,
      profile,
      regions: commaList(flags.regions),
      bucket: flags.bucket,
      account: flags.account,
      onProgress: say,
      signal: io.signal,
    };
    if (flags.posture) {
      const format = postureFormat(flags.format, json);
      const retentionDays =
        flags["retention-days"] === undefined
          ? undefined
          : flagValue(() => parseCount("retention-days", flags["retention-days"], DEFAULT_RETENTION_DAYS, 1, 36_500));
      const { checkPosture, postureExitCode } = await import("./posture/check-posture");
      const report = await checkPosture({ ...target, buckets: commaList(flags.buckets), workgroup: flags.workgroup, retentionDays });
      io.stdout.write(
        format ? postureExport(report, format, region) : json ? `${JSON.stringify(report, null, 2)}\n` : postureSummary(report),
      );
      return postureExitCode(report);
    }
    if (flags.integrity) {
      const { validateIntegrity } = await import("./integrity/validate");
      const result = await validateIntegrity({ ...target, since, until, eventHistory: !flags["no-event-history"] });
      io.stdout.write(json ? `${JSON.stringify(result, null, 2)}\n` : integritySummary(result));
      if (result.reason) say(`not valid: ${result.reason}`);
      return result.valid ? ExitCode.Ok : ExitCode.CheckFailed;
    }
    eventName = flags.event ?? DEFAULT_EVENT_NAME;
    const { verifyTrail } = await import("./event/verify-trail");
    const evidence = await verifyTrail({
      ...target,
      eventName,
      resource: flags.resource,
      since,
      intervalMs,
      timeoutMs,
      concurrency,
      eventHistory: !flags["no-event-history"],
      search,
      athena:
        search === "athena"
          ? { workgroup: flags.workgroup ?? "", database: flags.database ?? "", table: flags.table ?? "cloudtrail_logs" }
          : undefined,
    });
    print(evidence);
    return evidence.verified ? ExitCode.Ok : ExitCode.CheckFailed;
  } catch (err) {
    if (err instanceof VerifyError && err.evidence) print(err.evidence);
    // Printed once, here: the evidence above is the result, this is why it stopped.
    io.stderr.write(errorText(err, debug));
    // Every AWS call's failure arrives named; what is left is most likely a transport failure.
    return err instanceof TrailLabError ? err.exitCode : ExitCode.AwsError;
  } finally {
    restoreCredentials();
  }
}

/** The command as a process runs it: its stdio, and SIGINT/SIGTERM as an abort of the check. */
export async function runProcess(argv: string[]): Promise<number> {
  const interrupt = new AbortController();
  const onSignal = () => interrupt.abort();
  process.once("SIGINT", onSignal).once("SIGTERM", onSignal);
  try {
    return await guardUnfinished("verify", () =>
      runCli(argv, { stdout: process.stdout, stderr: process.stderr, signal: interrupt.signal }),
    );
  } finally {
    process.off("SIGINT", onSignal).off("SIGTERM", onSignal);
  }
}

if (require.main === module) {
  void runProcess(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
