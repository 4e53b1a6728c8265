// verifyTrail: check the trail is logging, then poll S3 and Event History until both show the
// event or the deadline passes, and return the evidence either way (`verified` says which). One
// run is an EventCheck with a method per step (look up the trail, open the search, require
// logging, read the selectors, then the rounds: search the logs, ask Event History, the verdict).
import { setTimeout as sleep } from "node:timers/promises";
import type { CloudTrailClient } from "@aws-sdk/client-cloudtrail";
import type { S3Client } from "@aws-sdk/client-s3";
import { isAbort } from "../aws-errors";
import { AthenaFinder } from "./athena/athena-finder";
import { createAthenaClient, createAwsClients, homeRegionCloudTrail, resolveRegion } from "../clients";
import { UsageError } from "../../common/errors";
import { Cutoff } from "../pacing/cutoff";
import { DeadlineExceededError, TrailDeliveryError, TrailNotLoggingError, VerifyAbortedError } from "../errors";
import { buildEvidence, type Findings } from "./evidence";
import { LOOKUP_EVENTS_PER_SECOND, lookupEventHistory } from "./event-history";
import { DEFAULT_CONCURRENCY, LIST_CONCURRENCY, LogScanner, MAX_CONCURRENCY, RELIST_LOOKBACK_MS } from "./scan/log-scanner";
import { compileCriteria } from "./match";
import { isDataEventName } from "./data-events";
import { notFoundMessage, progressLine } from "./messages";
import { RateLimiter } from "../pacing/rate-limit";
import {
  accountFromArn,
  describeTrail,
  loggingStatus,
  selectorWarning,
  type LoggingStatus,
  type TrailDescription,
} from "../trail/trail-status";
import type { VerifyEvidence, VerifyOptions } from "./types";
import { DEFAULT_EVENT_NAME, DEFAULT_INTERVAL_MS, DEFAULT_TIMEOUT_MS } from "./defaults";

// In defaults.ts, which verify --help reads without loading the check.
export { DEFAULT_EVENT_NAME, DEFAULT_INTERVAL_MS, DEFAULT_TIMEOUT_MS };
/** Work in flight at the deadline may go on this long before it is aborted. */
export const DEFAULT_GRACE_MS = 5_000;
/** A one-pass run (timeoutMs 0) is aborted if it is still going after this long. */
export const ONE_PASS_LIMIT_MS = 10 * 60_000;
/** Throttled LookupEvents calls retry at least this long, even on a one-pass run. */
const MIN_RETRY_WINDOW_MS = 60_000;

function checkOptions(options: VerifyOptions): void {
  if (!options.trail) throw new UsageError("No trail: pass --trail <name|arn>.");
  if (!(options.since instanceof Date) || Number.isNaN(options.since.getTime()))
    throw new UsageError("`since` must be a valid date (--since <ISO-8601>).");
  for (const [name, value] of [
    ["intervalMs", options.intervalMs],
    ["timeoutMs", options.timeoutMs],
    ["graceMs", options.graceMs],
  ] as const) {
    if (value !== undefined && !(Number.isFinite(value) && value >= 0)) throw new UsageError(`${name} must be a number >= 0.`);
  }
  if (options.regions && options.regions.length === 0) throw new UsageError("regions, when given, must name at least one region.");
  const c = options.concurrency;
  if (c !== undefined && !(Number.isInteger(c) && c >= 1 && c <= MAX_CONCURRENCY))
    throw new UsageError(`concurrency must be a whole number from 1 to ${MAX_CONCURRENCY} (--concurrency), not ${c}.`);
  if (options.getPath !== undefined && options.getPath !== "lean" && options.getPath !== "sdk")
    throw new UsageError(`getPath is "lean" or "sdk", not "${String(options.getPath)}".`);
  if (options.search === "athena") athenaSource(options);
}

function athenaSource(options: VerifyOptions): { workgroup: string; database: string; table: string } {
  const a = options.athena;
  if (!a?.workgroup || !a.database || !a.table) {
    throw new UsageError(
      "Athena search needs --workgroup, --database and --table (the stack outputs athenaWorkgroup, athenaDatabase, athenaTable " +
        "of a lab stack deployed with trail-lab:athena=true).",
    );
  }
  return { workgroup: a.workgroup, database: a.database, table: a.table };
}

export async function verifyTrail(options: VerifyOptions): Promise<VerifyEvidence> {
  checkOptions(options);
  const started = Date.now();
  const check = new EventCheck(options, await resolveRegion(options.region, options.profile), started);
  try {
    await check.lookUpTrail();
    check.openSearch();
    check.requireLogging();
    await check.readSelectors();
    return await check.poll();
  } catch (err) {
    throw check.failure(err);
  } finally {
    await check.close();
  }
}

/** The trail as lookUpTrail found it, and the folders its logs are in. */
interface FoundTrail {
  description: TrailDescription;
  status: LoggingStatus;
  bucket: string;
  account: string;
}

/** Who searches the logs, round after round: this process's scanner, or Athena. */
type LogSearch = LogScanner | AthenaFinder;

/** How a round ends: the event verified, another round after a pause, or the deadline. */
type RoundEnd = { verified: VerifyEvidence } | { pauseMs: number } | { deadline: true };

/**
 * One run of the event check, a method per step (verifyTrail runs them in order); what a step
 * finds is kept in fields for the next.
 */
class EventCheck {
  private readonly regions: string[];
  private readonly eventName: string;
  private readonly resource: string | null;
  private readonly intervalMs: number;
  private readonly timeoutMs: number;
  private readonly deadline: number;
  private readonly graceMs: number;
  private readonly useHistory: boolean;
  /** The event's name is an S3 data event's: Event History never holds it, so it is not asked. */
  private readonly dataEvent: boolean;
  private readonly say: (line: string) => void;
  private readonly concurrency: number;
  private readonly s3: S3Client;
  private readonly cloudTrail: CloudTrailClient;
  /**
   * Work still in flight this long after the deadline is aborted: a request that never answers,
   * or a body that stopped mid-way, must not hold the run (the lab destroys only after verify).
   */
  private readonly cutoff: Cutoff;
  private readonly limiter = new RateLimiter(LOOKUP_EVENTS_PER_SECOND);
  /** The moment each half first showed each event: the end of the round that found it. */
  private readonly firstSeen = { s3: new Map<string, string>(), history: new Map<string, string>() };
  /** What the check was doing, for DeadlineExceededError. */
  private phase = "looking up the trail";
  private round = 0;
  private trail: FoundTrail | null = null;
  private search: LogSearch | null = null;
  /** What the halves found so far, from openSearch on; the evidence is built from it. */
  private findings: Findings | null = null;

  constructor(
    private readonly options: VerifyOptions,
    private readonly region: string,
    private readonly started: number,
  ) {
    this.regions = options.regions ?? [region];
    this.eventName = options.eventName ?? DEFAULT_EVENT_NAME;
    this.resource = options.resource ?? null;
    this.intervalMs = options.intervalMs ?? DEFAULT_INTERVAL_MS;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.deadline = started + this.timeoutMs;
    this.graceMs = options.graceMs ?? DEFAULT_GRACE_MS;
    this.dataEvent = isDataEventName(this.eventName);
    this.useHistory = (options.eventHistory ?? true) && !this.dataEvent;
    this.say = options.onProgress ?? (() => undefined);
    this.concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
    // Sockets for every GET in flight (the SDK path's) beside the listings.
    const made =
      options.clients?.s3 && options.clients.cloudTrail
        ? null
        : createAwsClients({ region, profile: options.profile, maxSockets: this.concurrency + LIST_CONCURRENCY });
    this.s3 = options.clients?.s3 ?? made!.s3;
    this.cloudTrail = options.clients?.cloudTrail ?? made!.cloudTrail;
    this.cutoff = new Cutoff(this.timeoutMs === 0 ? started + ONE_PASS_LIMIT_MS : this.deadline + this.graceMs, options.signal);
  }

  /** The caller's signal and the cutoff's in one: every request and wait of the check listens to it. */
  private get work(): AbortSignal {
    return this.cutoff.signal;
  }

  private get found(): { trail: FoundTrail; search: LogSearch; findings: Findings } {
    if (!this.trail || !this.search || !this.findings) throw new Error("the event check's steps ran out of order: openSearch has not run");
    return { trail: this.trail, search: this.search, findings: this.findings };
  }

  /** The trail (by name or ARN), its logging status, and the bucket and account its logs are under. */
  async lookUpTrail(): Promise<void> {
    const description = await describeTrail(this.cloudTrail, this.options.trail, this.region, this.work);
    const bucket = this.options.bucket ?? description.bucket;
    this.phase = "reading the trail's status";
    const status = await loggingStatus(this.cloudTrail, description.arn, this.work);
    const account = this.options.account ?? accountFromArn(description.arn);
    if (!account) throw new UsageError(`No account id in the trail ARN ${description.arn}; pass --account.`);
    this.trail = { description, status, bucket, account };
  }

  /** Who searches the logs (Athena, or this process's scanner), and the findings the rounds fill in. */
  openSearch(): void {
    if (!this.trail) throw new Error("the event check's steps ran out of order: lookUpTrail has not run");
    const { description, status, bucket, account } = this.trail;
    const { options, eventName, resource } = this;
    const athena =
      options.search === "athena"
        ? new AthenaFinder({
            ...athenaSource(options),
            client: options.clients?.athena ?? createAthenaClient({ region: this.region, profile: options.profile }),
            query: { eventName, resource, since: options.since, regions: this.regions },
            bucket,
            deadline: Math.max(this.deadline, this.started + MIN_RETRY_WINDOW_MS),
            signal: this.work,
            onProgress: this.say,
          })
        : null;
    this.search =
      athena ??
      new LogScanner({
        s3: this.s3,
        bucket,
        trailPrefix: description.prefix,
        account,
        regions: this.regions,
        from: new Date(options.since.getTime() - RELIST_LOOKBACK_MS),
        criteria: compileCriteria({ eventName, resource, since: options.since }),
        concurrency: this.concurrency,
        getPath: options.getPath,
        onRetry: this.say,
        signal: this.work,
      });
    this.findings = {
      trail: description,
      status,
      bucket,
      s3: this.search,
      history: null,
      firstSeen: this.firstSeen,
      dataEvent: this.dataEvent,
      ...(athena ? { athena: () => athena.evidence() } : {}),
    };
  }

  /** A trail that is not logging, or fails to deliver, ends the check at once: nothing new would arrive. */
  requireLogging(): void {
    const { trail, findings } = this.found;
    const { description, status } = trail;
    if (!status.isLogging) throw new TrailNotLoggingError(description.name, buildEvidence(findings));
    if (status.latestDeliveryError) throw new TrailDeliveryError(description.name, status.latestDeliveryError, buildEvidence(findings));
  }

  /** Warnings, never failures: selectors that cannot capture the event, regions a single-region trail writes nothing for. */
  async readSelectors(): Promise<void> {
    this.phase = "reading the trail's event selectors";
    const { description } = this.found.trail;
    const home = homeRegionCloudTrail(description.homeRegion, this.region, this.cloudTrail, this.options);
    const warning = await selectorWarning(home.client, description, this.eventName, this.work).finally(() => home.close());
    if (warning) this.say(`warning: ${warning}`);
    const foreign = this.regions.filter((r) => !description.isMultiRegion && description.homeRegion && r !== description.homeRegion);
    if (foreign.length > 0)
      this.say(
        `warning: trail "${description.name}" is single-region (${description.homeRegion}); it writes no logs for ${foreign.join(", ")}.`,
      );
  }

  /** Rounds until the event is verified or the deadline passes; a round the cutoff ends resolves unverified. */
  async poll(): Promise<VerifyEvidence> {
    // From here on Event History counts as asked: a round cut short before it is asked must not
    // leave "not consulted", which would let S3 alone verify the event.
    if (this.useHistory) this.found.findings.history = new Map();
    if (this.dataEvent && this.options.eventHistory !== false)
      this.say(
        `${this.eventName} is an S3 data event: Event History holds management events only, so it is not asked; the S3 logs alone decide`,
      );
    try {
      for (this.round = 1; ; this.round++) {
        const roundStart = Date.now();
        const retryDeadline = Math.max(this.deadline, roundStart + MIN_RETRY_WINDOW_MS);
        await this.searchLogs(roundStart, retryDeadline);
        await this.askEventHistory(retryDeadline);
        const end = this.verdict();
        if ("verified" in end) return end.verified;
        if ("deadline" in end) break;
        await sleep(end.pauseMs, undefined, { signal: this.work });
      }
    } catch (err) {
      if (this.cutoff.reached && !this.options.signal?.aborted) return await this.unverified(true);
      throw err;
    }
    return await this.unverified(false);
  }

  /** A round of the log search: the scanner lists and reads what is new, or Athena runs the query. */
  private async searchLogs(roundStart: number, retryDeadline: number): Promise<void> {
    const { search } = this.found;
    await search.scanRound(new Date(roundStart), retryDeadline);
    noteFirstSeen(this.firstSeen.s3, search.matches.keys());
  }

  /** Event History's answer this round (LookupEvents), unless it is not asked. */
  private async askEventHistory(retryDeadline: number): Promise<void> {
    if (!this.useHistory) return;
    const history = await lookupEventHistory({
      client: this.cloudTrail,
      region: this.region,
      eventName: this.eventName,
      resource: this.resource,
      since: this.options.since,
      limiter: this.limiter,
      retryDeadline,
      signal: this.work,
      onRetry: this.say,
    });
    this.found.findings.history = history;
    noteFirstSeen(this.firstSeen.history, history.keys());
  }

  /** The round's evidence: verified, or the pause before the next round, or the deadline. */
  private verdict(): RoundEnd {
    const evidence = buildEvidence(this.found.findings);
    const now = Date.now();
    const remaining = this.deadline - now;
    if (evidence.verified) {
      this.say(progressLine(`round ${this.round}`, now - this.started, evidence, null));
      return { verified: evidence };
    }
    if (remaining <= 0) return { deadline: true };
    const pauseMs = Math.min(this.intervalMs, remaining);
    this.say(progressLine(`round ${this.round}`, now - this.started, evidence, pauseMs));
    return { pauseMs };
  }

  /** The last word once the deadline passed, with the trail's delivery state as it is now, not as it was. */
  private async unverified(cut: boolean): Promise<VerifyEvidence> {
    const { trail, search, findings } = this.found;
    if (cut) {
      const when =
        this.timeoutMs === 0
          ? `after ${ONE_PASS_LIMIT_MS / 60_000} minutes, the limit of a one-pass run (--timeout 0)`
          : `${this.graceMs / 1000}s after the deadline`;
      this.say(
        `deadline: round ${this.round} was cut short ${when}; requests still unanswered were aborted, so what they would have read was not searched`,
      );
    }
    findings.status =
      (await statusAfterDeadline(this.cloudTrail, trail.description.arn, this.graceMs, this.options.signal, this.say)) ?? findings.status;
    const evidence = buildEvidence(findings);
    const elapsedMs = Date.now() - this.started;
    this.say(progressLine("deadline", elapsedMs, evidence, null));
    const context = {
      eventName: this.eventName,
      resource: this.resource,
      since: this.options.since,
      elapsedMs,
      apiRegion: this.region,
      folders: search.folderPrefixes(),
    };
    this.say(`not verified: ${notFoundMessage(evidence, context)}`);
    return evidence;
  }

  /** What verifyTrail rejects with: an abort, or the cutoff, named, with the evidence found so far. */
  failure(err: unknown): unknown {
    const evidence = () => this.findings && buildEvidence(this.findings);
    if (this.options.signal?.aborted) return new VerifyAbortedError(evidence());
    if (this.cutoff.reached) return new DeadlineExceededError(this.phase, Date.now() - this.started, evidence());
    if (isAbort(err)) return new VerifyAbortedError(evidence());
    return err;
  }

  /** Stops the cutoff's clock, and ends the decode workers and kept-alive connections, on every way out (an abort included). */
  async close(): Promise<void> {
    this.cutoff.dispose();
    if (this.search instanceof LogScanner) await this.search.close();
  }
}

/** Notes the moment of the first sighting of each event not seen before. */
function noteFirstSeen(seen: Map<string, string>, ids: Iterable<string>): void {
  const at = new Date().toISOString();
  for (const id of ids) if (!seen.has(id)) seen.set(id, at);
}

/**
 * GetTrailStatus once more, given `graceMs`: null (and a warning) when it does not answer in
 * time, so that the evidence keeps the status read at the start.
 */
async function statusAfterDeadline(
  client: CloudTrailClient,
  trailArn: string,
  graceMs: number,
  signal: AbortSignal | undefined,
  say: (line: string) => void,
): Promise<LoggingStatus | null> {
  const grace = new Cutoff(Date.now() + graceMs, signal);
  try {
    return await loggingStatus(client, trailArn, grace.signal);
  } catch (err) {
    if (!grace.reached || signal?.aborted) throw err;
    say(
      `warning: GetTrailStatus did not answer within ${graceMs / 1000}s after the deadline; the trail's status shown is the one read at the start`,
    );
    return null;
  } finally {
    grace.dispose();
  }
}
