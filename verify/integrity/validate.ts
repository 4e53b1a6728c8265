// validateIntegrity: what `aws cloudtrail validate-logs` does, for every account and region of a
// trail at once. Find the trail's digests whose hour overlaps the range, walk each chain back
// along its links (so that a digest deleted anywhere in the range, its first hours included, is
// found missing), judge each digest's place and signature with its region's public key, tell the
// gaps apart (a digest missing, logging stopped, the trail re-created) with Event History's
// word on who did it, then hash every log file the valid digests list. One run is an
// IntegrityCheck with a method per step.
import { setTimeout as sleep } from "node:timers/promises";
import type { CloudTrailClient } from "@aws-sdk/client-cloudtrail";
import type { S3Client } from "@aws-sdk/client-s3";
import { isAbort } from "../aws-errors";
import { createAwsClients, createCloudTrailClient, resolveRegion } from "../clients";
import { forEachConcurrent } from "../pacing/concurrency";
import { UsageError } from "../../common/errors";
import { VerifyAbortedError } from "../errors";
import { awsLogsPrefix } from "../s3/log-keys";
import { findAccountRoots } from "../s3/account-roots";
import { accountFromArn, describeTrail, type TrailDescription } from "../trail/trail-status";
import { DIGEST_PERIOD_MS, walkChain, type ChainGap, type WalkedDigest } from "./chain";
import { digestRegions, listDigests, organizationRoots, type DigestListing, type DigestLocation } from "./digest-listing";
import { DigestReader, type FetchedDigest } from "./digest-reader";
import { DigestJudge } from "./digest-verdict";
import { explainRestart, trailLifecycle, type Lifecycle } from "./gap-events";
import { hashLogObject } from "./log-hash";
import { PublicKeyRing } from "./public-keys";
import type { IntegrityFailure, IntegrityGap, IntegrityOptions, IntegrityResult, IntegrityUnchecked } from "./types";

/** A digest may arrive some minutes after its hour ends. */
const DELIVERY_SLACK_MS = 15 * 60_000;
/** How long `waitForLogKey` waits for a digest: an hour's digest and its delivery delay. */
export const DEFAULT_DIGEST_WAIT_MS = 75 * 60_000;
export const DEFAULT_DIGEST_POLL_MS = 60_000;
/** Throttled ListPublicKeys and LookupEvents calls retry this long after the start. */
export const DEFAULT_RETRY_WINDOW_MS = 60_000;
/**
 * Digest and log objects read at once. Each log streams through inflate into its hash (no file
 * held whole), so memory grows with this count, not with the files; it hides S3's 30 to 60 ms per
 * request (a one-at-a-time loop, as the AWS CLI's, waits that long for every object). Hashing is
 * the bound: a core inflates and hashes about 200 log files of 50 KB a second, two about 400,
 * and 24 in flight bring 400 a second even at 60 ms. 64 cost about 20 MB more at peak and were no faster (the
 * bench's integrity row: 141 against 158 to 184 MB, docs/bench.md).
 */
export const READ_CONCURRENCY = 24;
export const NO_DIGEST_IN_RANGE = "no digest in range";

type ReadDigest = Extract<FetchedDigest, { state: "read" }>;

function checkOptions(options: IntegrityOptions): void {
  if (!options.trail) throw new UsageError("No trail: pass --trail <name|arn>.");
  for (const [name, value] of [
    ["since", options.since],
    ["until", options.until],
  ] as const) {
    if (value !== undefined && (!(value instanceof Date) || Number.isNaN(value.getTime())))
      throw new UsageError(`\`${name}\` must be a valid date (--${name} <ISO-8601>).`);
  }
  if (!options.since) throw new UsageError("`since` is required (--since <ISO-8601>).");
  if (options.until && options.until < options.since) throw new UsageError("--until must not be before --since.");
  if (options.regions && options.regions.length === 0) throw new UsageError("regions, when given, must name at least one region.");
}

const overlaps = (digest: ReadDigest, since: Date, until: Date) =>
  Date.parse(digest.content.digestStartTime) <= until.getTime() && Date.parse(digest.content.digestEndTime) >= since.getTime();

export async function validateIntegrity(options: IntegrityOptions): Promise<IntegrityResult> {
  checkOptions(options);
  const started = Date.now();
  const check = new IntegrityCheck(options, await resolveRegion(options.region, options.profile), started);
  try {
    await check.lookUpTrail();
    await check.waitForDigest();
    await check.readDigests();
    await check.walkChains();
    await check.explainGaps();
    await check.hashLogs();
    return check.result();
  } catch (err) {
    throw check.failure(err);
  }
}

/** The trail as lookUpTrail found it, and where its digests are listed. */
interface FoundTrail {
  description: TrailDescription;
  bucket: string;
  listing: DigestListing;
}

/** A log file a valid digest lists, with the hash it lists it with. */
interface ListedLog {
  bucket: string;
  key: string;
  hashValue: string;
  listedIn: string;
}

/** One chain per account folder and region (an organization bucket holds many accounts). */
function chainId(location: DigestLocation): string {
  const { key, region } = location;
  return `${key.slice(0, key.indexOf("/CloudTrail-Digest/"))}|${region}`;
}

/**
 * One run of the integrity check, a method per step (validateIntegrity runs them in order); what
 * a step finds is kept in fields for the next, and result() reads them all.
 */
class IntegrityCheck {
  private readonly say: (line: string) => void;
  private readonly s3: S3Client;
  private readonly cloudTrail: CloudTrailClient;
  /** The CloudTrail client of each region, made once: ListPublicKeys answers per region. */
  private readonly regional: Map<string, CloudTrailClient>;
  private readonly reader: DigestReader;
  /** The region of the log a digest is awaited for (`waitForLogKey`): its digests decide. */
  private readonly awaitedRegion: string | null;
  private until: Date;
  private trail: FoundTrail | null = null;
  /** Why the result is not valid whatever the digests say: no digest listed the awaited log. */
  private waitReason: string | null = null;
  private regions: string[] = [];
  /** How far digests are listed: a digest overlapping the range ends at most a period (and its delivery delay) after it. */
  private listedTo = new Date(0);
  /** Every digest of the trail stamped from the range's start to `listedTo`, oldest first. */
  private listed: DigestLocation[] = [];
  /** The digests whose hour overlaps the range, each with its verdict, oldest first. */
  private walked: WalkedDigest[] = [];
  private chainGaps: ChainGap[] = [];
  private gaps: IntegrityGap[] = [];
  private readonly failures: IntegrityFailure[] = [];
  private readonly unchecked: IntegrityUnchecked[] = [];
  private readonly validDigests: ReadDigest[] = [];
  /** The logs the valid digests list; one listed by two digests (a backfill) is hashed and counted once. */
  private readonly logs = new Map<string, ListedLog>();
  private validLogs = 0;

  constructor(
    private readonly options: IntegrityOptions,
    private readonly region: string,
    private readonly started: number,
  ) {
    this.say = options.onProgress ?? (() => undefined);
    this.s3 = options.clients?.s3 ?? createAwsClients({ region, profile: options.profile, maxSockets: READ_CONCURRENCY }).s3;
    this.cloudTrail = options.clients?.cloudTrail ?? createCloudTrailClient({ region, profile: options.profile });
    this.regional = new Map([[region, this.cloudTrail]]);
    this.reader = new DigestReader(this.s3, options.signal);
    this.awaitedRegion = options.waitForLogKey ? logKeyRegion(options.waitForLogKey) : null;
    this.until = options.until ?? new Date(started);
  }

  private get found(): FoundTrail {
    if (!this.trail) throw new Error("the integrity check's steps ran out of order: lookUpTrail has not run");
    return this.trail;
  }

  /** The CloudTrail client of a region: the caller's, else one made once. */
  private cloudTrailIn(region: string): CloudTrailClient {
    let client = this.regional.get(region);
    if (!client) {
      client = this.options.clients?.cloudTrailIn?.(region) ?? createCloudTrailClient({ region, profile: this.options.profile });
      this.regional.set(region, client);
    }
    return client;
  }

  /**
   * The regions to check. Looked up whenever asked, never kept: a new trail has no digest folder
   * yet, and each region's first digest arrives in its own hour, so the regions change while the
   * wait goes on.
   */
  private async regionsNow(): Promise<string[]> {
    return withRegion(this.options.regions ?? (await digestRegions(this.found.listing)), this.awaitedRegion);
  }

  /**
   * The trail (by name or ARN), and the account folders its digests are listed under: the account
   * asked for, else the trail's, else, for an organization trail, every member account's.
   */
  async lookUpTrail(): Promise<void> {
    const { options, s3 } = this;
    const description = await describeTrail(this.cloudTrail, options.trail, this.region, options.signal);
    const bucket = options.bucket ?? description.bucket;
    const account = options.account ?? accountFromArn(description.arn);
    if (!account) throw new UsageError(`No account id in the trail ARN ${description.arn}; pass --account.`);
    const where = { s3, bucket, signal: options.signal };
    let roots = description.isOrganization && !options.account ? await organizationRoots(where, description.prefix) : [];
    if (roots.length === 0) {
      const found = await findAccountRoots(s3, bucket, description.prefix, account, options.signal);
      roots = (found.length > 0 ? found : [`${awsLogsPrefix(description.prefix)}${account}/`]).map((root) => ({ root, account }));
    }
    const listing: DigestListing = {
      ...where,
      roots,
      trailName: description.name,
      homeRegion: description.homeRegion ?? this.region,
    };
    this.trail = { description, bucket, listing };
  }

  /** With `waitForLogKey`: waits for a digest that lists the log, and checks up to it (and its predecessor, which it links to). */
  async waitForDigest(): Promise<void> {
    const logKey = this.options.waitForLogKey;
    if (!logKey) return;
    const lister = await this.pollForLister(logKey);
    if (lister) this.until = new Date(Math.max(this.options.since.getTime(), Date.parse(lister.content.digestStartTime)));
    else this.waitReason = `${NO_DIGEST_IN_RANGE}: no digest listed ${logKey} by the deadline`;
  }

  /**
   * Polls the range's digests (up to `until`, or now) until one lists `logKey`; returns it, or null
   * at the deadline. Each round asks for the regions again, since digest folders appear during
   * the wait. Digests already read are not read again (the reader keeps them).
   */
  private async pollForLister(logKey: string): Promise<ReadDigest | null> {
    const { options, say } = this;
    const started = Date.now();
    const deadline = started + (options.waitTimeoutMs ?? DEFAULT_DIGEST_WAIT_MS);
    const interval = options.waitIntervalMs ?? DEFAULT_DIGEST_POLL_MS;
    for (let round = 1; ; round++) {
      const regions = await this.regionsNow();
      const locations = await listDigests(
        this.found.listing,
        regions,
        options.since,
        new Date((options.until?.getTime() ?? Date.now()) + DIGEST_PERIOD_MS + DELIVERY_SLACK_MS),
      );
      for (const location of locations) {
        const digest = await this.reader.read(location);
        if (digest.state === "read" && digest.content.logFiles.some((f) => f.s3Object === logKey)) {
          say(`integrity: digest s3://${location.bucket}/${location.key} lists the log file`);
          return digest;
        }
      }
      const remaining = deadline - Date.now();
      const minutes = Math.round((Date.now() - started) / 60_000);
      if (remaining <= 0) {
        say(`integrity: no digest lists ${logKey} after ${minutes} min; giving up`);
        return null;
      }
      const pause = Math.min(interval, remaining);
      say(
        `integrity: waiting for a digest listing ${logKey} (round ${round}, ${minutes} min elapsed, ${locations.length} digest(s) in ${regions.join(", ") || "no region"} so far; next look in ${Math.round(pause / 1000)} s)`,
      );
      await sleep(pause, undefined, { signal: options.signal });
    }
  }

  /**
   * Lists every digest stamped from the range's start to a period (and its delivery delay) past
   * its end, and reads them all at once: the chains are then walked from memory, and the digests
   * after the range say, by their links, which digest ends it.
   */
  async readDigests(): Promise<void> {
    const { since } = this.options;
    this.regions = await this.regionsNow();
    this.listedTo = new Date(this.until.getTime() + DIGEST_PERIOD_MS + DELIVERY_SLACK_MS);
    this.listed = await listDigests(this.found.listing, this.regions, since, this.listedTo);
    await forEachConcurrent(this.listed, READ_CONCURRENCY, async (location) => void (await this.reader.read(location)));
  }

  /** Each chain walked back along its links, each backfill digest on its own; then each digest's verdict sorted into valid, failures and unchecked. */
  async walkChains(): Promise<void> {
    const { since } = this.options;
    const range = { since, until: this.until };
    const keyRing = new PublicKeyRing(
      (r) => this.cloudTrailIn(r),
      { start: new Date(since.getTime() - DIGEST_PERIOD_MS), end: new Date(Math.min(Date.now(), this.listedTo.getTime())) },
      {
        deadline: this.started + (this.options.retryWindowMs ?? DEFAULT_RETRY_WINDOW_MS),
        onRetry: (attempt, delay) => this.say(`ListPublicKeys throttled (attempt ${attempt}); retrying in ${delay} ms`),
      },
      this.options.signal,
    );
    const judge = new DigestJudge(keyRing);
    const tools = { read: (l: DigestLocation) => this.reader.read(l), judge: (d: FetchedDigest) => judge.judge(d) };
    const chains = new Map<string, DigestLocation[]>();
    const walked: WalkedDigest[] = [];
    for (const location of this.listed) {
      if (location.backfill) continue;
      chains.set(chainId(location), [...(chains.get(chainId(location)) ?? []), location]);
    }
    // Chains side by side: every account and region at once.
    await forEachConcurrent([...chains.values()], READ_CONCURRENCY, async (chain) => {
      const findings = await walkChain(chain, range, tools);
      walked.push(...findings.digests);
      this.chainGaps.push(...findings.gaps);
    });
    // Backfill digests list logs an hourly digest missed; they stand outside the hourly chain.
    for (const location of this.listed.filter((l) => l.backfill)) {
      const digest = await this.reader.read(location);
      if (digest.state !== "read" || overlaps(digest, since, this.until))
        walked.push({ digest, verdict: await judge.judge(digest), namedBy: null, brokenLink: null });
    }
    this.walked = walked.sort(
      (a, b) =>
        a.digest.location.stamp.getTime() - b.digest.location.stamp.getTime() || a.digest.location.key.localeCompare(b.digest.location.key),
    );
    for (const walkedDigest of this.walked) this.classify(walkedDigest);
    this.say(
      `integrity: ${this.walked.length} digest file(s) of trail ${this.found.description.name} overlap ${since.toISOString()} to ${this.until.toISOString()} in ${this.regions.join(", ") || "no region"}`,
    );
  }

  /** One digest into valid, failures or unchecked. */
  private classify({ digest, verdict, namedBy, brokenLink }: WalkedDigest): void {
    const { bucket, key, region } = digest.location;
    const logCount = digest.state === "read" ? digest.content.logFiles.length : 0;
    const notChecked = logCount > 0 ? `; its ${logCount} log file(s) were not checked` : "";
    if (verdict.status === "unchecked") {
      // The awaited log's region decides the lab's answer: without its keys there is none.
      if (region === this.awaitedRegion) throw verdict.refused;
      this.unchecked.push({ region, bucket, key, reason: `its signature could not be checked: ${verdict.refused.message}${notChecked}` });
    } else if (verdict.status === "invalid") {
      this.failures.push({ kind: "digest", bucket, key, reason: `${verdict.reason}${notChecked}`, listedIn: namedBy });
    } else if (brokenLink) {
      this.failures.push({ kind: "digest", bucket, key, reason: `${brokenLink}${notChecked}`, listedIn: null });
    } else if (digest.state === "read") this.validDigests.push(digest);
  }

  /**
   * Each gap as an auditor reads it: a missing digest named; a restart explained by the trail's
   * StopLogging/StartLogging or DeleteTrail/CreateTrail calls in Event History, and who made them.
   */
  async explainGaps(): Promise<void> {
    const restarts = this.chainGaps.filter((g) => g.cause === "restart");
    const lifecycle = restarts.length > 0 ? await this.lifecycle(restarts) : { events: [] };
    this.gaps = this.chainGaps.map((gap): IntegrityGap => {
      const { account, region, bucket, key } = gap.location;
      const place = { account, region, from: gap.from, to: gap.to };
      if (gap.cause === "missing") return { kind: "missing", ...place, events: [], reason: gap.reason };
      const from = gap.from ? new Date(gap.from) : null;
      const explained = explainRestart(lifecycle, from, new Date(gap.to ?? this.until), `s3://${bucket}/${key}`, DIGEST_PERIOD_MS);
      return { kind: explained.kind, ...place, events: explained.events, reason: explained.reason };
    });
  }

  /** The trail's lifecycle calls around every restart, from Event History in its home region. */
  private async lifecycle(restarts: ChainGap[]): Promise<Lifecycle> {
    if (this.options.eventHistory === false) return { unexplained: "Event History was not asked (--no-event-history)" };
    const { description } = this.found;
    const home = description.homeRegion ?? this.region;
    const times = restarts.flatMap((g) => [g.from, g.to]).flatMap((t) => (t ? [Date.parse(t)] : []));
    this.say(`integrity: asking Event History in ${home} who stopped or re-created the trail (${restarts.length} restart(s))`);
    return trailLifecycle({
      client: this.cloudTrailIn(home),
      region: home,
      trail: { name: description.name, arn: description.arn },
      window: { from: new Date(Math.min(...times) - DIGEST_PERIOD_MS), to: new Date(Math.max(...times) + DIGEST_PERIOD_MS) },
      retryDeadline: this.started + (this.options.retryWindowMs ?? DEFAULT_RETRY_WINDOW_MS),
      signal: this.options.signal,
      onRetry: this.say,
    });
  }

  /** Hashes every log file the valid digests list, against the hash they list it with. */
  async hashLogs(): Promise<void> {
    for (const digest of this.validDigests) {
      for (const f of digest.content.logFiles)
        this.logs.set(`${f.s3Bucket}/${f.s3Object}`, {
          bucket: f.s3Bucket,
          key: f.s3Object,
          hashValue: f.hashValue.toLowerCase(),
          listedIn: digest.location.key,
        });
    }
    this.say(`integrity: hashing ${this.logs.size} log file(s) listed by ${this.validDigests.length} valid digest(s)`);
    const logFailures: IntegrityFailure[] = [];
    await forEachConcurrent([...this.logs.values()], READ_CONCURRENCY, async (log) => {
      const hash = await hashLogObject(this.s3, log.bucket, log.key, this.options.signal);
      const reason = !hash.found
        ? "not found"
        : "unreadable" in hash
          ? hash.unreadable
          : hash.sha256 !== log.hashValue
            ? "hash value doesn't match"
            : null;
      if (reason) logFailures.push({ kind: "log", bucket: log.bucket, key: log.key, reason, listedIn: log.listedIn });
      else this.validLogs += 1;
    });
    this.failures.push(...logFailures.sort((a, b) => a.key.localeCompare(b.key)));
  }

  /** The verdict, and what it rests on. */
  result(): IntegrityResult {
    const { description, bucket, listing } = this.found;
    const { walked, unchecked } = this;
    const readable = walked.map((w) => w.digest).filter((d): d is ReadDigest => d.state === "read");
    // Waiting for a log, only its region must answer; other regions' refusals are reported beside.
    const refusedReason = unchecked.length > 0 && this.awaitedRegion === null ? uncheckedReason(unchecked) : null;
    const reason = this.waitReason ?? (walked.length === 0 ? NO_DIGEST_IN_RANGE : refusedReason);
    return {
      valid: reason === null && this.failures.length === 0,
      trail: { name: description.name, arn: description.arn, bucket, prefix: description.prefix },
      range: { since: this.options.since.toISOString(), until: this.until.toISOString() },
      covered:
        readable.length > 0
          ? {
              from: new Date(Math.min(...readable.map((d) => Date.parse(d.content.digestStartTime)))).toISOString(),
              to: new Date(Math.max(...readable.map((d) => Date.parse(d.content.digestEndTime)))).toISOString(),
            }
          : null,
      regions: this.regions,
      accounts: [...new Set(listing.roots.map((r) => r.account))].sort(),
      digests: { valid: this.validDigests.length, total: walked.length },
      logs: { valid: this.validLogs, total: this.logs.size },
      failures: this.failures,
      unchecked,
      gaps: this.gaps,
      reason,
    };
  }

  /** What validateIntegrity rejects with: an abort named, anything else as it came. */
  failure(err: unknown): unknown {
    if (isAbort(err) || this.options.signal?.aborted) return new VerifyAbortedError(null);
    return err;
  }
}

function uncheckedReason(unchecked: IntegrityUnchecked[]): string {
  const regions = [...new Set(unchecked.map((u) => u.region))].sort();
  return (
    `${unchecked.length} digest(s) could not be checked: ListPublicKeys was refused in ${regions.join(", ")}. ` +
    `Grant cloudtrail:ListPublicKeys there, or leave ${regions.length === 1 ? "that region" : "those regions"} out with --regions.`
  );
}

/** The region folder of a log key (`.../CloudTrail/<region>/YYYY/MM/DD/<name>`); null for any other key. */
function logKeyRegion(key: string): string | null {
  return /(?:^|\/)CloudTrail\/([a-z0-9-]+)\/\d{4}\/\d{2}\/\d{2}\/[^/]+$/.exec(key)?.[1] ?? null;
}

function withRegion(regions: string[], region: string | null): string[] {
  return region === null || regions.includes(region) ? regions : [...regions, region].sort();
}
