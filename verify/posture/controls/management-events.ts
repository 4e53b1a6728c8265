// Whether a trail's selectors record every management event, read and write, as CloudTrail.1
// asks: the read and write halves are judged by verify's own selector logic, and any excluded
// event source (basic ExcludeManagementEventSources, or an advanced eventSource filter) is a gap.
import type { GetEventSelectorsCommandOutput } from "@aws-sdk/client-cloudtrail";
import { selectorGap } from "../../trail/event-selectors";

type Selectors = Pick<GetEventSelectorsCommandOutput, "EventSelectors" | "AdvancedEventSelectors">;

function excludedSources(selectors: Selectors): string | null {
  const advanced = selectors.AdvancedEventSelectors ?? [];
  if (advanced.length > 0) {
    const management = advanced.filter((s) =>
      (s.FieldSelectors ?? []).some((f) => f.Field === "eventCategory" && f.Equals?.includes("Management")),
    );
    const filtered = management.filter((s) => (s.FieldSelectors ?? []).some((f) => f.Field === "eventSource"));
    return filtered.length > 0 && filtered.length === management.length ? "its management selectors filter on eventSource" : null;
  }
  const excluded = (selectors.EventSelectors ?? []).flatMap((s) =>
    s.IncludeManagementEvents === false ? [] : (s.ExcludeManagementEventSources ?? []),
  );
  return excluded.length > 0 ? `it excludes management events from ${excluded.join(", ")}` : null;
}

/** Null when every management event is recorded, else why not. */
export function managementEventGap(selectors: Selectors): string | null {
  // An empty event name matches no eventName filter, so a selector narrowed to some names is a gap.
  const read = selectorGap(selectors, { eventName: "", readOnly: true, eventSource: null });
  const write = selectorGap(selectors, { eventName: "", readOnly: false, eventSource: null });
  if (read || write)
    return read && write
      ? "it records no management events"
      : read
        ? "it records no read management events"
        : "it records no write management events";
  return excludedSources(selectors);
}
