// verifyTrail: check the trail is logging, then poll S3 and Event History until both show the
// event or the deadline passes, and return the evidence either way (`verified` says which).
import { setTimeout as sleep } from "node:timers/promises";
import type { CloudTrailClient } from "@aws-sdk/client-cloudtrail";
import { isAbort } from "../aws-errors";
import { AthenaFinder } from "./athena/athena-finder";
import { createAthenaClient, createAwsClients, homeRegionCloudTrail, resolveRegion } from "../clients";
import { UsageError } from "../../common/errors";
import { Cutoff } from "../pacing/cutoff";
import { DeadlineExceededError, TrailDeliveryError, TrailNotLoggingError, VerifyAbortedError } from "../errors";
import { buildEvidence, type Findings } from "./evidence";
import { LOOKUP_EVENTS_PER_SECOND, lookupEventHistory, type HistoryHit } from "./event-history";
import { DEFAULT_CONCURRENCY, LIST_CONCURRENCY, LogScanner, MAX_CONCURRENCY, RELIST_LOOKBACK_MS } from "./scan/log-scanner";
import { compileCriteria } from "./match";
import { notFoundMessage, progressLine } from "./messages";
import { RateLimiter } from "../pacing/rate-limit";
import { accountFromArn, describeTrail, loggingStatus, selectorWarning, type LoggingStatus } from "../trail/trail-status";
import type { VerifyEvidence, VerifyOptions } from "./types";

export const DEFAULT_EVENT_NAME = "RunInstances";
export const DEFAULT_INTERVAL_MS = 30_000;
export const DEFAULT_TIMEOUT_MS = 20 * 60_000;
/** Work in flight at the deadline may go on this long before it is aborted. */
export const DEFAULT_GRACE_MS = 5_000;
/** A one-pass run (timeoutMs 0) is aborted if it is still going after this long. */
export const ONE_PASS_LIMIT_MS = 10 * 60_000;
/** Throttled LookupEvents calls retry at least this long, even on a one-pass run. */
const MIN_RETRY_WINDOW_MS = 60_000;

function checkOptions(options: VerifyOptions): void {
  if (!options.trail) throw new UsageError("No trail: pass --trail <name|arn>.");
  if (!(options.since instanceof Date) || Number.isNaN(options.since.getTime())) throw new UsageError("`since` must be a valid date (--since <ISO-8601>).");
  for (const [name, value] of [["intervalMs", options.intervalMs], ["timeoutMs", options.timeoutMs], ["graceMs", options.graceMs]] as const) {
    if (value !== undefined && !(Number.isFinite(value) && value >= 0)) throw new UsageError(`${name} must be a number >= 0.`);
  }
  if (options.regions && options.regions.length === 0) throw new UsageError("regions, when given, must name at least one region.");
  const c = options.concurrency;
  if (c !== undefined && !(Number.isInteger(c) && c >= 1 && c <= MAX_CONCURRENCY)) throw new UsageError(`concurrency must be a whole number from 1 to ${MAX_CONCURRENCY} (--concurrency), not ${c}.`);
  if (options.getPath !== undefined && options.getPath !== "lean" && options.getPath !== "sdk") throw new UsageError(`getPath is "lean" or "sdk", not "${String(options.getPath)}".`);
  if (options.engine === "athena") athenaSource(options);
}

function athenaSource(options: VerifyOptions): { workgroup: string; database: string; table: string } {
  const a = options.athena;
  if (!a?.workgroup || !a.database || !a.table) {
    throw new UsageError(
      "The Athena engine needs --workgroup, --database and --table (the stack outputs athenaWorkgroup, athenaDatabase, athenaTable " +
        "of a lab stack deployed with trail-lab:athena=true).",
    );
  }
  return { workgroup: a.workgroup, database: a.database, table: a.table };
}

export async function verifyTrail(options: VerifyOptions): Promise<VerifyEvidence> {
  checkOptions(options);
  const started = Date.now();
  const region = await resolveRegion(options.region, options.profile);
  const regions = options.regions ?? [region];
  const eventName = options.eventName ?? DEFAULT_EVENT_NAME;
  const resource = options.resource ?? null;
  const intervalMs = options.intervalMs ?? DEFAULT_INTERVAL_MS;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const deadline = started + timeoutMs;
  const graceMs = options.graceMs ?? DEFAULT_GRACE_MS;
  const useHistory = options.eventHistory ?? true;
  const { signal } = options;
  const say = options.onProgress ?? (() => undefined);
  const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
  // Sockets for every GET in flight (the SDK path's) beside the listings.
  const made = options.clients?.s3 && options.clients.cloudTrail ? null : createAwsClients({ region, profile: options.profile, maxSockets: concurrency + LIST_CONCURRENCY });
  const s3 = options.clients?.s3 ?? made!.s3;
  const cloudTrail = options.clients?.cloudTrail ?? made!.cloudTrail;
  // Work still in flight this long after the deadline is aborted: a request that never answers,
  // or a body that stopped mid-way, must not hold the run (the lab destroys only after verify).
  const cutoff = new Cutoff(timeoutMs === 0 ? started + ONE_PASS_LIMIT_MS : deadline + graceMs, signal);
  const work = cutoff.signal;

  let findings: Findings | null = null;
  let logScanner: LogScanner | null = null;
  let phase = "looking up the trail";
  let round = 0;
  let folders: () => string[] = () => [];
  /** The last word once the deadline passed, with the trail's delivery state as it is now, not as it was. */
  const unverified = async (found: Findings, trailArn: string, cut: boolean): Promise<VerifyEvidence> => {
    if (cut) {
      const when = timeoutMs === 0 ? `after ${ONE_PASS_LIMIT_MS / 60_000} minutes, the limit of a one-pass run (--timeout 0)` : `${graceMs / 1000}s after the deadline`;
      say(`deadline: round ${round} was cut short ${when}; requests still unanswered were aborted, so what they would have read was not searched`);
    }
    found.status = (await statusAfterDeadline(cloudTrail, trailArn, graceMs, signal, say)) ?? found.status;
    const evidence = buildEvidence(found);
    const elapsedMs = Date.now() - started;
    say(progressLine("deadline", elapsedMs, evidence, null));
    say(`not verified: ${notFoundMessage(evidence, { eventName, resource, since: options.since, elapsedMs, apiRegion: region, folders: folders() })}`);
    return evidence;
  };
  try {
    const trail = await describeTrail(cloudTrail, options.trail, region, work);
    const bucket = options.bucket ?? trail.bucket;
    phase = "reading the trail's status";
    const status = await loggingStatus(cloudTrail, trail.arn, work);
    const account = options.account ?? accountFromArn(trail.arn);
    if (!account) throw new UsageError(`No account id in the trail ARN ${trail.arn}; pass --account.`);

    const athena =
      options.engine === "athena"
        ? new AthenaFinder({
            ...athenaSource(options),
            client: options.clients?.athena ?? createAthenaClient({ region, profile: options.profile }),
            query: { eventName, resource, since: options.since, regions },
            deadline: Math.max(deadline, started + MIN_RETRY_WINDOW_MS),
            signal: work,
            onProgress: say,
          })
        : null;
    logScanner = athena
      ? null
      : new LogScanner({
          s3,
          bucket,
          trailPrefix: trail.prefix,
          account,
          regions,
          from: new Date(options.since.getTime() - RELIST_LOOKBACK_MS),
          criteria: compileCriteria({ eventName, resource, since: options.since }),
          concurrency,
          getPath: options.getPath,
          onRetry: say,
          signal: work,
        });
    const scanner = athena ?? logScanner!;
    folders = () => scanner.folderPrefixes();
    let history: Map<string, HistoryHit> | null = null;
    // The moment each half first showed each event: the end of the round that found it.
    const firstSeen = { s3: new Map<string, string>(), history: new Map<string, string>() };
    const noteFirstSeen = (seen: Map<string, string>, ids: Iterable<string>) => {
      const at = new Date().toISOString();
      for (const id of ids) if (!seen.has(id)) seen.set(id, at);
    };
    findings = { trail, status, bucket, s3: scanner, history, firstSeen, ...(athena ? { athena: () => athena.evidence() } : {}) };
    if (!status.isLogging) throw new TrailNotLoggingError(trail.name, buildEvidence(findings));
    if (status.latestDeliveryError) throw new TrailDeliveryError(trail.name, status.latestDeliveryError, buildEvidence(findings));

    phase = "reading the trail's event selectors";
    const home = homeRegionCloudTrail(trail.homeRegion, region, cloudTrail, {
      injected: Boolean(options.clients?.cloudTrail),
      cloudTrailIn: options.clients?.cloudTrailIn,
      profile: options.profile,
    });
    const warning = await selectorWarning(home.client, trail, eventName, work).finally(() => home.close());
    if (warning) say(`warning: ${warning}`);
    const foreign = regions.filter((r) => !trail.isMultiRegion && trail.homeRegion && r !== trail.homeRegion);
    if (foreign.length > 0) say(`warning: trail "${trail.name}" is single-region (${trail.homeRegion}); it writes no logs for ${foreign.join(", ")}.`);

    const limiter = new RateLimiter(LOOKUP_EVENTS_PER_SECOND);
    // From here on Event History counts as asked: a round cut short before it is asked must not
    // leave "not consulted", which would let S3 alone verify the event.
    if (useHistory) findings.history = history = new Map();
    try {
      for (round = 1; ; round++) {
        const roundStart = Date.now();
        await scanner.scanRound(new Date(roundStart), Math.max(deadline, roundStart + MIN_RETRY_WINDOW_MS));
        noteFirstSeen(firstSeen.s3, scanner.matches.keys());
        if (useHistory) {
          history = await lookupEventHistory({
            client: cloudTrail,
            region,
            eventName,
            resource,
            since: options.since,
            limiter,
            retryDeadline: Math.max(deadline, roundStart + MIN_RETRY_WINDOW_MS),
            signal: work,
            onRetry: say,
          });
          findings.history = history;
          noteFirstSeen(firstSeen.history, history.keys());
        }
        const evidence = buildEvidence(findings);
        const now = Date.now();
        const remaining = deadline - now;
        if (evidence.verified) {
          say(progressLine(`round ${round}`, now - started, evidence, null));
          return evidence;
        }
        if (remaining <= 0) break;
        const pause = Math.min(intervalMs, remaining);
        say(progressLine(`round ${round}`, now - started, evidence, pause));
        await sleep(pause, undefined, { signal: work });
      }
    } catch (err) {
      if (cutoff.reached && !signal?.aborted) return await unverified(findings, trail.arn, true);
      throw err;
    }
    return await unverified(findings, trail.arn, false);
  } catch (err) {
    if (signal?.aborted) throw new VerifyAbortedError(findings && buildEvidence(findings));
    if (cutoff.reached) throw new DeadlineExceededError(phase, Date.now() - started, findings && buildEvidence(findings));
    if (isAbort(err)) throw new VerifyAbortedError(findings && buildEvidence(findings));
    throw err;
  } finally {
    cutoff.dispose();
    // The decode workers and kept-alive connections end on every way out, an abort included.
    await logScanner?.close();
  }
}

/**
 * GetTrailStatus once more, given `graceMs`: null (and a warning) when it does not answer in
 * time, so that the evidence keeps the status read at the start.
 */
async function statusAfterDeadline(client: CloudTrailClient, trailArn: string, graceMs: number, signal: AbortSignal | undefined, say: (line: string) => void): Promise<LoggingStatus | null> {
  const grace = new Cutoff(Date.now() + graceMs, signal);
  try {
    return await loggingStatus(client, trailArn, grace.signal);
  } catch (err) {
    if (!grace.reached || signal?.aborted) throw err;
    say(`warning: GetTrailStatus did not answer within ${graceMs / 1000}s after the deadline; the trail's status shown is the one read at the start`);
    return null;
  } finally {
    grace.dispose();
  }
}
