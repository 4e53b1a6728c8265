// Who made a chain restart: the trail's StopLogging/StartLogging and DeleteTrail/CreateTrail calls
// in Event History (LookupEvents in the trail's home region, where those calls are made), one
// lookup per call name over the window of every restart, paced under LookupEvents' 2 requests a
// second. Event History holds the last 90 days of management events: a gap older than that, or a
// caller not allowed LookupEvents, leaves the gap unexplained, with the reason said.
import { paginateLookupEvents, type CloudTrailClient, type Event } from "@aws-sdk/client-cloudtrail";
import { toVerifyError } from "../aws-errors";
import { RateLimiter } from "../pacing/rate-limit";
import { retryThrottled } from "../pacing/retry";
import { describe } from "../../common/errors";
import type { GapEvent, GapKind } from "./types";

/** The calls that stop a chain, and those that start it again. */
export const LIFECYCLE_CALLS = ["StopLogging", "StartLogging", "DeleteTrail", "CreateTrail"] as const;
type LifecycleCall = (typeof LIFECYCLE_CALLS)[number];

const LOOKUPS_PER_SECOND = 2;
/** Event History keeps management events this long. */
export const EVENT_HISTORY_DAYS = 90;
const DAY_MS = 24 * 60 * 60_000;
/** A page of 50 events, a hundred pages: far past any trail's stops and starts in a range. */
const MAX_PAGES = 100;

export interface TrailRef {
  name: string;
  arn: string;
}

export interface Window {
  from: Date;
  to: Date;
}

export interface LifecycleQuery {
  client: CloudTrailClient;
  region: string;
  trail: TrailRef;
  window: Window;
  /** Epoch ms after which a throttled lookup is not retried. */
  retryDeadline: number;
  /** @default none */
  signal?: AbortSignal;
  /** @default none */
  onRetry?: (line: string) => void;
}

export interface LifecycleEvent extends GapEvent {
  name: LifecycleCall;
  at: number;
}

/** The trail's lifecycle calls in the window, oldest first; or why Event History could not say. */
export type Lifecycle = { events: LifecycleEvent[] } | { unexplained: string };

/** `requestParameters.name` of a trail call: the trail's name or its ARN. */
function concernsTrail(record: { requestParameters?: { name?: unknown } | null }, trail: TrailRef): boolean {
  const named = record.requestParameters?.name;
  return named === trail.name || named === trail.arn;
}

function lifecycleEvent(event: Event, trail: TrailRef): LifecycleEvent | null {
  let record: { eventID?: unknown; eventTime?: unknown; userIdentity?: { arn?: unknown }; requestParameters?: { name?: unknown } | null };
  try {
    record = JSON.parse(event.CloudTrailEvent ?? "{}") as typeof record;
  } catch {
    return null;
  }
  if (!concernsTrail(record, trail)) return null;
  const eventId = typeof record.eventID === "string" ? record.eventID : event.EventId;
  const time = typeof record.eventTime === "string" ? record.eventTime : event.EventTime?.toISOString();
  if (!eventId || !time || Number.isNaN(Date.parse(time))) return null;
  const who = typeof record.userIdentity?.arn === "string" ? record.userIdentity.arn : (event.Username ?? null);
  return { name: event.EventName as LifecycleCall, time, who, eventId, at: Date.parse(time) };
}

/** Every StopLogging, StartLogging, DeleteTrail and CreateTrail of the trail in the window. */
export async function trailLifecycle(query: LifecycleQuery): Promise<Lifecycle> {
  const limiter = new RateLimiter(LOOKUPS_PER_SECOND);
  const events: LifecycleEvent[] = [];
  try {
    for (const name of LIFECYCLE_CALLS) events.push(...(await lookUp(query, name, limiter)));
  } catch (err) {
    if (query.signal?.aborted) throw err;
    // Explaining a gap is the check's bonus: a lookup that fails leaves the gap unexplained, never the check undone.
    const named = toVerifyError("LookupEvents", `Event History in ${query.region}`, err);
    return { unexplained: `Event History could not be read in ${query.region}: ${describe(named)}` };
  }
  return { events: events.sort((a, b) => a.at - b.at) };
}

async function lookUp(query: LifecycleQuery, name: LifecycleCall, limiter: RateLimiter): Promise<LifecycleEvent[]> {
  const { client, signal } = query;
  const input = {
    LookupAttributes: [{ AttributeKey: "EventName" as const, AttributeValue: name }],
    StartTime: query.window.from,
    EndTime: query.window.to,
  };
  return retryThrottled(
    async () => {
      const found: LifecycleEvent[] = [];
      let pages = 0;
      await limiter.acquire(signal);
      for await (const page of paginateLookupEvents({ client }, { ...input }, { abortSignal: signal })) {
        for (const event of page.Events ?? []) {
          const lifecycle = event.EventName === name ? lifecycleEvent(event, query.trail) : null;
          if (lifecycle) found.push(lifecycle);
        }
        if (++pages >= MAX_PAGES || !page.NextToken) break;
        await limiter.acquire(signal);
      }
      return found;
    },
    {
      deadline: query.retryDeadline,
      signal,
      onRetry: (attempt, delayMs) =>
        query.onRetry?.(`Event History throttled (attempt ${attempt}); retrying in ${(delayMs / 1000).toFixed(1)}s`),
    },
  );
}

export interface Explanation {
  kind: GapKind;
  events: GapEvent[];
  reason: string;
}

/**
 * What stopped the chain between `from` (the last digest before the restart ended) and `to` (the
 * restarted chain's first digest began): the calls in that stretch, from an hour before it (the
 * last digest covers the hour before its end).
 */
export function explainRestart(
  lifecycle: Lifecycle,
  from: Date | null,
  to: Date,
  restartedAt: string,
  lookBackMs: number,
  now = Date.now(),
): Explanation {
  const base = `the chain restarts at ${restartedAt}: it names no previous digest`;
  if ("unexplained" in lifecycle)
    return { kind: "stopped", events: [], reason: `${base} (logging or log file validation was off; ${lifecycle.unexplained})` };
  const start = (from?.getTime() ?? to.getTime()) - lookBackMs;
  const inGap = lifecycle.events.filter((e) => e.at >= start && e.at <= to.getTime() + lookBackMs);
  const recreated = inGap.filter((e) => e.name === "DeleteTrail" || e.name === "CreateTrail");
  const stopped = inGap.filter((e) => e.name === "StopLogging" || e.name === "StartLogging");
  const plain = (list: LifecycleEvent[]): GapEvent[] => list.map(({ name, time, who, eventId }) => ({ name, time, who, eventId }));
  if (recreated.length > 0) {
    const deleted = recreated.find((e) => e.name === "DeleteTrail");
    const created = recreated.filter((e) => e.name === "CreateTrail").at(-1);
    const parts = [
      deleted ? `the trail was deleted at ${deleted.time} by ${deleted.who ?? "an unknown caller"}` : null,
      created ? `created again at ${created.time} by ${created.who ?? "an unknown caller"}` : null,
    ].filter(Boolean);
    return {
      kind: "recreated",
      events: plain([...recreated, ...stopped].sort((a, b) => a.at - b.at)),
      reason: `${parts.join(" and ")} (${base})`,
    };
  }
  if (stopped.length > 0) {
    const stop = stopped.find((e) => e.name === "StopLogging");
    const restart = stopped.filter((e) => e.name === "StartLogging").at(-1);
    const by = (e: LifecycleEvent | undefined) => e?.who ?? "an unknown caller";
    const when = stop && restart ? `from ${stop.time} to ${restart.time}` : stop ? `at ${stop.time}` : `until ${restart!.time}`;
    const again = restart && stop && restart.who !== stop.who ? `, and started again by ${by(restart)}` : "";
    const who = stop ? ` by ${by(stop)}` : ` (started again by ${by(restart)})`;
    return { kind: "stopped", events: plain(stopped), reason: `logging was stopped ${when}${who}${again} (${base})` };
  }
  const why =
    to.getTime() < now - EVENT_HISTORY_DAYS * DAY_MS
      ? `Event History keeps only the last ${EVENT_HISTORY_DAYS} days, so it cannot say who`
      : "Event History has no StopLogging, StartLogging, DeleteTrail or CreateTrail of this trail then, so validation was likely turned off and on with UpdateTrail";
  return { kind: "stopped", events: [], reason: `${base} (logging or log file validation was off: ${why})` };
}
