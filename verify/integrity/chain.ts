// Following each region's digest chain backwards: every digest names its predecessor
// (previousDigestS3Object) and carries its signature (previousDigestSignature), which it signs
// over. A named predecessor that is not where the chain says is a missing digest; one whose
// signature differs breaks the chain; a digest naming none restarts it (logging or validation
// was off), which leaves a stretch no digest vouches for. The oldest digest in the range is
// not followed further back.
import type { FetchedDigest } from "./digest-reader";
import type { IntegrityFailure, IntegrityGap } from "./types";

export interface ChainFindings {
  /** Digests named by the chain but not found, and digests whose link does not hold. */
  failures: IntegrityFailure[];
  gaps: IntegrityGap[];
}

/** One chain per account folder and region (an organization bucket holds many accounts). */
function chainId(digest: FetchedDigest): string {
  const { key, region } = digest.location;
  return `${key.slice(0, key.indexOf("/CloudTrail-Digest/"))}|${region}`;
}

/** `digests`: in the range, oldest first. Backfill digests stand outside the hourly chain. */
export function walkChains(digests: FetchedDigest[]): ChainFindings {
  const findings: ChainFindings = { failures: [], gaps: [] };
  const chains = new Map<string, FetchedDigest[]>();
  for (const digest of digests) {
    if (digest.location.backfill) continue;
    const chain = chains.get(chainId(digest)) ?? [];
    chain.push(digest);
    chains.set(chainId(digest), chain);
  }
  for (const chain of chains.values()) {
    for (let i = chain.length - 1; i >= 1; i--) checkLink(chain[i], chain[i - 1], findings);
  }
  return findings;
}

function checkLink(current: FetchedDigest, older: FetchedDigest, findings: ChainFindings): void {
  // A digest that cannot be read names no predecessor; it is already counted invalid.
  if (current.state !== "read") return;
  const { content, location } = current;
  const region = location.region;
  const olderEnd = older.state === "read" ? older.content.digestEndTime : null;
  const gap = (reason: string) => findings.gaps.push({ region, from: olderEnd, to: content.digestStartTime, reason });
  if (content.previousDigestS3Object === null) {
    gap(
      `the chain restarts at s3://${location.bucket}/${location.key}: it names no previous digest (logging or log file validation was off)`,
    );
    return;
  }
  const previousBucket = content.previousDigestS3Bucket ?? location.bucket;
  if (previousBucket !== older.location.bucket || content.previousDigestS3Object !== older.location.key) {
    findings.failures.push({
      kind: "digest",
      bucket: previousBucket,
      key: content.previousDigestS3Object,
      reason: "not found",
      listedIn: location.key,
    });
    gap(`the previous digest s3://${previousBucket}/${content.previousDigestS3Object} is missing`);
    return;
  }
  if (older.state !== "read") return;
  if ((older.signature ?? "").toLowerCase() !== (content.previousDigestSignature ?? "").toLowerCase()) {
    findings.failures.push({
      kind: "digest",
      bucket: location.bucket,
      key: location.key,
      reason: `chain broken: its previousDigestSignature is not the signature of the previous digest s3://${older.location.bucket}/${older.location.key}`,
      listedIn: null,
    });
    gap(`the chain is broken between s3://${older.location.bucket}/${older.location.key} and s3://${location.bucket}/${location.key}`);
  }
}
