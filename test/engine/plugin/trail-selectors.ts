// TEST DOUBLE. A trail's event selectors as the real AWS provider (pulumi-aws v7, bridged from
// terraform-provider-aws's aws_cloudtrail) holds and diffs them, so that a second `pulumi preview`
// through the real engine shows the diffs the real provider would. From its schema and its
// flatten/expand functions (internal/service/cloudtrail/trail.go):
// - advanced_event_selector is a list: the selectors' order counts;
// - field_selector is a set: the field selectors' order does not, and the state holds them in the
//   set's own order (a hash order, not the declared one): modelled here as sorted by content;
// - name is sent always ("" when unset) and read back as "", which the diff takes for unset;
// - an operator (equals, startsWiths, ...) is sent only when non-empty, and read back only when
//   AWS returned it, so an empty list declared and an operator left out are the same;
// - the basic selectors: the single default one (every management event, All, no data resources)
//   is read back as [] ("Prevent default configurations shows differences"), so declaring it
//   written out is a diff on every preview (the trap infra/audit-trail.ts avoids).
// The engine compares the new inputs with the state as read back (the bridge plans from the
// provider's state), which this file stands in for. What it cannot prove: that AWS returns the
// selectors in the order given and adds nothing (the docs' examples say so; moto stores them
// verbatim), nor what a refresh shows after someone edits the selectors outside Pulumi.

type Inputs = Record<string, any>;

const OPERATORS = ["equals", "notEquals", "startsWiths", "notStartsWiths", "endsWiths", "notEndsWiths"] as const;

interface FieldSelector {
  field: string;
  [operator: string]: string | string[];
}

interface AdvancedSelector {
  name: string;
  fieldSelectors: FieldSelector[];
}

/** One field selector as the provider reads it back: the field and the non-empty operators only. */
function fieldRead(raw: Inputs): FieldSelector {
  const out: FieldSelector = { field: String(raw.field) };
  for (const op of OPERATORS) {
    const values = raw[op] as string[] | undefined;
    if (Array.isArray(values) && values.length > 0) out[op] = [...values];
  }
  return out;
}

const key = (f: FieldSelector) => JSON.stringify(OPERATORS.reduce((o, op) => ({ ...o, [op]: f[op] ?? null }), { field: f.field }));

/** The set's order: stable, and not the declared one. */
function asSet(fields: Inputs[]): FieldSelector[] {
  return fields.map(fieldRead).sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

/** The advanced selectors as the state holds them after Create (and Read). */
export function advancedRead(declared: Inputs[] | undefined): AdvancedSelector[] | undefined {
  if (!declared || declared.length === 0) return undefined;
  return declared.map((s) => ({ name: typeof s.name === "string" ? s.name : "", fieldSelectors: asSet(s.fieldSelectors ?? []) }));
}

function isDefaultBasic(s: Inputs): boolean {
  return (
    (s.readWriteType ?? "All") === "All" &&
    (s.includeManagementEvents ?? true) === true &&
    (s.dataResources ?? []).length === 0 &&
    (s.excludeManagementEventSources ?? []).length === 0
  );
}

/** The basic selectors as the state holds them: the single default one reads back as none. */
export function basicRead(declared: Inputs[] | undefined): Inputs[] {
  const list = declared ?? [];
  return list.length === 1 && isDefaultBasic(list[0]) ? [] : list;
}

/** The trail's outputs for its selectors: what a Read after PutEventSelectors leaves in the state. */
export function trailSelectorOutputs(inputs: Inputs): Inputs {
  const advanced = advancedRead(inputs.advancedEventSelectors);
  return { eventSelectors: basicRead(inputs.eventSelectors), ...(advanced ? { advancedEventSelectors: advanced } : {}) };
}

/** Which of the trail's selector inputs the provider would show as changed: the new inputs against the state. */
export function trailSelectorChanges(state: Inputs, news: Inputs): string[] {
  const changed: string[] = [];
  const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
  if (!same(advancedRead(state.advancedEventSelectors), advancedRead(news.advancedEventSelectors))) changed.push("advancedEventSelectors");
  // The state's [] is compared with the declared list as written: the default selector written out differs.
  if (!same(state.eventSelectors ?? [], news.eventSelectors ?? [])) changed.push("eventSelectors");
  return changed;
}
