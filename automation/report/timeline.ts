// The run's timeline as an auditor reads it: the lab's phases as spans (when each began and ended,
// as the lab's own clock saw them), and the moments AWS and verify recorded, each named for what
// it is: the RunInstances call as the record's eventTime says, the minute CloudTrail stamped into
// the log file's name, and when verify's S3 half and its Event History half first showed the event.
// "Pulumi up finished" is a phase's end, not the instance's launch. Each time comes from the
// evidence; a step that did not happen has none.
import { logFileStamp } from "../../verify";
import type { LabReport } from "../evidence";

export interface PhaseSpan {
  /** The key in the evidence's timings. */
  name: string;
  label: string;
  startedAt: string;
  endedAt: string | null;
  ms: number | null;
  /** The run's error, when this is the phase it stopped in. */
  failed: string | null;
}

export type MarkKind = "event-time" | "delivered" | "s3-found" | "history-found";

export interface TimelineMark {
  kind: MarkKind;
  label: string;
  at: string;
  /** Where the time comes from. */
  source: string;
}

const PHASE_LABELS: Record<string, string> = {
  preflight: "preflight checks",
  "up-trail": "Pulumi up: bucket, trail",
  "trail-wait": "wait for the trail to log",
  settle: "settle",
  "up-probe": "Pulumi up: probe instance",
  verify: "verify: S3, Event History",
  "data-events": "data events: canary object written, read, found in S3",
  posture: "posture",
  "up-remove-probe": "Pulumi up: probe removed (--wait-digest)",
  integrity: "integrity (--wait-digest)",
  destroy: "destroy and sweep",
  sweep: "sweep",
};

/** Phases that run after the main sequence whatever happened in it. */
const AFTERWARDS = new Set(["posture", "destroy", "sweep"]);

export function phaseLabel(name: string): string {
  return PHASE_LABELS[name] ?? name;
}

/**
 * The phases in the order they began. An error stops the lab's main sequence, after which only
 * posture and cleanup run: so the phase it stopped in is the last one of the main sequence.
 */
export function phaseSpans(report: LabReport): PhaseSpan[] {
  const spans = Object.entries(report.timings)
    .map(([name, t]) => ({
      name,
      label: phaseLabel(name),
      startedAt: t.startedAt,
      endedAt: t.endedAt,
      ms: t.ms,
      failed: null as string | null,
    }))
    .sort((a, b) => Date.parse(a.startedAt) - Date.parse(b.startedAt));
  const stopped = report.error ?? (report.interrupted ? { name: `interrupted by ${report.interrupted}` } : null);
  const last = spans.filter((p) => !AFTERWARDS.has(p.name)).at(-1);
  if (stopped && last) last.failed = stopped.name;
  return spans;
}

/** The moments, in true time order (ties keep the order the run went through them). */
export function timelineMarks(report: LabReport): TimelineMark[] {
  const v = report.verify;
  const marks: TimelineMark[] = [];
  const add = (kind: MarkKind, label: string, at: string | null | undefined, source: string) => {
    if (at && !Number.isNaN(Date.parse(at))) marks.push({ kind, label, at, source });
  };
  const event = v?.event;
  add(
    "event-time",
    "RunInstances call (eventTime)",
    typeof event?.eventTime === "string" ? event.eventTime : (v?.s3.eventTime ?? v?.eventHistory?.eventTime),
    "the matched record's eventTime, as AWS recorded the call",
  );
  add(
    "delivered",
    "log file delivered (minute in its name)",
    v?.s3.key ? logFileStamp(v.s3.key)?.toISOString() : null,
    "the delivery minute CloudTrail stamps into the log file's name",
  );
  add("s3-found", "verify found it in S3", v?.s3.foundAt, "the end of the listing round in which verify read the record");
  add(
    "history-found",
    "verify found it in Event History",
    v?.eventHistory?.foundAt,
    "the LookupEvents round in which the same eventID appeared",
  );
  const order: MarkKind[] = ["event-time", "delivered", "s3-found", "history-found"];
  return marks.sort((a, b) => Date.parse(a.at) - Date.parse(b.at) || order.indexOf(a.kind) - order.indexOf(b.kind));
}

/** The span the picture covers: the run's start to its last known moment. */
export function timelineRange(report: LabReport): { from: number; to: number } {
  const times = [
    Date.parse(report.startedAt),
    ...(report.finishedAt ? [Date.parse(report.finishedAt)] : []),
    ...phaseSpans(report).flatMap((p) => [Date.parse(p.startedAt), ...(p.endedAt ? [Date.parse(p.endedAt)] : [])]),
    ...timelineMarks(report).map((m) => Date.parse(m.at)),
  ].filter((t) => Number.isFinite(t));
  const from = Math.min(...times);
  const to = Math.max(...times);
  return { from, to: to > from ? to : from + 60_000 };
}
