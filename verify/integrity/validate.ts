// validateIntegrity: what `aws cloudtrail validate-logs` does. Find the trail's digests whose
// hour overlaps the range, check where each was found, its signature with the region's public
// key, and the chain between them; then hash every log file the valid digests list.
import { setTimeout as sleep } from "node:timers/promises";
import type { CloudTrailClient } from "@aws-sdk/client-cloudtrail";
import { isAbort } from "../aws-errors";
import { createAwsClients, createCloudTrailClient, resolveRegion } from "../clients";
import { forEachConcurrent } from "../pacing/concurrency";
import { UsageError } from "../../common/errors";
import { VerifyAbortedError } from "../errors";
import { awsLogsPrefix } from "../s3/log-keys";
import { findAccountRoots } from "../s3/account-roots";
import { accountFromArn, describeTrail } from "../trail/trail-status";
import { walkChains } from "./chain";
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
export const DEFAULT_DIGEST_WAIT_MS = 75 * 60_000;
export const DEFAULT_DIGEST_POLL_MS = 60_000;
const DEFAULT_RETRY_WINDOW_MS = 60_000;
/** Log objects hashed at once; each streams, so memory stays small whatever their size. */
const HASH_CONCURRENCY = 8;
export const NO_DIGEST_IN_RANGE = "no digest in range";

type ReadDigest = Extract<FetchedDigest, { state: "read" }>;

function checkOptions(options: IntegrityOptions): void {
  if (!options.trail) throw new UsageError("No trail: pass --trail <name|arn>.");
  for (const [name, value] of [["since", options.since], ["until", options.until]] as const) {
    if (value !== undefined && (!(value instanceof Date) || Number.isNaN(value.getTime()))) throw new UsageError(`\`${name}\` must be a valid date (--${name} <ISO-8601>).`);
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
  const region = await resolveRegion(options.region, options.profile);
  const { signal } = options;
  const say = options.onProgress ?? (() => undefined);
  const s3 = options.clients?.s3 ?? createAwsClients({ region, profile: options.profile }).s3;
  const cloudTrail = options.clients?.cloudTrail ?? createCloudTrailClient({ region, profile: options.profile });
  const regional = new Map<string, CloudTrailClient>([[region, cloudTrail]]);
  const cloudTrailIn = (r: string) => {
    let client = regional.get(r);
    if (!client) {
      client = options.clients?.cloudTrailIn?.(r) ?? createCloudTrailClient({ region: r, profile: options.profile });
      regional.set(r, client);
    }
    return client;
  };

  try {
    const trail = await describeTrail(cloudTrail, options.trail, region, signal);
    const bucket = options.bucket ?? trail.bucket;
    const account = options.account ?? accountFromArn(trail.arn);
    if (!account) throw new UsageError(`No account id in the trail ARN ${trail.arn}; pass --account.`);
    const since = options.since;
    let until = options.until ?? new Date(started);
    const found = await findAccountRoots(s3, bucket, trail.prefix, account, signal);
    const listing: DigestListing = {
      s3,
      bucket,
      accountRoots: found.length > 0 ? found : [`${awsLogsPrefix(trail.prefix)}${account}/`],
      account,
      trailName: trail.name,
      homeRegion: trail.homeRegion ?? region,
      signal,
    };
    const reader = new DigestReader(s3, signal);
    // Looked up whenever asked, never kept: a new trail has no digest folder yet, and each region's
    // first digest arrives in its own hour, so the regions change while the wait goes on.
    const awaitedRegion = options.waitForLogKey ? logKeyRegion(options.waitForLogKey) : null;
    const regionsNow = async () => withRegion(options.regions ?? (await digestRegions(listing)), awaitedRegion);

    let waitReason: string | null = null;
    if (options.waitForLogKey) {
      const lister = await waitForDigestListing(options.waitForLogKey, options, listing, regionsNow, reader, say);
      // Check up to the digest that lists the log (and its predecessor, which it links to).
      if (lister) until = new Date(Math.max(since.getTime(), Date.parse(lister.content.digestStartTime)));
      else waitReason = `${NO_DIGEST_IN_RANGE}: no digest listed ${options.waitForLogKey} by the deadline`;
    }
    const regions = await regionsNow();

    // A digest overlapping the range ends at most one period (and its delivery delay) after it.
    const listedTo = new Date(until.getTime() + DIGEST_PERIOD_MS + DELIVERY_SLACK_MS);
    const locations = await listDigests(listing, regions, since, listedTo);
    const fetched: FetchedDigest[] = [];
    await forEachConcurrent(locations, HASH_CONCURRENCY, async (location) => void fetched.push(await reader.read(location)));
    const inRange = fetched
      .filter((d) => (d.state === "read" ? overlaps(d, since, until) : d.location.stamp.getTime() <= until.getTime() + DIGEST_PERIOD_MS))
      .sort((a, b) => a.location.stamp.getTime() - b.location.stamp.getTime() || a.location.key.localeCompare(b.location.key));
    say(`integrity: ${inRange.length} digest file(s) of trail ${trail.name} overlap ${since.toISOString()} to ${until.toISOString()} in ${regions.join(", ") || "no region"}`);

    const failures: IntegrityFailure[] = [];
    const chain = walkChains(inRange);
    const chainInvalid = new Set(chain.failures.filter((f) => f.listedIn === null).map((f) => f.key));
    const keyRing = new PublicKeyRing(
      cloudTrailIn,
      { start: new Date(since.getTime() - DIGEST_PERIOD_MS), end: new Date(Math.min(Date.now(), listedTo.getTime())) },
      { deadline: started + (options.retryWindowMs ?? DEFAULT_RETRY_WINDOW_MS), onRetry: (attempt, delay) => say(`ListPublicKeys throttled (attempt ${attempt}); retrying in ${delay} ms`) },
      signal,
    );
    const validDigests: ReadDigest[] = [];
    const unchecked: IntegrityUnchecked[] = [];
    for (const digest of inRange) {
      const verdict = await digestProblem(digest, keyRing);
      const { bucket: b, key, region: digestRegion } = digest.location;
      const logCount = digest.state === "read" ? digest.content.logFiles.length : 0;
      const notChecked = logCount > 0 ? `; its ${logCount} log file(s) were not checked` : "";
      if (verdict !== null && typeof verdict !== "string") {
        // The awaited log's region decides the lab's answer: without its keys there is none.
        if (digestRegion === awaitedRegion) throw verdict.refused;
        unchecked.push({ region: digestRegion, bucket: b, key, reason: `its signature could not be checked: ${verdict.refused.message}${notChecked}` });
      } else if (verdict) failures.push({ kind: "digest", bucket: b, key, reason: `${verdict}${notChecked}`, listedIn: null });
      else if (chainInvalid.has(key)) {
        const failure = chain.failures.find((f) => f.key === key && f.listedIn === null)!;
        failure.reason += notChecked;
      } else if (digest.state === "read") validDigests.push(digest);
    }
    failures.push(...chain.failures);

    // A log listed by two digests (a backfill) is hashed and counted once.
    const logs = new Map<string, { bucket: string; key: string; hashValue: string; listedIn: string }>();
    for (const digest of validDigests) {
      for (const f of digest.content.logFiles) logs.set(`${f.s3Bucket}/${f.s3Object}`, { bucket: f.s3Bucket, key: f.s3Object, hashValue: f.hashValue.toLowerCase(), listedIn: digest.location.key });
    }
    say(`integrity: hashing ${logs.size} log file(s) listed by ${validDigests.length} valid digest(s)`);
    let validLogs = 0;
    const logFailures: IntegrityFailure[] = [];
    await forEachConcurrent([...logs.values()], HASH_CONCURRENCY, async (log) => {
      const hash = await hashLogObject(s3, log.bucket, log.key, signal);
      const reason = !hash.found ? "not found" : "unreadable" in hash ? hash.unreadable : hash.sha256 !== log.hashValue ? "hash value doesn't match" : null;
      if (reason) logFailures.push({ kind: "log", bucket: log.bucket, key: log.key, reason, listedIn: log.listedIn });
      else validLogs += 1;
    });
    failures.push(...logFailures.sort((a, b) => a.key.localeCompare(b.key)));

    const readable = inRange.filter((d): d is ReadDigest => d.state === "read");
    // Waiting for a log, only its region must answer; other regions' refusals are reported beside.
    const refusedReason = unchecked.length > 0 && awaitedRegion === null ? uncheckedReason(unchecked) : null;
    const reason = waitReason ?? (inRange.length === 0 ? NO_DIGEST_IN_RANGE : refusedReason);
    return {
      valid: reason === null && failures.length === 0,
      trail: { name: trail.name, arn: trail.arn, bucket, prefix: trail.prefix },
      range: { since: since.toISOString(), until: until.toISOString() },
      covered:
        readable.length > 0
          ? {
              from: new Date(Math.min(...readable.map((d) => Date.parse(d.content.digestStartTime)))).toISOString(),
              to: new Date(Math.max(...readable.map((d) => Date.parse(d.content.digestEndTime)))).toISOString(),
            }
          : null,
      regions,
      digests: { valid: validDigests.length, total: inRange.length + chain.failures.filter((f) => f.listedIn !== null).length },
      logs: { valid: validLogs, total: logs.size },
      failures,
      unchecked,
      gaps: chain.gaps,
      reason,
    };
  } catch (err) {
    if (isAbort(err) || signal?.aborted) throw new VerifyAbortedError(null);
    throw err;
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

/**
 * Polls the range's digests (up to `until`, or now) until one lists `logKey`; returns it, or null
 * at the deadline. Each round asks `regionsNow` again, since digest folders appear during the wait.
 * Digests already read are not read again (the reader keeps them).
 */
async function waitForDigestListing(
  logKey: string,
  options: IntegrityOptions,
  listing: DigestListing,
  regionsNow: () => Promise<string[]>,
  reader: DigestReader,
  say: (line: string) => void,
): Promise<ReadDigest | null> {
  const started = Date.now();
  const deadline = started + (options.waitTimeoutMs ?? DEFAULT_DIGEST_WAIT_MS);
  const interval = options.waitIntervalMs ?? DEFAULT_DIGEST_POLL_MS;
  for (let round = 1; ; round++) {
    const regions = await regionsNow();
    const locations = await listDigests(listing, regions, options.since, new Date((options.until?.getTime() ?? Date.now()) + DIGEST_PERIOD_MS + DELIVERY_SLACK_MS));
    for (const location of locations) {
      const digest = await reader.read(location);
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
    say(`integrity: waiting for a digest listing ${logKey} (round ${round}, ${minutes} min elapsed, ${locations.length} digest(s) in ${regions.join(", ") || "no region"} so far; next look in ${Math.round(pause / 1000)} s)`);
    await sleep(pause, undefined, { signal: options.signal });
  }
}
