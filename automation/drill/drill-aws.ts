// The AWS calls of the drill, behind one interface: the techniques' reads and writes on the trail
// and its bucket, Event History, and the alert queue. The SDK side (sdkDrillAws) makes each call
// with the drill's clients, whose user agent names the run, and returns the request id AWS gave
// it: CloudTrail writes that id into the call's record (`requestID`), so the drill finds its own
// record by request id and user agent together.
import {
  DeleteTrailCommand,
  GetEventSelectorsCommand,
  GetTrailStatusCommand,
  PutEventSelectorsCommand,
  StartLoggingCommand,
  StopLoggingCommand,
  paginateLookupEvents,
  type AdvancedEventSelector,
  type EventSelector,
} from "@aws-sdk/client-cloudtrail";
import {
  GetBucketLifecycleConfigurationCommand,
  GetBucketPolicyCommand,
  PutBucketLifecycleConfigurationCommand,
  PutBucketPolicyCommand,
  type LifecycleRule,
} from "@aws-sdk/client-s3";
import { DeleteMessageBatchCommand, ReceiveMessageCommand } from "@aws-sdk/client-sqs";
import { awsErrorCode } from "../../common/aws-error-code";
import { AwsCallError } from "../../common/errors";
import type { DrillClients } from "../aws/drill-clients";

/** What AWS answered a write: its request id (the record's requestID), and when the call was sent (the detonation's moment). */
export interface CallReceipt {
  requestId: string | null;
  at: number;
}

/** A trail's selectors in the API's shape: one kind or the other, never both. */
export interface Selectors {
  eventSelectors: EventSelector[] | null;
  advancedEventSelectors: AdvancedEventSelector[] | null;
}

/** A record Event History returned, with the fields the drill matches on. */
export interface HistoryRecord {
  eventId: string;
  eventName: string;
  eventTime: string;
  requestId: string | null;
  userAgent: string | null;
  /** The whole record, as LookupEvents' CloudTrailEvent holds it. */
  record: Record<string, unknown>;
}

/** One message of the alert queue, as SQS gave it. */
export interface QueueMessage {
  messageId: string;
  receiptHandle: string;
  body: string;
}

export interface DrillAws {
  /** The trail's IsLogging; null when the trail does not exist. */
  trailStatus(trailArn: string): Promise<{ isLogging: boolean } | null>;
  stopLogging(trailArn: string): Promise<CallReceipt>;
  startLogging(trailArn: string): Promise<CallReceipt>;
  getSelectors(trailArn: string): Promise<Selectors>;
  putSelectors(trailArn: string, selectors: Selectors): Promise<CallReceipt>;
  /** By name: DeleteTrail in the trail's home region (the drill's region). */
  deleteTrail(trailName: string): Promise<CallReceipt>;
  /** The policy's text; null when the bucket has none. */
  getBucketPolicy(bucket: string): Promise<string | null>;
  putBucketPolicy(bucket: string, policy: string): Promise<CallReceipt>;
  /** The lifecycle rules; null when the bucket has none. */
  getLifecycle(bucket: string): Promise<LifecycleRule[] | null>;
  putLifecycle(bucket: string, rules: LifecycleRule[]): Promise<CallReceipt>;
  /** Event History's records of `eventName` from `since` on (LookupEvents, newest first). */
  lookupEvents(eventName: string, since: Date, signal: AbortSignal): Promise<HistoryRecord[]>;
  /** Up to ten messages, waiting at most `waitSeconds` for the first (SQS long polling). */
  receive(queueUrl: string, waitSeconds: number, signal: AbortSignal): Promise<QueueMessage[]>;
  /** Removes messages the drill has read, so that the next read sees only new ones. */
  acknowledge(queueUrl: string, messages: QueueMessage[]): Promise<void>;
}

/** Sends one write and notes when it was sent, and the request id of the answer. */
async function sent(now: () => number, send: () => Promise<{ $metadata: { requestId?: string } }>): Promise<CallReceipt> {
  const at = now();
  const output = await send();
  return { requestId: output.$metadata.requestId ?? null, at };
}

/** Runs one call; AWS's refusal becomes an AwsCallError naming the IAM action. */
async function call<T>(action: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw AwsCallError.of(action, error);
  }
}

function historyRecord(event: { EventId?: string; EventName?: string; EventTime?: Date; CloudTrailEvent?: string }): HistoryRecord | null {
  let record: Record<string, unknown> = {};
  try {
    record = JSON.parse(event.CloudTrailEvent ?? "{}") as Record<string, unknown>;
  } catch {
    // The summary fields still name the event.
  }
  const text = (value: unknown) => (typeof value === "string" ? value : null);
  const eventId = text(record.eventID) ?? event.EventId;
  const eventTime = text(record.eventTime) ?? event.EventTime?.toISOString();
  const eventName = text(record.eventName) ?? event.EventName;
  if (!eventId || !eventTime || !eventName) return null;
  return { eventId, eventName, eventTime, requestId: text(record.requestID), userAgent: text(record.userAgent), record };
}

/** The drill's calls through the SDK; `now` stamps each answer. */
export function sdkDrillAws(clients: DrillClients, now: () => number = Date.now): DrillAws {
  const { cloudtrail, s3, sqs } = clients;
  return {
    async trailStatus(trailArn) {
      try {
        const status = await cloudtrail.send(new GetTrailStatusCommand({ Name: trailArn }));
        return { isLogging: status.IsLogging ?? false };
      } catch (error) {
        if (awsErrorCode(error) === "TrailNotFoundException") return null;
        throw AwsCallError.of("cloudtrail:GetTrailStatus", error);
      }
    },
    stopLogging: (trailArn) =>
      call("cloudtrail:StopLogging", () => sent(now, () => cloudtrail.send(new StopLoggingCommand({ Name: trailArn })))),
    startLogging: (trailArn) =>
      call("cloudtrail:StartLogging", () => sent(now, () => cloudtrail.send(new StartLoggingCommand({ Name: trailArn })))),
    getSelectors: (trailArn) =>
      call("cloudtrail:GetEventSelectors", async () => {
        const out = await cloudtrail.send(new GetEventSelectorsCommand({ TrailName: trailArn }));
        return {
          eventSelectors: out.EventSelectors && out.EventSelectors.length > 0 ? out.EventSelectors : null,
          advancedEventSelectors: out.AdvancedEventSelectors && out.AdvancedEventSelectors.length > 0 ? out.AdvancedEventSelectors : null,
        };
      }),
    putSelectors: (trailArn, selectors) =>
      call("cloudtrail:PutEventSelectors", () =>
        sent(now, () =>
          cloudtrail.send(
            new PutEventSelectorsCommand(
              selectors.advancedEventSelectors
                ? { TrailName: trailArn, AdvancedEventSelectors: selectors.advancedEventSelectors }
                : { TrailName: trailArn, EventSelectors: selectors.eventSelectors ?? [] },
            ),
          ),
        ),
      ),
    deleteTrail: (trailName) =>
      call("cloudtrail:DeleteTrail", () => sent(now, () => cloudtrail.send(new DeleteTrailCommand({ Name: trailName })))),
    async getBucketPolicy(bucket) {
      try {
        return (await s3.send(new GetBucketPolicyCommand({ Bucket: bucket }))).Policy ?? null;
      } catch (error) {
        if (awsErrorCode(error) === "NoSuchBucketPolicy") return null;
        throw AwsCallError.of("s3:GetBucketPolicy", error);
      }
    },
    putBucketPolicy: (bucket, policy) =>
      call("s3:PutBucketPolicy", () => sent(now, () => s3.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: policy })))),
    async getLifecycle(bucket) {
      try {
        return (await s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: bucket }))).Rules ?? null;
      } catch (error) {
        if (awsErrorCode(error) === "NoSuchLifecycleConfiguration") return null;
        throw AwsCallError.of("s3:GetLifecycleConfiguration", error);
      }
    },
    putLifecycle: (bucket, rules) =>
      call("s3:PutLifecycleConfiguration", () =>
        sent(now, () => s3.send(new PutBucketLifecycleConfigurationCommand({ Bucket: bucket, LifecycleConfiguration: { Rules: rules } }))),
      ),
    lookupEvents: (eventName, since, signal) =>
      call("cloudtrail:LookupEvents", async () => {
        const records: HistoryRecord[] = [];
        const input = {
          LookupAttributes: [{ AttributeKey: "EventName" as const, AttributeValue: eventName }],
          StartTime: since,
          EndTime: new Date(now()),
        };
        for await (const page of paginateLookupEvents({ client: cloudtrail, pageSize: 50 }, input, { abortSignal: signal })) {
          for (const event of page.Events ?? []) {
            const record = historyRecord(event);
            if (record && record.eventName === eventName) records.push(record);
          }
        }
        return records;
      }),
    receive: (queueUrl, waitSeconds, signal) =>
      call("sqs:ReceiveMessage", async () => {
        const out = await sqs.send(
          new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: waitSeconds }),
          {
            abortSignal: signal,
          },
        );
        return (out.Messages ?? [])
          .filter((m) => m.MessageId && m.ReceiptHandle)
          .map((m) => ({ messageId: m.MessageId!, receiptHandle: m.ReceiptHandle!, body: m.Body ?? "" }));
      }),
    acknowledge: async (queueUrl, messages) => {
      if (messages.length === 0) return;
      await call("sqs:DeleteMessage", () =>
        sqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl: queueUrl,
            Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.receiptHandle })),
          }),
        ),
      );
    },
  };
}
