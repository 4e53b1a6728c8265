// Which CloudTrail records are the event asked for: by name, by the resource it concerns, and
// not before `since`. scanLogObject (decode + match over one object's bytes) is a pure function
// so that the benchmark can call it directly.
import { decodeLogObject, type DecodedLog, type DecodeOptions } from "../decode";
import { concernsS3Object, s3ObjectOf } from "./data-events";
import type { CloudTrailRecord } from "./types";

export interface MatchCriteria {
  eventName: string;
  /**
   * Instance id (or other resource name, or an S3 object as its ARN or bucket/key); null matches any resource.
   * @default null
   */
  resource?: string | null;
  since: Date;
}

export interface CompiledCriteria {
  eventName: string;
  resource: string | null;
  sinceMs: number;
  /** Byte strings every matching object must contain. */
  needles: Buffer[];
}

export interface ScanOutcome {
  /** Uncompressed bytes of the object (0 when it could not be gunzipped). */
  bytesScanned: number;
  matches: CloudTrailRecord[];
  /** Why the object is not a readable log file, or null. */
  skippedReason: string | null;
}

export function compileCriteria(criteria: MatchCriteria): CompiledCriteria {
  const resource = criteria.resource ?? null;
  // The event name always appears as a JSON string value; the resource may sit inside an ARN.
  // Most objects hold neither, and Buffer.includes skips ahead by the needle's length, so the
  // longer needle goes first: it rules an object out sooner (npm run bench).
  const needles = [Buffer.from(JSON.stringify(criteria.eventName))];
  // An S3 object may be named in requestParameters only (bucketName and key apart): its key is what
  // every record of it holds, as JSON writes it.
  const object = resource ? s3ObjectOf(resource) : null;
  if (object) needles.push(Buffer.from(JSON.stringify(object.key).slice(1, -1)));
  else if (resource) needles.push(Buffer.from(resource));
  needles.sort((a, b) => b.length - a.length);
  return { eventName: criteria.eventName, resource, sinceMs: criteria.since.getTime(), needles };
}

function isRecord(value: unknown): value is CloudTrailRecord {
  const r = value as Partial<CloudTrailRecord> | null;
  return (
    typeof r === "object" &&
    r !== null &&
    typeof r.eventName === "string" &&
    typeof r.eventTime === "string" &&
    typeof r.eventID === "string"
  );
}

function instanceIds(elements: unknown): string[] {
  const items = (elements as { instancesSet?: { items?: unknown } } | null | undefined)?.instancesSet?.items;
  if (!Array.isArray(items)) return [];
  return items.map((item) => (item as { instanceId?: unknown } | null)?.instanceId).filter((id): id is string => typeof id === "string");
}

function resourceNames(resources: unknown): string[] {
  if (!Array.isArray(resources)) return [];
  return resources.map((r) => (r as { ARN?: unknown } | null)?.ARN).filter((arn): arn is string => typeof arn === "string");
}

/**
 * Whether the record concerns `resource`: in the instances it created or named, or its resources[].
 * An S3 object (its ARN, or bucket/key) is that object only (data-events.ts): an S3 ARN that merely
 * ends with bucket/key is another bucket's object under a longer key.
 */
export function concernsResource(record: CloudTrailRecord, resource: string): boolean {
  const object = s3ObjectOf(resource);
  if (object && concernsS3Object(record, object)) return true;
  if (instanceIds(record.responseElements).includes(resource)) return true;
  if (instanceIds(record.requestParameters).includes(resource)) return true;
  // bucket/key may still name something else (role/admin): other ARNs are read as before.
  const names = resourceNames(record.resources).filter((arn) => !(object && S3_ARN.test(arn)));
  return names.some((arn) => arn === resource || arn.endsWith(`/${resource}`) || arn.endsWith(`:${resource}`));
}

const S3_ARN = /^arn:aws[a-z-]*:s3:::/;

export function recordMatches(record: unknown, criteria: CompiledCriteria): record is CloudTrailRecord {
  if (!isRecord(record) || record.eventName !== criteria.eventName) return false;
  const at = Date.parse(record.eventTime);
  if (!(at >= criteria.sinceMs)) return false;
  return criteria.resource === null || concernsResource(record, criteria.resource);
}

export function scanLogObject(gz: Buffer, criteria: CompiledCriteria, options: DecodeOptions = {}): ScanOutcome {
  return matchDecoded(decodeLogObject(gz, criteria.needles, { keep: keeperOf(criteria), ...options }), criteria);
}

/** What the decoder keeps of the records it parses: the matching ones only, so that the rest is dropped at once. */
export function keeperOf(criteria: CompiledCriteria): (record: unknown) => boolean {
  return (record) => recordMatches(record, criteria);
}

/** What a decoded object holds for `criteria`: the matching records, or why it was skipped. */
export function matchDecoded(decoded: DecodedLog, criteria: CompiledCriteria): ScanOutcome {
  switch (decoded.kind) {
    case "skipped":
      return { bytesScanned: decoded.bytes, matches: [], skippedReason: decoded.reason };
    case "irrelevant":
      return { bytesScanned: decoded.bytes, matches: [], skippedReason: null };
    case "records":
      return {
        bytesScanned: decoded.bytes,
        matches: decoded.records.filter((r): r is CloudTrailRecord => recordMatches(r, criteria)),
        skippedReason: null,
      };
  }
}
