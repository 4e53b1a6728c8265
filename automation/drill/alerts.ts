// What arrives in the alert queue, read: SNS's envelope around either an EventBridge event (an API
// call CloudTrail recorded, "AWS API Call via CloudTrail") or a CloudWatch alarm's state change.
// And which alerts the stack's detections should raise for a technique: the EventBridge rules whose
// pattern names its event (and, for a bucket rule, this bucket), and the alarms whose metric filter
// counts it.
import type { DeclaredAlarm, DeclaredRule } from "./declared";
import type { QueueMessage } from "./drill-aws";

export type Alert =
  | {
      kind: "event";
      messageId: string;
      /** When SNS took it (the envelope's Timestamp). */
      at: string;
      eventName: string;
      eventSource: string;
      eventId: string | null;
      requestId: string | null;
      userAgent: string | null;
      bucketName: string | null;
    }
  | { kind: "alarm"; messageId: string; at: string; alarmName: string; state: string; stateChangeTime: string | null };

type Json = Record<string, unknown>;
const text = (value: unknown): string | null => (typeof value === "string" ? value : null);

/** One queue message as an alert; null for anything else (a subscription confirmation, a stranger's message). */
export function readAlert(message: QueueMessage): Alert | null {
  let envelope: Json;
  let inner: Json;
  try {
    envelope = JSON.parse(message.body) as Json;
    // Without raw delivery, SNS's Message is the published text: the event or the alarm, as JSON again.
    inner = JSON.parse(String(envelope.Message)) as Json;
  } catch {
    return null;
  }
  if (envelope.Type !== "Notification" || !inner || typeof inner !== "object") return null;
  const at = text(envelope.Timestamp) ?? new Date(0).toISOString();
  const messageId = text(envelope.MessageId) ?? message.messageId;
  if (inner["detail-type"] === "AWS API Call via CloudTrail") {
    const detail = (inner.detail ?? {}) as Json;
    const eventName = text(detail.eventName);
    const eventSource = text(detail.eventSource);
    if (!eventName || !eventSource) return null;
    return {
      kind: "event",
      messageId,
      at,
      eventName,
      eventSource,
      eventId: text(detail.eventID),
      requestId: text(detail.requestID),
      userAgent: text(detail.userAgent),
      bucketName: text((detail.requestParameters as Json | null)?.bucketName),
    };
  }
  const alarmName = text(inner.AlarmName);
  if (alarmName) {
    return {
      kind: "alarm",
      messageId,
      at,
      alarmName,
      state: text(inner.NewStateValue) ?? "",
      stateChangeTime: text(inner.StateChangeTime),
    };
  }
  return null;
}

/** The technique's event, as the detections see it. */
export interface DetonationEvent {
  eventName: string;
  eventSource: string;
  /** The bucket it concerns; null for a trail's call. */
  bucketName: string | null;
}

/** The rules whose pattern lets this event through. */
export function rulesFor(rules: DeclaredRule[], event: DetonationEvent): DeclaredRule[] {
  const source = `aws.${event.eventSource.split(".")[0]}`;
  return rules.filter(
    (r) =>
      r.sources.includes(source) &&
      r.eventNames.includes(event.eventName) &&
      (r.buckets === null || (event.bucketName !== null && r.buckets.includes(event.bucketName))),
  );
}

/** The alarms whose metric filter counts this event. */
export function alarmsFor(alarms: DeclaredAlarm[], event: DetonationEvent): DeclaredAlarm[] {
  return alarms.filter((a) => a.eventNames.includes(event.eventName) && (a.eventSource === null || a.eventSource === event.eventSource));
}

/** Whether an EventBridge alert carries the detonation's own record: its request id, else its event name, user agent and bucket. */
export function isDetonationAlert(alert: Alert, event: DetonationEvent, requestId: string | null, userAgent: string): boolean {
  if (alert.kind !== "event" || alert.eventName !== event.eventName) return false;
  if (requestId && alert.requestId) return alert.requestId === requestId;
  return (alert.userAgent ?? "").includes(userAgent) && (event.bucketName === null || alert.bucketName === event.bucketName);
}

/**
 * Whether an alarm notification answers the detonation: the alarm went to ALARM at or after it.
 * An alarm counts the events of a period, so one notification can answer two techniques close together.
 */
export function isAlarmFor(alert: Alert, alarm: DeclaredAlarm, detonatedAt: number): boolean {
  if (alert.kind !== "alarm" || alert.alarmName !== alarm.name || alert.state !== "ALARM") return false;
  const changed = Date.parse(alert.stateChangeTime ?? alert.at);
  // CloudWatch writes StateChangeTime as 2026-11-25T22:45:10.123+0000, which Date.parse reads.
  return Number.isNaN(changed) || changed >= detonatedAt - 1000;
}
