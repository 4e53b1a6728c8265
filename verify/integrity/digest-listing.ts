// Finding one trail's digest files in a time range: the regions that hold digests, then each
// region's day folders listed with the SDK paginator, keeping this trail's digest names only.
import type { S3Client } from "@aws-sdk/client-s3";
import { forEachConcurrent } from "../pacing/concurrency";
import { listPages } from "../s3/listing";
import { dayFolders, digestFileStamp, digestNamePrefix, formatDigestStamp } from "../s3/log-keys";

const LIST_CONCURRENCY = 8;

export interface DigestLocation {
  bucket: string;
  key: string;
  region: string;
  /** The digest's end time, as stamped in its name. */
  stamp: Date;
  backfill: boolean;
}

export interface DigestListing {
  s3: S3Client;
  bucket: string;
  /** `[prefix/]AWSLogs/[o-id/]<account>/` folders to look under. */
  accountRoots: string[];
  account: string;
  trailName: string;
  homeRegion: string;
  /** @default none */
  signal?: AbortSignal;
}

async function list(
  listing: DigestListing,
  input: { Prefix: string; StartAfter?: string; Delimiter?: string },
  visit: (page: { keys: string[]; prefixes: string[] }) => void,
): Promise<void> {
  const { s3, bucket, signal } = listing;
  for await (const page of listPages(s3, { Bucket: bucket, ...input }, { signal })) {
    visit({
      keys: (page.Contents ?? []).flatMap((o) => (o.Key ? [o.Key] : [])),
      prefixes: (page.CommonPrefixes ?? []).flatMap((p) => (p.Prefix ? [p.Prefix] : [])),
    });
  }
}

/** The regions with a `CloudTrail-Digest/<region>/` folder under any account root. */
export async function digestRegions(listing: DigestListing): Promise<string[]> {
  const regions = new Set<string>();
  for (const root of listing.accountRoots) {
    const prefix = `${root}CloudTrail-Digest/`;
    await list(listing, { Prefix: prefix, Delimiter: "/" }, ({ prefixes }) => {
      for (const p of prefixes) regions.add(p.slice(prefix.length, -1));
    });
  }
  return [...regions].sort();
}

/** This trail's digests in `regions` whose stamped end time lies in [from, to], oldest first. */
export async function listDigests(listing: DigestListing, regions: string[], from: Date, to: Date): Promise<DigestLocation[]> {
  const found: DigestLocation[] = [];
  const folders = listing.accountRoots.flatMap((root) => dayFolders(root, listing.account, regions, from, to, "CloudTrail-Digest"));
  // A long range is many small folders: list several at once.
  await forEachConcurrent(folders, LIST_CONCURRENCY, async (folder) => {
    const namePrefix = digestNamePrefix(listing.account, folder.region, listing.trailName, listing.homeRegion);
    // Keys of this trail sort by stamp; a one-second-earlier stamp puts `from` itself after StartAfter.
    const startAfter = `${folder.prefix}${namePrefix}${formatDigestStamp(new Date(from.getTime() - 1000))}`;
    await list(listing, { Prefix: folder.prefix, StartAfter: startAfter }, ({ keys }) => {
      for (const key of keys) {
        const parsed = digestFileStamp(key, namePrefix);
        if (parsed && parsed.stamp >= from && parsed.stamp <= to)
          found.push({ bucket: listing.bucket, key, region: folder.region, ...parsed });
      }
    });
  });
  return found.sort((a, b) => a.stamp.getTime() - b.stamp.getTime() || a.key.localeCompare(b.key));
}
