// Athena's rows as the event check's matches. The query asks for the event, but a row is only what
// the endpoint sent: a row of NULLs, a time that is not a time, another event's name or an object
// outside the trail's bucket must never stand in for the record. So each row is held to what the
// verdict rests on (the eventID Event History must confirm, the event's name and time, the log
// object it came from) and, when it falls short, skipped and named, as the scanner skips an object
// it cannot read.
import { logFileStamp } from "../../s3/log-keys";
import type { CloudTrailRecord, S3Match, SkippedObject } from "../types";

/** A result row keyed by column label; SQL NULL is null. */
export type AthenaRow = Record<string, string | null>;

/** What every row must show: the event asked for, not before `since`, from a log object in `bucket`. */
export interface RowCriteria {
  eventName: string;
  since: Date;
  /** The bucket the evidence names: the key of a row is read (and copied by the lab) there. */
  bucket: string;
}

/**
 * A row's record and the object it came from, or why it is not one: named by its object when the
 * row names one in the bucket, else by `where` (the query and row number), with `fromObject` false.
 */
export type RowOutcome = { match: S3Match } | { skipped: SkippedObject; fromObject: boolean };

// CloudTrail writes eventTime to the second in UTC ("2026-11-25T21:19:10Z"); a fraction is allowed.
const EVENT_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;
// An eventID is CloudTrail's GUID: one word, which is what Event History is asked to show too.
const EVENT_ID = /^\S+$/;

/** The key of `s3://<bucket>/<key>` (Athena's "$path" names the object a row came from), or null for any other bucket or form. */
export function keyFromPath(path: string | null, bucket: string): string | null {
  const prefix = `s3://${bucket}/`;
  if (path === null || !path.startsWith(prefix)) return null;
  const key = path.slice(prefix.length);
  return key === "" ? null : key;
}

function parseJson(text: string | null): unknown {
  if (text === null || text === "") return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** The record as far as the table's columns carry it, under CloudTrail's own field names. */
export function recordFromRow(row: AthenaRow): CloudTrailRecord {
  return {
    eventVersion: row.eventversion ?? undefined,
    eventTime: row.eventtime ?? "",
    eventSource: row.eventsource ?? undefined,
    eventName: row.eventname ?? "",
    awsRegion: row.awsregion ?? undefined,
    sourceIPAddress: row.sourceipaddress ?? undefined,
    userAgent: row.useragent ?? undefined,
    requestParameters: parseJson(row.requestparameters),
    responseElements: parseJson(row.responseelements),
    requestID: row.requestid ?? undefined,
    eventID: row.eventid ?? "",
    recipientAccountId: row.recipientaccountid ?? undefined,
  };
}

const shown = (value: string | null) => (value === null ? "NULL" : JSON.stringify(value));

/** Why the row cannot be the event, or null when it holds all the verdict rests on. */
export function rowProblem(row: AthenaRow, criteria: RowCriteria): string | null {
  const { eventid, eventname, eventtime } = row;
  const path = row.$path ?? null;
  if (eventid === null || eventid === undefined || !EVENT_ID.test(eventid)) return `eventid is ${shown(eventid ?? null)}, not an event id`;
  if (eventname !== criteria.eventName) return `eventname is ${shown(eventname ?? null)}, not ${criteria.eventName}`;
  const at = eventtime ? Date.parse(eventtime) : NaN;
  if (!eventtime || !EVENT_TIME.test(eventtime) || Number.isNaN(at)) return `eventtime is ${shown(eventtime ?? null)}, not an instant`;
  if (at < criteria.since.getTime()) return `eventtime ${eventtime} is before ${criteria.since.toISOString()}, the start of the search`;
  const key = keyFromPath(path, criteria.bucket);
  if (key === null) return `"$path" is ${shown(path)}, not an object in s3://${criteria.bucket}/`;
  if (!logFileStamp(key)) return `"$path" names ${key}, which is not a CloudTrail log file`;
  return null;
}

/** The row as a match, or skipped with its reason; `where` names a row whose object is unknown. */
export function matchFromRow(row: AthenaRow, criteria: RowCriteria, where: string): RowOutcome {
  const problem = rowProblem(row, criteria);
  if (problem === null) return { match: { key: keyFromPath(row.$path, criteria.bucket)!, record: recordFromRow(row) } };
  const key = keyFromPath(row.$path ?? null, criteria.bucket);
  return { skipped: { key: key ?? where, reason: `an Athena row that is not the event: ${problem}` }, fromObject: key !== null };
}
