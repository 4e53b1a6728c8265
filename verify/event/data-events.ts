// S3 data events in the event check: which event names are S3 object-level calls (data events,
// which a trail logs only when its selectors ask for them, and which Event History never holds),
// and whether a record concerns one S3 object, named by its ARN or as bucket/key.
import type { CloudTrailRecord } from "./types";

/**
 * The object-level calls CloudTrail logs as S3 data events (Amazon S3 User Guide, "Amazon S3
 * CloudTrail events", object-level actions). ListObjects, ListObjectVersions and HeadBucket are
 * logged as data events only under conditions, so they are not named here: a matched record that
 * says it is a data event counts as one all the same (isDataRecord).
 */
export const S3_OBJECT_EVENTS: ReadonlySet<string> = new Set([
  "AbortMultipartUpload",
  "CompleteMultipartUpload",
  "CopyObject",
  "CreateMultipartUpload",
  "DeleteObject",
  "DeleteObjects",
  "GetObject",
  "GetObjectAcl",
  "GetObjectAttributes",
  "GetObjectTagging",
  "HeadObject",
  "ListParts",
  "PostObject",
  "PutObject",
  "PutObjectAcl",
  "PutObjectTagging",
  "RestoreObject",
  "UploadPart",
  "UploadPartCopy",
]);

/** Whether the event asked for is an S3 data event, known from its name before any record is read. */
export function isDataEventName(eventName: string): boolean {
  return S3_OBJECT_EVENTS.has(eventName);
}

/** A record that says it is a data event (eventVersion 1.08 and later carry both fields). */
export function isDataRecord(record: CloudTrailRecord): boolean {
  return record.eventCategory === "Data" || record.managementEvent === false;
}

export interface S3ObjectName {
  bucket: string;
  key: string;
}

// S3's bucket naming rules: 3 to 63 lowercase letters, digits, dots and hyphens, a letter or digit at each end.
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const OBJECT_ARN = /^arn:aws[a-z-]*:s3:::([^/]+)\/(.+)$/;

/** The S3 object `--resource` names, as `arn:<partition>:s3:::bucket/key` or `bucket/key`; null when it names none. */
export function s3ObjectOf(resource: string): S3ObjectName | null {
  const arn = OBJECT_ARN.exec(resource);
  const slash = resource.indexOf("/");
  if (!arn && (resource.startsWith("arn:") || slash < 0)) return null;
  const bucket = arn ? arn[1] : resource.slice(0, slash);
  const key = arn ? arn[2] : resource.slice(slash + 1);
  return BUCKET.test(bucket) && key !== "" ? { bucket, key } : null;
}

/**
 * Whether the record is a call on that object: its resources[] name it as an AWS::S3::Object (in
 * any partition), or its requestParameters name the bucket and the key.
 */
export function concernsS3Object(record: CloudTrailRecord, object: S3ObjectName): boolean {
  const resources = Array.isArray(record.resources) ? (record.resources as unknown[]) : [];
  const named = resources.some((r) => {
    const { type, ARN } = (r ?? {}) as { type?: unknown; ARN?: unknown };
    if (type !== "AWS::S3::Object" || typeof ARN !== "string") return false;
    const parsed = OBJECT_ARN.exec(ARN);
    return parsed !== null && parsed[1] === object.bucket && parsed[2] === object.key;
  });
  if (named) return true;
  const params = record.requestParameters as { bucketName?: unknown; key?: unknown } | null | undefined;
  return params?.bucketName === object.bucket && params.key === object.key;
}
