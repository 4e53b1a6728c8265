// The human summary `npm run verify` prints on stdout when --json is not given.
import { formatBytes } from "./messages";
import type { VerifyEvidence } from "./types";

export function humanSummary(evidence: VerifyEvidence, eventName: string): string {
  const { trail, s3 } = evidence;
  const lines = [
    `${evidence.verified ? "VERIFIED" : "NOT VERIFIED"}: ${eventName} in trail ${trail.name}${trail.arn ? ` (${trail.arn})` : ""}`,
    `  trail:         ${trail.isLogging === null ? "status unknown" : trail.isLogging ? "logging" : "NOT logging"} to s3://${trail.bucket}/${trail.prefix ? `${trail.prefix}/` : ""}; ` +
      `latest delivery ${trail.latestDeliveryTime ?? "never"}${trail.latestDeliveryError ? `, error ${trail.latestDeliveryError}` : ""}`,
    `  S3 log:        ${s3.found ? `s3://${s3.bucket}/${s3.key} (eventID ${s3.eventId}, ${s3.eventTime})` : "not found"}`,
    `  Event History: ${eventHistoryLine(evidence, eventName)}`,
    evidence.athena
      ? `  Athena:        ${evidence.athena.queryIds.length} quer${evidence.athena.queryIds.length === 1 ? "y" : "ies"} on ${evidence.athena.database}.${evidence.athena.table} ` +
        `(workgroup ${evidence.athena.workgroup}; last ${evidence.athena.queryId ?? "none"}), ${formatBytes(evidence.athena.bytesScanned)} scanned, about USD ${evidence.athena.costUsd.toFixed(4)}`
      : `  scanned:       ${s3.objectsScanned} log files, ${formatBytes(s3.bytesScanned)} (${formatBytes(s3.bytesDownloaded)} downloaded)` +
        (s3.skipped.length > 0 ? `; ${s3.skipped.length} skipped` : ""),
    ...s3.skipped.map((s) => `    skipped ${s.key}: ${s.reason}`),
  ];
  return `${lines.join("\n")}\n`;
}

function eventHistoryLine({ eventHistory, eventCategory }: VerifyEvidence, eventName: string): string {
  if (eventHistory === null)
    return eventCategory === "Data"
      ? `not asked: ${eventName} is a data event, and Event History holds management events only`
      : "not consulted";
  if (eventHistory.found) return `eventID ${eventHistory.eventId}, ${eventHistory.eventTime}`;
  return eventCategory === "Data" ? "not found, as expected of a data event (the S3 log alone proves it)" : "not found";
}
