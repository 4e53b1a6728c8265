// The words verify says: a progress line per polling round, and, when the deadline passes,
// the reason naming the half that lacks the event and what to try next.
import type { VerifyEvidence } from "./types";

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ["KB", "MB", "GB", "TB"];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

export function formatElapsed(ms: number): string {
  const seconds = Math.round(ms / 1000);
  return `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, "0")}s`;
}

function missing(evidence: VerifyEvidence): string[] {
  const parts: string[] = [];
  if (!evidence.s3.found) parts.push("the S3 log record");
  // A data event is never in Event History, and is not awaited there.
  if (evidence.eventHistory && !evidence.eventHistory.found && evidence.eventCategory !== "Data") parts.push("the Event History entry");
  if (parts.length === 0 && !evidence.verified) parts.push("one eventID present in both S3 and Event History");
  return parts;
}

/** `label` is "round <n>", or "deadline" for the last line. */
export function progressLine(label: string, elapsedMs: number, evidence: VerifyEvidence, nextCheckMs: number | null): string {
  const s3 = evidence.s3;
  const still = missing(evidence);
  return (
    `${label}, ${formatElapsed(elapsedMs)} elapsed: ${s3.objectsScanned} objects, ${formatBytes(s3.bytesScanned)} scanned ` +
    `(${formatBytes(s3.bytesDownloaded)} downloaded); ` +
    (still.length > 0 ? `still missing ${still.join(" and ")}` : "found in every half") +
    (nextCheckMs !== null ? `; next check in ${formatElapsed(nextCheckMs)}` : "")
  );
}

export interface NotFoundContext {
  eventName: string;
  resource: string | null;
  since: Date;
  elapsedMs: number;
  apiRegion: string;
  /** Day folders listed; the message names the first and counts the rest. */
  folders: string[];
}

function deliveryState(evidence: VerifyEvidence): string {
  const { latestDeliveryTime, latestDeliveryError } = evidence.trail;
  return (
    `The trail's latest delivery was ${latestDeliveryTime ?? "never"}` +
    (latestDeliveryError ? `, with delivery error: ${latestDeliveryError}.` : ", with no delivery error.")
  );
}

export function notFoundMessage(evidence: VerifyEvidence, ctx: NotFoundContext): string {
  const what = `${ctx.eventName}${ctx.resource ? ` for ${ctx.resource}` : ""}`;
  const where = `s3://${evidence.s3.bucket}/${ctx.folders[0] ?? ""}${ctx.folders.length > 1 ? ` and ${ctx.folders.length - 1} other day folder(s)` : ""}`;
  const after = `after ${formatElapsed(ctx.elapsedMs)} (${evidence.s3.objectsScanned} log files scanned)`;
  const history = evidence.eventHistory;
  if (history?.found && !evidence.s3.found) {
    return (
      `Event History in ${ctx.apiRegion} shows ${what} (eventID ${history.eventId} at ${history.eventTime}), ` +
      `but no log file in ${where} holds it ${after}. ${deliveryState(evidence)} ` +
      `Delivery usually takes about 5 minutes and is not guaranteed: run again with a longer --timeout, ` +
      `and check the bucket (--bucket), the account folder (--account) and the log regions (--regions).`
    );
  }
  if (evidence.s3.found && history && !history.found) {
    return (
      `s3://${evidence.s3.bucket}/${evidence.s3.key} holds ${what} (eventID ${evidence.s3.eventId} at ${evidence.s3.eventTime}), ` +
      `but Event History in ${ctx.apiRegion} does not show it ${after}. Event History holds management events ` +
      `of the last 90 days in the region where they happened: check --region, or pass --no-event-history to rely on S3 alone.`
    );
  }
  if (evidence.s3.found && history?.found) {
    return (
      `S3 and Event History both hold ${what} since ${ctx.since.toISOString()}, but not the same one ` +
      `(S3 eventID ${evidence.s3.eventId}, Event History eventID ${history.eventId}) ${after}. Pass --resource to pin the event.`
    );
  }
  const dataEvent =
    evidence.eventCategory === "Data"
      ? `${ctx.eventName} is an S3 data event: a trail logs it only when its event selectors select data events for that object ` +
        `(aws cloudtrail get-event-selectors --trail-name ${evidence.trail.arn ?? evidence.trail.name}), and Event History never holds it. `
      : "";
  return (
    `No ${what} at or after ${ctx.since.toISOString()} in ${where}${history ? " nor in Event History" : ""} ${after}. ` +
    `${deliveryState(evidence)} ${dataEvent}Check --since, --region/--regions and --resource, or wait longer with --timeout.`
  );
}
