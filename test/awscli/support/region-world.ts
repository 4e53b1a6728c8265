// A trail whose bucket holds one signed digest chain per region, each region a case of its own
// (a digest deleted, a signature replaced, a log edited...), so that the AWS CLI, which checks one
// region per run, and `--integrity`, which checks them all at once, answer for the same objects.
// Every region has `HOURS` hourly digests in the range, two logs each, and one digest after it.
import { DeleteObjectCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { FixtureFactory, logFile } from "../../support/fixtures/cloudtrail-fixtures";
import {
  DigestChain,
  type DigestOptions,
  type SignedDigest,
  type SigningKey,
  type StoredObject,
} from "../../support/fixtures/signed-digests";

const HOUR = 3_600_000;
export const HOURS = 5;
/** The first digest's start: odd seconds, as CloudTrail's are. */
export const T0 = new Date("2025-03-01T10:00:07Z");
/** Every region's HOURS hours, not the hour after. */
export const RANGE = { since: new Date(T0.getTime() + 60_000), until: new Date(T0.getTime() + HOURS * HOUR - 60_000) };

export interface RegionChain {
  region: string;
  chain: DigestChain;
  f: FixtureFactory;
  /** The HOURS digests in the range, oldest first. */
  digests: SignedDigest[];
  /** The digest of the hour after the range. */
  after: SignedDigest;
  /** Each digest's two logs. */
  logs: StoredObject[][];
}

export interface RegionTrail {
  name: string;
  account: string;
  bucket: string;
  prefix: string;
  orgId?: string;
}

/** Changes a region's objects after they are stored, through the S3 client given. */
export interface Tamper {
  s3: S3Client;
  bucket: string;
  remove(...keys: string[]): Promise<void>;
  put(key: string, body: Buffer, metadata?: Record<string, string>): Promise<void>;
}

export function tamperer(s3: S3Client, bucket: string): Tamper {
  return {
    s3,
    bucket,
    async remove(...keys) {
      for (const Key of keys) await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key }));
    },
    async put(Key, Body, Metadata) {
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key, Body, Metadata }));
    },
  };
}

/** One region's chain of the trail, signed with `key`; `digest(i)` shapes digest i. */
export function regionChain(
  trail: RegionTrail,
  region: string,
  key: SigningKey,
  seed: number,
  digest?: (i: number) => DigestOptions,
): RegionChain {
  const f = new FixtureFactory(trail.account, seed);
  const chain = new DigestChain(f, key, {
    name: trail.name,
    homeRegion: "us-east-1",
    bucket: trail.bucket,
    prefix: trail.prefix,
    orgId: trail.orgId,
  });
  const hour = (end: Date) =>
    [10, 35].map((minute) => {
      const at = new Date(end.getTime() - HOUR + minute * 60_000);
      return chain.log(region, at, logFile(f.noiseRecords(region, at, 8)));
    });
  const logs: StoredObject[][] = [];
  const digests = Array.from({ length: HOURS }, (_, i) => {
    const end = new Date(T0.getTime() + (i + 1) * HOUR);
    logs.push(hour(end));
    return chain.digest(region, end, logs[i], digest?.(i));
  });
  const afterEnd = new Date(T0.getTime() + (HOURS + 1) * HOUR);
  const after = chain.digest(region, afterEnd, hour(afterEnd));
  return { region, chain, f, digests, after, logs };
}
