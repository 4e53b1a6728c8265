// The Event History half: LookupEvents by resource name when the instance is known (far fewer
// events than by name), else by event name, paced under the 2 requests/second quota and retried
// past throttling, resuming from the page that was refused.
import { paginateLookupEvents, type CloudTrailClient, type LookupEventsCommandInput } from "@aws-sdk/client-cloudtrail";
import { toVerifyError } from "../aws-errors";
import type { RateLimiter } from "../pacing/rate-limit";
import { retryThrottled } from "../pacing/retry";

/** LookupEvents allows 2 requests per second per account and region. */
export const LOOKUP_EVENTS_PER_SECOND = 2;

export interface HistoryHit {
  eventId: string;
  eventTime: string;
  /** LookupEvents' Username: who made the call, as Event History names them. */
  username: string | null;
}

export interface HistoryQuery {
  client: CloudTrailClient;
  region: string;
  eventName: string;
  resource: string | null;
  since: Date;
  limiter: RateLimiter;
  /** Epoch ms after which a throttled request is not retried. */
  retryDeadline: number;
  /** @default none */
  signal?: AbortSignal;
  /**
   * A line for each throttled request tried again.
   * @default none
   */
  onRetry?: (line: string) => void;
}

function hitOf(event: { EventId?: string; EventTime?: Date; Username?: string; CloudTrailEvent?: string }): HistoryHit | null {
  let record: { eventID?: unknown; eventTime?: unknown } = {};
  try {
    record = JSON.parse(event.CloudTrailEvent ?? "{}") as typeof record;
  } catch {
    // The summary fields still identify the event.
  }
  const eventId = typeof record.eventID === "string" ? record.eventID : event.EventId;
  const eventTime = typeof record.eventTime === "string" ? record.eventTime : event.EventTime?.toISOString();
  return eventId && eventTime ? { eventId, eventTime, username: event.Username ?? null } : null;
}

/** Matching events by eventID. */
export async function lookupEventHistory(query: HistoryQuery): Promise<Map<string, HistoryHit>> {
  const { client, limiter, signal } = query;
  const hits = new Map<string, HistoryHit>();
  const input: LookupEventsCommandInput = {
    LookupAttributes: [
      query.resource
        ? { AttributeKey: "ResourceName", AttributeValue: query.resource }
        : { AttributeKey: "EventName", AttributeValue: query.eventName },
    ],
    StartTime: query.since,
    EndTime: new Date(),
  };
  let token: string | undefined;
  try {
    await retryThrottled(
      async () => {
        await limiter.acquire(signal);
        // The paginator writes NextToken into its input, so each attempt gets its own copy.
        for await (const page of paginateLookupEvents({ client, startingToken: token }, { ...input }, { abortSignal: signal })) {
          for (const event of page.Events ?? []) {
            if (event.EventName !== query.eventName) continue;
            const hit = hitOf(event);
            if (hit && Date.parse(hit.eventTime) >= query.since.getTime()) hits.set(hit.eventId, hit);
          }
          token = page.NextToken;
          if (token) await limiter.acquire(signal);
        }
      },
      {
        deadline: query.retryDeadline,
        signal,
        onRetry: (attempt, delayMs) =>
          query.onRetry?.(`Event History throttled (attempt ${attempt}); retrying in ${(delayMs / 1000).toFixed(1)}s`),
      },
    );
  } catch (err) {
    throw toVerifyError("LookupEvents", `Event History in ${query.region}`, err);
  }
  return hits;
}
