// Whether a trail's event selectors can capture the management event asked for. A trail that
// excludes it would make the wait run to its deadline for nothing, so verify warns up front.
import type { AdvancedFieldSelector, GetEventSelectorsCommandOutput } from "@aws-sdk/client-cloudtrail";

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

/** The value of an advanced-selector field for this event, or undefined when it cannot be known. */
function fieldValue(field: string, traits: EventTraits): string | undefined {
  switch (field) {
    case "eventCategory":
      return "Management";
    case "readOnly":
      return String(traits.readOnly);
    case "eventSource":
      return traits.eventSource ?? undefined;
    case "eventName":
      return traits.eventName;
    default:
      return undefined;
  }
}

function fieldAllows(selector: AdvancedFieldSelector, traits: EventTraits): boolean {
  const value = fieldValue(selector.Field ?? "", traits);
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

/** Null when the selectors can capture the event, else why they cannot. */
export function selectorGap(
  selectors: Pick<GetEventSelectorsCommandOutput, "EventSelectors" | "AdvancedEventSelectors">,
  traits: EventTraits,
): string | null {
  const kind = `a management ${traits.readOnly ? "read" : "write"} event${traits.eventSource ? ` from ${traits.eventSource}` : ""}`;
  const advanced = selectors.AdvancedEventSelectors ?? [];
  if (advanced.length > 0) {
    const captured = advanced.some((s) => (s.FieldSelectors ?? []).every((f) => fieldAllows(f, traits)));
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
