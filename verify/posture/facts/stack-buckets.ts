// The buckets of the stack posture judges beside the trail's own: the bucket its server access
// logs go to (found from its logging configuration), the results bucket of an Athena workgroup
// (GetWorkGroup's output location), and any the caller names. A bucket posture found by itself
// that cannot be read (in another account, gone, refused) is reported unread with why; a bucket
// the caller named must be readable, as the trail's must.
import { GetWorkGroupCommand, type AthenaClient } from "@aws-sdk/client-athena";
import type { S3Client } from "@aws-sdk/client-s3";
import { awsErrorCode } from "../../../common/aws-error-code";
import { isAbort, toVerifyError } from "../../aws-errors";
import type { BucketRole } from "../types";
import { readBucketSettings, type BucketSettings } from "./bucket-settings";

export interface StackBucket {
  role: BucketRole;
  settings: BucketSettings;
}

export interface UnreadBucket {
  name: string;
  role: BucketRole;
  reason: string;
}

/** The bucket of an s3://bucket/prefix location; null for anything else. */
export function bucketOfLocation(location: string | undefined): string | null {
  const match = /^s3:\/\/([^/]+)/.exec(location ?? "");
  return match ? match[1] : null;
}

/** The results bucket of `workgroup`, or why there is none to judge. */
export async function workgroupBucket(
  athena: AthenaClient,
  workgroup: string,
  signal?: AbortSignal,
): Promise<{ bucket: string } | { unread: string }> {
  try {
    const { WorkGroup } = await athena.send(new GetWorkGroupCommand({ WorkGroup: workgroup }), { abortSignal: signal });
    const location = WorkGroup?.Configuration?.ResultConfiguration?.OutputLocation;
    const bucket = bucketOfLocation(location);
    return bucket ? { bucket } : { unread: `workgroup ${workgroup} names no S3 output location (${location ?? "none"})` };
  } catch (err) {
    throw toVerifyError("GetWorkGroup", `workgroup ${workgroup}`, err);
  }
}

export interface StackBucketsRequest {
  s3: S3Client;
  trailBucket: BucketSettings;
  /** The results bucket of the workgroup asked about, or why none was found. */
  workgroup: { bucket: string } | { unread: string } | null;
  named: readonly string[];
  signal?: AbortSignal;
}

export async function readStackBuckets(request: StackBucketsRequest): Promise<{ buckets: StackBucket[]; unread: UnreadBucket[] }> {
  const { s3, trailBucket, workgroup, signal } = request;
  const wanted = new Map<string, { role: BucketRole; found: boolean }>();
  const want = (name: string, role: BucketRole, found: boolean) => {
    if (name !== trailBucket.bucket && !wanted.has(name)) wanted.set(name, { role, found });
  };
  if (trailBucket.logging) want(trailBucket.logging.targetBucket, "access-log", true);
  if (workgroup && "bucket" in workgroup) want(workgroup.bucket, "athena-results", true);
  for (const name of request.named) want(name, "named", false);
  const unread: UnreadBucket[] = workgroup && "unread" in workgroup ? [{ name: "", role: "athena-results", reason: workgroup.unread }] : [];
  const read = await Promise.all(
    [...wanted].map(async ([name, { role, found }]) => {
      try {
        return { role, settings: await readBucketSettings(s3, name, signal) };
      } catch (err) {
        // A bucket the caller named, or an abort, stops the check; one posture found says why it is unjudged.
        if (!found || isAbort(err)) throw err;
        unread.push({ name, role, reason: err instanceof Error ? err.message : String(awsErrorCode(err)) });
        return null;
      }
    }),
  );
  return { buckets: read.filter((b): b is StackBucket => b !== null), unread };
}
