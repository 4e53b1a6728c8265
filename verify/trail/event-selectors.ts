// Whether a trail's event selectors, basic or advanced, can capture an event: a management event
// verify waits for (a trail that excludes it would make the wait run to its deadline for nothing,
// so verify warns up front), or an S3 object's data event (data-events.ts, for posture).
import type { AdvancedEventSelector, AdvancedFieldSelector, GetEventSelectorsCommandOutput } from "@aws-sdk/client-cloudtrail";

export type Selectors = Pick<GetEventSelectorsCommandOutput, "EventSelectors" | "AdvancedEventSelectors">;

/** Event sources of the events the lab looks for; others are treated as unknown. */
const EVENT_SOURCES: Record<string, string> = {
  RunInstances: "ec2.amazonaws.com",
  TerminateInstances: "ec2.amazonaws.com",
  StartInstances: "ec2.amazonaws.com",
  StopInstances: "ec2.amazonaws.com",
  CreateBucket: "s3.amazonaws.com",
  DeleteBucket: "s3.amazonaws.com",
};

export interface EventTraits {
  eventName: string;
  readOnly: boolean;
  eventSource: string | null;
}

export function eventTraits(eventName: string): EventTraits {
  // AWS's naming convention: reads are Describe*, Get*, List*, Lookup*.
  const readOnly = /^(Describe|Get|List|Lookup|Head)[A-Z]/.test(eventName);
  return { eventName, readOnly, eventSource: EVENT_SOURCES[eventName] ?? null };
}

/** The values an event has for the advanced-selector fields; a field left out cannot be known, and admits the event. */
export type EventFields = Partial<Record<string, string>>;

/** A management event's fields, as far as its traits tell them. */
function managementFields(traits: EventTraits): EventFields {
  return {
    eventCategory: "Management",
    readOnly: String(traits.readOnly),
    eventSource: traits.eventSource ?? undefined,
    eventName: traits.eventName,
  };
}

function fieldAllows(selector: AdvancedFieldSelector, fields: EventFields): boolean {
  const value = fields[selector.Field ?? ""];
  if (value === undefined) return true;
  const checks: [string[] | undefined, (v: string) => boolean][] = [
    [selector.Equals, (v) => value === v],
    [selector.StartsWith, (v) => value.startsWith(v)],
    [selector.EndsWith, (v) => value.endsWith(v)],
  ];
  const negated: [string[] | undefined, (v: string) => boolean][] = [
    [selector.NotEquals, (v) => value === v],
    [selector.NotStartsWith, (v) => value.startsWith(v)],
    [selector.NotEndsWith, (v) => value.endsWith(v)],
  ];
  return checks.every(([values, test]) => !values?.length || values.some(test)) && negated.every(([values, test]) => !values?.some(test));
}

/** Whether one advanced selector admits an event with these fields (every field selector must). */
export function advancedSelectorAdmits(selector: AdvancedEventSelector, fields: EventFields): boolean {
  return (selector.FieldSelectors ?? []).every((f) => fieldAllows(f, fields));
}

/** Null when the selectors can capture the event, else why they cannot. */
export function selectorGap(selectors: Selectors, traits: EventTraits): string | null {
  const kind = `a management ${traits.readOnly ? "read" : "write"} event${traits.eventSource ? ` from ${traits.eventSource}` : ""}`;
  const advanced = selectors.AdvancedEventSelectors ?? [];
  if (advanced.length > 0) {
    const captured = advanced.some((s) => advancedSelectorAdmits(s, managementFields(traits)));
    return captured ? null : `no advanced event selector admits ${traits.eventName} (${kind})`;
  }
  const basic = selectors.EventSelectors ?? [];
  const captured = basic.some((s) => {
    if (s.IncludeManagementEvents === false) return false;
    const rw = s.ReadWriteType ?? "All";
    if (rw !== "All" && rw !== (traits.readOnly ? "ReadOnly" : "WriteOnly")) return false;
    return !(traits.eventSource && s.ExcludeManagementEventSources?.includes(traits.eventSource));
  });
  return captured ? null : `its event selectors exclude ${traits.eventName} (${kind})`;
}
