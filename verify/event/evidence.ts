// Assembling the evidence object from what each half found, and choosing the one event it
// shows: one present in both halves if any, else the earliest.
import { isDataRecord } from "./data-events";
import type { HistoryHit } from "./event-history";
import { printableRecord } from "./printable";
import type { LoggingStatus, TrailDescription } from "../trail/trail-status";
import type { AthenaEvidence, S3Match, SkippedObject, TrailEvidence, VerifyEvidence } from "./types";

export interface Findings {
  trail: TrailDescription | { name: string; arn: null; bucket: string; prefix: null };
  status: LoggingStatus | null;
  bucket: string;
  s3: {
    objectsScanned: number;
    bytesScanned: number;
    bytesDownloaded: number;
    skipped: readonly SkippedObject[];
    matches: ReadonlyMap<string, S3Match>;
  };
  /** null when Event History is not consulted. */
  history: ReadonlyMap<string, HistoryHit> | null;
  /** Present when Athena, not this process, searched the logs. */
  athena?: () => AthenaEvidence;
  /** When each half first saw each event, by eventID. */
  firstSeen?: { s3: ReadonlyMap<string, string>; history: ReadonlyMap<string, string> };
  /** The event's name is a data event's: Event History was not asked. */
  dataEvent?: boolean;
}

function byTime<T>(items: T[], time: (item: T) => string, tie: (item: T) => string): T | undefined {
  return [...items].sort((a, b) => time(a).localeCompare(time(b)) || tie(a).localeCompare(tie(b)))[0];
}

export function trailEvidence(findings: Pick<Findings, "trail" | "status" | "bucket">): TrailEvidence {
  const { trail, status } = findings;
  return {
    name: trail.name,
    arn: trail.arn,
    isLogging: status?.isLogging ?? null,
    bucket: findings.bucket,
    prefix: trail.prefix,
    latestDeliveryTime: status?.latestDeliveryTime?.toISOString() ?? null,
    latestDeliveryError: status?.latestDeliveryError ?? null,
  };
}

export function buildEvidence(findings: Findings): VerifyEvidence {
  const { s3, history } = findings;
  const s3Matches = [...s3.matches.values()];
  const inBoth = history ? s3Matches.filter((m) => history.has(m.record.eventID)) : [];
  const s3Pick = byTime(
    inBoth.length > 0 ? inBoth : s3Matches,
    (m) => m.record.eventTime,
    (m) => m.key,
  );
  const historyPick =
    history &&
    (s3Pick && history.get(s3Pick.record.eventID)
      ? history.get(s3Pick.record.eventID)
      : byTime(
          [...history.values()],
          (h) => h.eventTime,
          (h) => h.eventId,
        ));
  // A data event is never in Event History: the S3 record alone proves it.
  const dataEvent = findings.dataEvent === true || (s3Pick !== undefined && isDataRecord(s3Pick.record));
  const verified = s3Pick !== undefined && (history === null || inBoth.length > 0 || dataEvent);
  return {
    verified,
    trail: trailEvidence(findings),
    s3: {
      bucket: findings.bucket,
      found: s3Pick !== undefined,
      key: s3Pick?.key ?? null,
      eventId: s3Pick?.record.eventID ?? null,
      eventTime: s3Pick?.record.eventTime ?? null,
      foundAt: (s3Pick && findings.firstSeen?.s3.get(s3Pick.record.eventID)) ?? null,
      objectsScanned: s3.objectsScanned,
      bytesScanned: s3.bytesScanned,
      bytesDownloaded: s3.bytesDownloaded,
      // In key order: downloads finish in any order, and the same run should print the same evidence.
      skipped: [...s3.skipped].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)),
    },
    eventHistory: history
      ? {
          found: historyPick !== undefined,
          eventId: historyPick?.eventId ?? null,
          eventTime: historyPick?.eventTime ?? null,
          username: historyPick?.username ?? null,
          foundAt: (historyPick && findings.firstSeen?.history.get(historyPick.eventId)) ?? null,
        }
      : null,
    eventCategory: dataEvent ? "Data" : "Management",
    event: s3Pick ? printableRecord(s3Pick.record) : null,
    search: findings.athena ? "athena" : "s3",
    athena: findings.athena?.() ?? null,
  };
}
