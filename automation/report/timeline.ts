// The run's timeline as an auditor reads it: when the stack stood, when the trail logged, when
// the probe launched, when AWS says the launch happened, when its log file reached S3, when Event
// History confirmed it, and when everything was destroyed. Each time comes from the evidence;
// a step that did not happen has no time.
import { logFileStamp } from "../../verify";
import type { LabReport } from "../evidence";

export interface TimelineStep {
  label: string;
  /** ISO-8601 instant, or null when the step did not happen or is unknown. */
  at: string | null;
  detail: string;
}

const ended = (report: LabReport, phase: string) => report.timings[phase]?.endedAt ?? null;
function output(report: LabReport, name: string): string | null {
  const value = report.outputs?.[name];
  return typeof value === "string" ? value : null;
}

export function timeline(report: LabReport): TimelineStep[] {
  const v = report.verify;
  const delivered = v?.s3.key ? logFileStamp(v.s3.key) : null;
  const instanceId = output(report, "instanceId");
  const cleanup = report.cleanup;
  return [
    { label: "Stack up", at: ended(report, "up-trail"), detail: `bucket ${output(report, "bucketName") ?? "?"}, trail ${output(report, "trailName") ?? "?"}` },
    { label: "Trail logging", at: ended(report, "trail-wait"), detail: "GetTrailStatus reported IsLogging" },
    { label: "Instance launched", at: ended(report, "up-probe"), detail: instanceId ? `probe instance ${instanceId}` : "no probe instance" },
    { label: "RunInstances event time", at: v?.s3.eventTime ?? v?.eventHistory?.eventTime ?? null, detail: v?.s3.eventId ? `eventID ${v.s3.eventId}` : "not found" },
    {
      label: "S3 delivery",
      // CloudTrail stamps each log file name with its delivery minute.
      at: delivered?.toISOString() ?? null,
      detail: v?.s3.key ? `s3://${v.trail.bucket ?? "?"}/${v.s3.key}` : "no log file holds the event",
    },
    {
      label: "Event History match",
      at: v?.eventHistory?.found && v.verified ? ended(report, "verify") : null,
      detail: v?.eventHistory ? (v.eventHistory.found ? `eventID ${v.eventHistory.eventId ?? "?"}` : "not found") : "not consulted",
    },
    {
      label: "Destroy",
      at: ended(report, "destroy"),
      detail: !cleanup ? "not run" : cleanup.mode === "kept" ? "kept (--keep): not destroyed" : cleanup.complete ? "complete" : "INCOMPLETE: something may still cost money",
    },
  ];
}
