// Finding one trail's digest files in a time range: the account folders (an organization trail
// has one per member account), the regions that hold digests, then each account's and region's
// day folders listed with the SDK paginator, keeping this trail's digest names only. Only the
// range's own day folders are listed, so a range with no digest costs a few requests, never a
// listing of the bucket (aws/aws-cli#4250).
import type { S3Client } from "@aws-sdk/client-s3";
import { forEachConcurrent } from "../pacing/concurrency";
import { listPages } from "../s3/listing";
import { awsLogsPrefix, dayFolders, digestFileStamp, digestNamePrefix, formatDigestStamp, isOrganizationSegment } from "../s3/log-keys";

/** Day folders listed at once: a long range is many small folders, each one request or a few. */
export const LIST_CONCURRENCY = 16;

export interface DigestLocation {
  bucket: string;
  key: string;
  /** The account whose folder holds it (an organization trail's member account). */
  account: string;
  region: string;
  /** The digest's end time, as stamped in its name. */
  stamp: Date;
  backfill: boolean;
}

/** `[prefix/]AWSLogs/[o-id/]<account>/`: where one account's digests are. */
export interface AccountRoot {
  root: string;
  account: string;
}

export interface DigestListing {
  s3: S3Client;
  bucket: string;
  /** The account folders to look under. */
  roots: AccountRoot[];
  trailName: string;
  homeRegion: string;
  /** @default none */
  signal?: AbortSignal;
}

async function list(
  listing: Pick<DigestListing, "s3" | "bucket" | "signal">,
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

/**
 * Every member account folder of an organization trail, `[prefix/]AWSLogs/<o-id>/<account>/`, found
 * by listing `AWSLogs/` and each `o-` folder with a delimiter (a few requests, whatever the bucket holds).
 */
export async function organizationRoots(
  listing: Pick<DigestListing, "s3" | "bucket" | "signal">,
  trailPrefix: string | null,
): Promise<AccountRoot[]> {
  const logs = awsLogsPrefix(trailPrefix);
  const organizations: string[] = [];
  await list(listing, { Prefix: logs, Delimiter: "/" }, ({ prefixes }) => {
    for (const p of prefixes) if (isOrganizationSegment(p.slice(logs.length, -1))) organizations.push(p);
  });
  const roots: AccountRoot[] = [];
  for (const organization of organizations) {
    await list(listing, { Prefix: organization, Delimiter: "/" }, ({ prefixes }) => {
      for (const root of prefixes) {
        const account = root.slice(organization.length, -1);
        if (/^\d{12}$/.test(account)) roots.push({ root, account });
      }
    });
  }
  return roots;
}

/** The regions with a `CloudTrail-Digest/<region>/` folder under any account root. */
export async function digestRegions(listing: DigestListing): Promise<string[]> {
  const regions = new Set<string>();
  await forEachConcurrent(listing.roots, LIST_CONCURRENCY, async ({ root }) => {
    const prefix = `${root}CloudTrail-Digest/`;
    await list(listing, { Prefix: prefix, Delimiter: "/" }, ({ prefixes }) => {
      for (const p of prefixes) regions.add(p.slice(prefix.length, -1));
    });
  });
  return [...regions].sort();
}

/** This trail's digests in `regions` whose stamped end time lies in [from, to], oldest first. */
export async function listDigests(listing: DigestListing, regions: string[], from: Date, to: Date): Promise<DigestLocation[]> {
  const found: DigestLocation[] = [];
  const folders = listing.roots.flatMap(({ root, account }) => dayFolders(root, account, regions, from, to, "CloudTrail-Digest"));
  await forEachConcurrent(folders, LIST_CONCURRENCY, async (folder) => {
    const namePrefix = digestNamePrefix(folder.account, folder.region, listing.trailName, listing.homeRegion);
    // Keys of this trail sort by stamp; a one-second-earlier stamp puts `from` itself after StartAfter.
    const startAfter = `${folder.prefix}${namePrefix}${formatDigestStamp(new Date(from.getTime() - 1000))}`;
    await list(listing, { Prefix: folder.prefix, StartAfter: startAfter }, ({ keys }) => {
      for (const key of keys) {
        const parsed = digestFileStamp(key, namePrefix);
        if (parsed && parsed.stamp >= from && parsed.stamp <= to)
          found.push({ bucket: listing.bucket, key, account: folder.account, region: folder.region, ...parsed });
      }
    });
  });
  return found.sort((a, b) => a.stamp.getTime() - b.stamp.getTime() || a.key.localeCompare(b.key));
}
