// validateIntegrity: what `aws cloudtrail validate-logs` does. Find the trail's digests whose
// hour overlaps the range, check where each was found, its signature with the region's public
// key, and the chain between them; then hash every log file the valid digests list. One run is an
// IntegrityCheck with a method per step (look up the trail, wait for a digest, read the digests,
// check them, hash the logs, the result).
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
import { walkChains, type ChainFindings } from "./chain";
import { SIGNATURE_ALGORITHM, signatureHolds, stringToSign } from "./digest-file";
import { digestRegions, listDigests, type DigestListing } from "./digest-listing";
import { DigestReader, type FetchedDigest } from "./digest-reader";
import { hashLogObject } from "./log-hash";
import { PublicKeyRing } from "./public-keys";
import type { IntegrityFailure, IntegrityOptions, IntegrityResult, IntegrityUnchecked } from "./types";

/** CloudTrail delivers a digest about once an hour, stamped with the end of its hour. */
const DIGEST_PERIOD_MS = 60 * 60_000;
/** A digest may arrive some minutes after its hour ends. */
const DELIVERY_SLACK_MS = 15 * 60_000;
/** How long `waitForLogKey` waits for a digest: an hour's digest and its delivery delay. */
export const DEFAULT_DIGEST_WAIT_MS = 75 * 60_000;
export const DEFAULT_DIGEST_POLL_MS = 60_000;
/** Throttled ListPublicKeys calls retry this long after the start. */
export const DEFAULT_RETRY_WINDOW_MS = 60_000;
/** Log objects hashed at once; each streams, so memory stays small whatever their size. */
const HASH_CONCURRENCY = 8;
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
    await check.checkDigests();
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

/**
 * One run of the integrity check, a method per step (validateIntegrity runs them in order); what
 * a step finds is kept in fields for the next, and result() reads them all.
 */
class IntegrityCheck {
  private readonly say: (line: string) => void;
  private readonly s3: S3Client;
  private readonly cloudTrail: CloudTrailClient;
  /** The CloudTrail client of each digest region, made once: ListPublicKeys answers per region. */
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
  /** The digests whose hour overlaps the range, oldest first. */
  private inRange: FetchedDigest[] = [];
  private chain: ChainFindings = { failures: [], gaps: [] };
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
    this.s3 = options.clients?.s3 ?? createAwsClients({ region, profile: options.profile }).s3;
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

  /** The CloudTrail client of a region, for its public keys: the caller's, else one made once. */
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

  /** The trail (by name or ARN), and the account folders its digests are listed under. */
  async lookUpTrail(): Promise<void> {
    const { options, s3 } = this;
    const description = await describeTrail(this.cloudTrail, options.trail, this.region, options.signal);
    const bucket = options.bucket ?? description.bucket;
    const account = options.account ?? accountFromArn(description.arn);
    if (!account) throw new UsageError(`No account id in the trail ARN ${description.arn}; pass --account.`);
    const roots = await findAccountRoots(s3, bucket, description.prefix, account, options.signal);
    const listing: DigestListing = {
      s3,
      bucket,
      accountRoots: roots.length > 0 ? roots : [`${awsLogsPrefix(description.prefix)}${account}/`],
      account,
      trailName: description.name,
      homeRegion: description.homeRegion ?? this.region,
      signal: options.signal,
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

  /** Lists and reads every digest whose hour overlaps the range, in the regions to check. */
  async readDigests(): Promise<void> {
    const { since } = this.options;
    const until = this.until;
    this.regions = await this.regionsNow();
    this.listedTo = new Date(until.getTime() + DIGEST_PERIOD_MS + DELIVERY_SLACK_MS);
    const locations = await listDigests(this.found.listing, this.regions, since, this.listedTo);
    const fetched: FetchedDigest[] = [];
    await forEachConcurrent(locations, HASH_CONCURRENCY, async (location) => void fetched.push(await this.reader.read(location)));
    this.inRange = fetched
      .filter((d) => (d.state === "read" ? overlaps(d, since, until) : d.location.stamp.getTime() <= until.getTime() + DIGEST_PERIOD_MS))
      .sort((a, b) => a.location.stamp.getTime() - b.location.stamp.getTime() || a.location.key.localeCompare(b.location.key));
    this.say(
      `integrity: ${this.inRange.length} digest file(s) of trail ${this.found.description.name} overlap ${since.toISOString()} to ${until.toISOString()} in ${this.regions.join(", ") || "no region"}`,
    );
  }

  /** Each digest's place, signature and algorithm, and the chain between them: the valid ones, the failures, the unchecked. */
  async checkDigests(): Promise<void> {
    const { since } = this.options;
    this.chain = walkChains(this.inRange);
    const chainInvalid = new Set(this.chain.failures.filter((f) => f.listedIn === null).map((f) => f.key));
    const keyRing = new PublicKeyRing(
      (r) => this.cloudTrailIn(r),
      { start: new Date(since.getTime() - DIGEST_PERIOD_MS), end: new Date(Math.min(Date.now(), this.listedTo.getTime())) },
      {
        deadline: this.started + (this.options.retryWindowMs ?? DEFAULT_RETRY_WINDOW_MS),
        onRetry: (attempt, delay) => this.say(`ListPublicKeys throttled (attempt ${attempt}); retrying in ${delay} ms`),
      },
      this.options.signal,
    );
    for (const digest of this.inRange) {
      const verdict = await digestProblem(digest, keyRing);
      const { bucket: b, key, region: digestRegion } = digest.location;
      const logCount = digest.state === "read" ? digest.content.logFiles.length : 0;
      const notChecked = logCount > 0 ? `; its ${logCount} log file(s) were not checked` : "";
      if (verdict !== null && typeof verdict !== "string") {
        // The awaited log's region decides the lab's answer: without its keys there is none.
        if (digestRegion === this.awaitedRegion) throw verdict.refused;
        this.unchecked.push({
          region: digestRegion,
          bucket: b,
          key,
          reason: `its signature could not be checked: ${verdict.refused.message}${notChecked}`,
        });
      } else if (verdict) this.failures.push({ kind: "digest", bucket: b, key, reason: `${verdict}${notChecked}`, listedIn: null });
      else if (chainInvalid.has(key)) {
        const failure = this.chain.failures.find((f) => f.key === key && f.listedIn === null)!;
        failure.reason += notChecked;
      } else if (digest.state === "read") this.validDigests.push(digest);
    }
    this.failures.push(...this.chain.failures);
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
    await forEachConcurrent([...this.logs.values()], HASH_CONCURRENCY, async (log) => {
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
    const { description, bucket } = this.found;
    const { inRange, chain, unchecked } = this;
    const readable = inRange.filter((d): d is ReadDigest => d.state === "read");
    // Waiting for a log, only its region must answer; other regions' refusals are reported beside.
    const refusedReason = unchecked.length > 0 && this.awaitedRegion === null ? uncheckedReason(unchecked) : null;
    const reason = this.waitReason ?? (inRange.length === 0 ? NO_DIGEST_IN_RANGE : refusedReason);
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
      digests: { valid: this.validDigests.length, total: inRange.length + chain.failures.filter((f) => f.listedIn !== null).length },
      logs: { valid: this.validLogs, total: this.logs.size },
      failures: this.failures,
      unchecked,
      gaps: chain.gaps,
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

/**
 * Why a digest found by listing is invalid, in the AWS CLI's words where it has them; null when
 * valid; the refusal when its region would not list the public keys to check it with.
 */
async function digestProblem(digest: FetchedDigest, keys: PublicKeyRing): Promise<string | { refused: Error } | null> {
  if (digest.state === "missing") return "not found";
  if (digest.state === "unreadable") return digest.reason;
  const { content, location } = digest;
  if (content.digestS3Bucket !== location.bucket || content.digestS3Object !== location.key) {
    return `has been moved from its original location s3://${content.digestS3Bucket}/${content.digestS3Object}`;
  }
  if (!digest.signature) return "no signature: the object has no x-amz-meta-signature metadata";
  const algorithm = digest.signatureAlgorithm ?? content.digestSignatureAlgorithm;
  if (algorithm !== SIGNATURE_ALGORITHM) return `unsupported signature algorithm ${algorithm}`;
  const lookup = await keys.find(location.region, content.digestPublicKeyFingerprint);
  if ("refused" in lookup) return lookup;
  const { key } = lookup;
  if (!key) return `public key not found in region ${location.region} for fingerprint ${content.digestPublicKeyFingerprint}`;
  const signed = stringToSign(content.digestEndTime, location.bucket, location.key, digest.contentSha256, content.previousDigestSignature);
  return signatureHolds(signed, digest.signature, key) ? null : "signature verification failed";
}

/** The region folder of a log key (`.../CloudTrail/<region>/YYYY/MM/DD/<name>`); null for any other key. */
function logKeyRegion(key: string): string | null {
  return /(?:^|\/)CloudTrail\/([a-z0-9-]+)\/\d{4}\/\d{2}\/\d{2}\/[^/]+$/.exec(key)?.[1] ?? null;
}

function withRegion(regions: string[], region: string | null): string[] {
  return region === null || regions.includes(region) ? regions : [...regions, region].sort();
}
