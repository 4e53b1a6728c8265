// Following one chain (an account's digests in one region) backwards, as CloudTrail links it:
// every digest names its predecessor (previousDigestS3Bucket/Object) and carries its signature
// (previousDigestSignature), which it signs over. The walk starts at the newest digest listed,
// even one after the range (its link still says which digest ends the range), and follows each
// valid digest's link back until the predecessor ends before the range. So a digest the listing
// never showed is still looked for where its successor says it is: deleted at the start of the
// range, at its end, or two in a row in the middle, it is found missing. Where a link cannot be
// followed (a digest missing, invalid, or naming no predecessor) the walk goes on from the newest
// listed digest older than it, as the AWS CLI does.
// A digest is judged on its own (signature, place); a link is judged once, on the digest it
// points at: a successor is never blamed for a predecessor that is itself invalid. Only a link to
// a valid predecessor whose signature is not the one the successor signed breaks the successor.
import type { DigestLocation } from "./digest-listing";
import type { FetchedDigest } from "./digest-reader";
import type { DigestVerdict } from "./digest-verdict";

/** CloudTrail delivers a digest about once an hour, stamped with the end of its hour. */
export const DIGEST_PERIOD_MS = 60 * 60_000;

export interface ChainTools {
  read(location: DigestLocation): Promise<FetchedDigest>;
  judge(digest: FetchedDigest): Promise<DigestVerdict>;
}

export interface ChainRange {
  since: Date;
  until: Date;
}

/** A digest of the range as the walk found it. */
export interface WalkedDigest {
  digest: FetchedDigest;
  verdict: DigestVerdict;
  /** The successor whose link named it, when it was looked for there and is not there; else null. */
  namedBy: string | null;
  /** Why its own link does not hold (its predecessor is valid but is not the one it signed); null when it holds or was not followed. */
  brokenLink: string | null;
}

/** A stretch the chain does not vouch for, before Event History is asked who made it. */
export interface ChainGap {
  /** "restart": a digest names no predecessor; "missing": a digest it names is not there, or not the one it signed. */
  cause: "restart" | "missing";
  location: DigestLocation;
  from: string | null;
  to: string | null;
  reason: string;
}

export interface ChainFindings {
  /** The chain's digests that overlap the range, oldest first, those found missing through a link included. */
  digests: WalkedDigest[];
  gaps: ChainGap[];
}

type ReadDigest = Extract<FetchedDigest, { state: "read" }>;

/** The next digest to look at: one listed, or the predecessor a valid digest names. */
interface Step {
  location: DigestLocation;
  /** The digest whose link leads here; null for a digest taken from the listing. */
  successor: ReadDigest | null;
}

const idOf = (location: { bucket: string; key: string }) => `${location.bucket}/${location.key}`;
const iso = (at: Date) => at.toISOString().replace(/\.000Z$/, "Z");
const DIGEST_NAME_STAMP = /_(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z\.json\.gz$/;

/** The end time stamped in a digest key's name (`..._<YYYYMMDDTHHmmssZ>.json.gz`), whichever trail's; null when not stamped. */
function nameStamp(key: string): Date | null {
  const m = DIGEST_NAME_STAMP.exec(key);
  if (!m) return null;
  const [, y, mo, d, h, mi, s] = m.map(Number);
  return new Date(Date.UTC(y, mo - 1, d, h, mi, s));
}

/** `listed`: one chain's digests (one account, one region, no backfill), in any order. */
export function walkChain(listed: DigestLocation[], range: ChainRange, tools: ChainTools): Promise<ChainFindings> {
  return new ChainWalk(listed, range, tools).run();
}

class ChainWalk {
  /** The listing, oldest first; `cursor` moves from its end towards older digests. */
  private readonly listed: DigestLocation[];
  private cursor: number;
  private readonly visited = new Set<string>();
  private readonly found = new Map<string, WalkedDigest>();
  private readonly gaps: ChainGap[] = [];

  constructor(
    listed: DigestLocation[],
    private readonly range: ChainRange,
    private readonly tools: ChainTools,
  ) {
    this.listed = [...listed].sort((a, b) => a.stamp.getTime() - b.stamp.getTime() || a.key.localeCompare(b.key));
    this.cursor = this.listed.length - 1;
  }

  async run(): Promise<ChainFindings> {
    // Each step visits a digest not visited before, strictly older than the one before it.
    for (let step = this.olderThan(Infinity); step;) step = await this.step(step);
    // Listed digests no link led to and the walk stepped past (a digest beside the chain): judged on their own.
    for (const location of this.listed) {
      if (this.visited.has(idOf(location))) continue;
      this.visited.add(idOf(location));
      const digest = await this.tools.read(location);
      if (this.overlaps(digest))
        this.found.set(idOf(location), { digest, verdict: await this.tools.judge(digest), namedBy: null, brokenLink: null });
    }
    const digests = [...this.found.values()].sort((a, b) => a.digest.location.stamp.getTime() - b.digest.location.stamp.getTime());
    return { digests, gaps: this.gaps };
  }

  private async step({ location, successor }: Step): Promise<Step | null> {
    this.visited.add(idOf(location));
    const digest = await this.tools.read(location);
    const verdict = await this.tools.judge(digest);
    const inRange = this.overlaps(digest);
    const namedBy = successor && digest.state === "missing" ? successor.location.key : null;
    if (inRange) this.found.set(idOf(location), { digest, verdict, namedBy, brokenLink: null });
    if (successor && digest.state === "missing") {
      const older = this.olderThan(location.stamp.getTime());
      if (inRange) this.gaps.push(await this.missingGap(successor, location, older));
      return older;
    }
    if (successor && digest.state === "read" && verdict.status === "valid") this.checkLink(successor, digest);
    if (digest.state !== "read" || verdict.status !== "valid") return this.olderThan(location.stamp.getTime());

    const { content } = digest;
    if (content.previousDigestS3Object === null) {
      const older = this.olderThan(location.stamp.getTime());
      if (older && inRange) this.gaps.push(await this.restartGap(older.location, digest));
      return older;
    }
    const previousKey = content.previousDigestS3Object;
    const stamp = nameStamp(previousKey);
    const previous: DigestLocation = {
      ...location,
      bucket: content.previousDigestS3Bucket ?? location.bucket,
      key: previousKey,
      // A predecessor whose name carries no stamp is looked for anyway, as if it ended where this digest starts.
      stamp: stamp ?? new Date(content.digestStartTime),
      backfill: false,
    };
    // Ended before the range (or, against all order, not before this digest): the link leaves the walk here.
    const leaves =
      previous.stamp.getTime() < this.range.since.getTime() ||
      previous.stamp.getTime() >= location.stamp.getTime() ||
      this.visited.has(idOf(previous));
    return leaves ? this.olderThan(location.stamp.getTime()) : { location: previous, successor: digest };
  }

  /** A valid predecessor must carry the signature its successor signed as previousDigestSignature. */
  private checkLink(successor: ReadDigest, previous: ReadDigest): void {
    const claimed = (successor.content.previousDigestSignature ?? "").toLowerCase();
    if ((previous.signature ?? "").toLowerCase() === claimed) return;
    const walked = this.found.get(idOf(successor.location));
    if (!walked) return;
    walked.brokenLink = `chain broken: its previousDigestSignature is not the signature of the previous digest s3://${previous.location.bucket}/${previous.location.key}`;
    this.gaps.push({
      cause: "missing",
      location: successor.location,
      from: previous.content.digestEndTime,
      to: successor.content.digestStartTime,
      reason: `the chain is broken between s3://${previous.location.bucket}/${previous.location.key} and s3://${successor.location.bucket}/${successor.location.key}: the digest there is not the one its successor signed`,
    });
  }

  private async missingGap(successor: ReadDigest, missing: DigestLocation, older: Step | null): Promise<ChainGap> {
    const olderEnd = older ? await this.endOf(older.location) : null;
    const name = `s3://${missing.bucket}/${missing.key}`;
    let before = `; the digests before it in the range are not known (only it names its predecessor)`;
    if (olderEnd) {
      // Digests come about hourly: a hole longer than one hour held more than the one named.
      const more = Math.round((missing.stamp.getTime() - Date.parse(olderEnd)) / DIGEST_PERIOD_MS) - 1;
      before = more >= 1 ? `, and so, about hourly, are ${more} digest(s) before it, which only it names` : "";
    }
    return {
      cause: "missing",
      location: successor.location,
      from: olderEnd ?? iso(this.range.since),
      to: successor.content.digestStartTime,
      reason: `the previous digest ${name} is missing${before}`,
    };
  }

  private async restartGap(older: DigestLocation, restarted: ReadDigest): Promise<ChainGap> {
    const { bucket, key } = restarted.location;
    return {
      cause: "restart",
      location: restarted.location,
      from: await this.endOf(older),
      to: restarted.content.digestStartTime,
      reason: `the chain restarts at s3://${bucket}/${key}: it names no previous digest (logging or log file validation was off)`,
    };
  }

  /** A digest's end time: its own when it reads, else the one stamped in its name. */
  private async endOf(location: DigestLocation): Promise<string> {
    const digest = await this.tools.read(location);
    return digest.state === "read" ? digest.content.digestEndTime : iso(location.stamp);
  }

  /** The newest listed digest not yet visited that is older than `before` (epoch ms); those skipped are left for the end. */
  private olderThan(before: number): Step | null {
    for (; this.cursor >= 0; this.cursor--) {
      const location = this.listed[this.cursor];
      if (location.stamp.getTime() < before && !this.visited.has(idOf(location))) {
        this.cursor--;
        return { location, successor: null };
      }
    }
    return null;
  }

  /** Whether the digest's hour overlaps the range: from its content, else from the end time in its name. */
  private overlaps(digest: FetchedDigest): boolean {
    const { since, until } = this.range;
    if (digest.state === "read") {
      return Date.parse(digest.content.digestStartTime) <= until.getTime() && Date.parse(digest.content.digestEndTime) >= since.getTime();
    }
    const end = digest.location.stamp.getTime();
    return end >= since.getTime() && end - DIGEST_PERIOD_MS <= until.getTime();
  }
}
