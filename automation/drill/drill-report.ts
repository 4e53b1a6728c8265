// The drill's record, as evidence.json's `drill` holds it: per technique when it was detonated,
// its record (Event History's and the S3 log's, eventID and key), the checks that saw it while it
// was in effect, the alerts that reached the queue, when it was put back and how that was proven,
// and how long each step took from the detonation. A proof is "proven", "missing" (expected and
// not found by the deadline), "not-checked" (it could not be looked at; the reason says why) or
// "not-expected" (AWS does not produce it for this technique; the reason says why).
export type ProofStatus = "proven" | "missing" | "not-checked" | "not-expected";

export interface RecordProof {
  status: ProofStatus;
  eventId: string | null;
  eventTime: string | null;
  /** When the drill first saw it. */
  foundAt: string | null;
  /** The log object that holds it (S3 only). */
  key: string | null;
  /** The minute its key says CloudTrail delivered it (S3 only). */
  deliveredAt: string | null;
  reason: string | null;
}

export interface SeenProof {
  check: "status" | "posture" | "integrity";
  /** The control for posture (CloudTrail.1), IsLogging for status, the gap's kind for integrity. */
  what: string;
  expected: string;
  observed: string | null;
  status: ProofStatus;
  at: string | null;
  reason: string | null;
}

export interface AlertProof {
  via: "eventbridge" | "alarm";
  /** The EventBridge rule, or the CloudWatch alarm. */
  name: string;
  status: ProofStatus;
  /** When SNS took the alert (its envelope's Timestamp). */
  at: string | null;
  /** When the drill read it from the queue. */
  receivedAt: string | null;
  messageId: string | null;
  /** The record the EventBridge event carried; null for an alarm (it counts events, it names none). */
  eventId: string | null;
  reason: string | null;
}

export interface RevertProof {
  status: "reverted" | "failed" | "not-needed" | "left-to-destroy";
  at: string | null;
  attempts: number;
  requestId: string | null;
  /** How it was proven, in words, with what was read back. */
  proof: string | null;
  /** When it is not reverted, the exact command that puts it right. */
  command: string | null;
  reason: string | null;
}

export type TechniqueStatus = "proven" | "not-proven" | "skipped" | "interrupted" | "failed" | "not-run";

export interface TechniqueReport {
  name: string;
  changes: string;
  revertedBy: string;
  status: TechniqueStatus;
  /** Why it is skipped, failed, not proven or not run; null when proven. */
  reason: string | null;
  detonation: { call: string; event: string; at: string | null; requestId: string | null; error: string | null };
  recorded: { eventHistory: RecordProof; s3: RecordProof };
  seen: SeenProof[];
  alerts: AlertProof[];
  reverted: RevertProof;
  /** From the detonation to Event History's record, the S3 delivery, and the first alert SNS took; null when not seen. */
  latency: { eventHistoryMs: number | null; s3Ms: number | null; alertMs: number | null };
}

/** Something the drill changed and could not put back, and how to. */
export interface Unreverted {
  technique: string;
  what: string;
  command: string;
  reason: string;
}

export interface DrillReport {
  /** The user agent suffix every call of the drill carried, which its records show. */
  userAgent: string;
  startedAt: string;
  endedAt: string | null;
  techniques: TechniqueReport[];
  unreverted: Unreverted[];
  /** proven: every technique that ran is proven; not-proven: one is not; incomplete: the drill stopped early. */
  verdict: "proven" | "not-proven" | "incomplete";
}

export const pending = (reason: string | null = null): RecordProof => ({
  status: "missing",
  eventId: null,
  eventTime: null,
  foundAt: null,
  key: null,
  deliveredAt: null,
  reason,
});

/** A technique is proven when it ran, was put back, and no proof expected of it is missing. */
export function techniqueStatus(t: TechniqueReport): { status: TechniqueStatus; reason: string | null } {
  if (t.reverted.status === "failed") return { status: "not-proven", reason: `not put back: ${t.reverted.reason ?? "the revert failed"}` };
  const missing = [
    ...(t.recorded.eventHistory.status === "missing" ? ["its Event History record"] : []),
    ...(t.recorded.s3.status === "missing" ? ["its record in the S3 logs"] : []),
    ...t.seen.filter((s) => s.status === "missing").map((s) => `${s.check} ${s.what} (${s.expected})`),
    ...t.alerts
      .filter((a) => a.status === "missing")
      .map((a) => `the ${a.via === "alarm" ? "alarm" : "EventBridge rule"} ${a.name}'s alert`),
  ];
  return missing.length === 0 ? { status: "proven", reason: null } : { status: "not-proven", reason: `missing: ${missing.join("; ")}` };
}

export function drillVerdict(techniques: TechniqueReport[]): DrillReport["verdict"] {
  if (techniques.some((t) => t.status === "interrupted" || t.status === "failed" || t.status === "not-run")) return "incomplete";
  return techniques.some((t) => t.status === "not-proven") ? "not-proven" : "proven";
}

/** The summary's lines for the drill: one per technique, then what is left changed. */
export function drillSummary(drill: DrillReport): string[] {
  const lines = [`  drill (${drill.userAgent}): ${drill.verdict}`];
  for (const t of drill.techniques) {
    const alerts = t.alerts.filter((a) => a.status === "proven").map((a) => a.name);
    const seen = t.seen.filter((s) => s.status === "proven").map((s) => (s.check === "posture" ? s.what : s.check));
    const detail =
      t.status === "proven" || t.status === "not-proven"
        ? `recorded ${t.recorded.eventHistory.eventId ?? "?"}${t.recorded.s3.key ? ` (s3 ${t.recorded.s3.key})` : ""}; seen by ${seen.join(", ") || "none"}; ` +
          `alerted by ${alerts.join(", ") || "none"}; ${t.reverted.status}`
        : "";
    lines.push(`    ${t.name}: ${t.status}${detail ? `: ${detail}` : ""}${t.reason ? ` (${t.reason})` : ""}`);
  }
  for (const u of drill.unreverted) lines.push(`    STILL CHANGED by ${u.technique}: ${u.what}; put it right with: ${u.command}`);
  return lines;
}
