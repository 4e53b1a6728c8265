// What a trail's selectors, basic or advanced, record of S3 object-level data events: whether an
// event on one object is recorded (posture's loop check asks it of the trail's own log files), and
// over which buckets reads or writes are recorded (CIS 3.8 and 3.9, Security Hub S3.22 and S3.23).
// Basic selectors name objects by ARN prefix in DataResources ("arn:aws:s3" or "arn:aws:s3:::"
// meaning every bucket); advanced ones by field selectors on eventCategory Data, resources.type
// AWS::S3::Object, resources.ARN and readOnly.
import type { AdvancedEventSelector, EventSelector } from "@aws-sdk/client-cloudtrail";
import { advancedSelectorAdmits, type EventFields, type Selectors } from "./event-selectors";

export type Access = "read" | "write";

const S3_OBJECT = "AWS::S3::Object";

/** A basic DataResources value that covers every bucket's objects. */
function everyBucket(value: string, partition: string): boolean {
  return value === `arn:${partition}:s3` || value === `arn:${partition}:s3:::`;
}

function basicAccessMatches(selector: EventSelector, access: Access): boolean {
  const rw = selector.ReadWriteType ?? "All";
  return rw === "All" || rw === (access === "read" ? "ReadOnly" : "WriteOnly");
}

function basicObjectValues(selector: EventSelector): string[] {
  return (selector.DataResources ?? []).filter((d) => d.Type === S3_OBJECT).flatMap((d) => d.Values ?? []);
}

function isS3ObjectDataSelector(selector: AdvancedEventSelector): boolean {
  const fields = selector.FieldSelectors ?? [];
  const category = fields.find((f) => f.Field === "eventCategory");
  const type = fields.find((f) => f.Field === "resources.type");
  return !!category?.Equals?.includes("Data") && !!type?.Equals?.includes(S3_OBJECT);
}

/** The fields an S3 object-level call has, as far as posture can know them without a record. */
function objectEventFields(objectArn: string, access: Access, eventName?: string): EventFields {
  return {
    eventCategory: "Data",
    "resources.type": S3_OBJECT,
    "resources.ARN": objectArn,
    readOnly: String(access === "read"),
    eventSource: "s3.amazonaws.com",
    ...(eventName ? { eventName } : {}),
  };
}

/** Whether the selectors record this object's `access` event (`eventName` when known, such as PutObject). */
export function recordsObjectEvent(selectors: Selectors, objectArn: string, access: Access, eventName?: string): boolean {
  const partition = objectArn.split(":")[1] || "aws";
  const advanced = selectors.AdvancedEventSelectors ?? [];
  if (advanced.length > 0) {
    return advanced.some((s) => isS3ObjectDataSelector(s) && advancedSelectorAdmits(s, objectEventFields(objectArn, access, eventName)));
  }
  return (selectors.EventSelectors ?? []).some(
    (s) =>
      basicAccessMatches(s, access) && basicObjectValues(s).some((value) => everyBucket(value, partition) || objectArn.startsWith(value)),
  );
}

/** Fields of an advanced selector that narrow which S3 object events it records beyond the bucket and access. */
const NARROWING = new Set(["eventName", "eventSource", "eventType", "userIdentity.arn", "errorCode", "sessionCredentialFromConsole"]);

export interface ObjectScope {
  /** Every current and future bucket (an all-buckets selector), exclusions aside. */
  allBuckets: boolean;
  /** ARN prefixes, or values, left out of an all-buckets selector (advanced NotStartsWith / NotEquals). */
  except: string[];
  /** ARN prefixes or values of the objects recorded when not every bucket is. */
  prefixes: string[];
  /** Advanced selectors that record S3 object events only for some event names, identities, and so on. */
  narrowedBy: string[];
}

/** Over which objects the selectors record S3 object-level `access` events; every list empty and allBuckets false when none. */
export function objectScope(selectors: Selectors, access: Access, partition: string): ObjectScope {
  const scope: ObjectScope = { allBuckets: false, except: [], prefixes: [], narrowedBy: [] };
  const advanced = selectors.AdvancedEventSelectors ?? [];
  if (advanced.length > 0) {
    for (const s of advanced.filter(isS3ObjectDataSelector)) {
      const fields = s.FieldSelectors ?? [];
      const readOnly = fields.find((f) => f.Field === "readOnly");
      if (readOnly && !advancedSelectorAdmits({ FieldSelectors: [readOnly] }, { readOnly: String(access === "read") })) continue;
      const narrowing = fields.filter((f) => f.Field && NARROWING.has(f.Field)).map((f) => f.Field!);
      if (narrowing.length > 0) {
        scope.narrowedBy.push(`${s.Name || "an advanced selector"} (${narrowing.join(", ")})`);
        continue;
      }
      const arn = fields.filter((f) => f.Field === "resources.ARN");
      const positive = arn.flatMap((f) => [...(f.Equals ?? []), ...(f.StartsWith ?? []), ...(f.EndsWith ?? [])]);
      if (positive.length > 0) scope.prefixes.push(...positive);
      else {
        scope.allBuckets = true;
        scope.except.push(...arn.flatMap((f) => [...(f.NotEquals ?? []), ...(f.NotStartsWith ?? []), ...(f.NotEndsWith ?? [])]));
      }
    }
    return scope;
  }
  for (const s of selectors.EventSelectors ?? []) {
    if (!basicAccessMatches(s, access)) continue;
    for (const value of basicObjectValues(s)) {
      if (everyBucket(value, partition)) scope.allBuckets = true;
      else scope.prefixes.push(value);
    }
  }
  return scope;
}
