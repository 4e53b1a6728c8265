// What the program declares for the run's trail and bucket, read from the stack's own state
// (`pulumi stack export`: each resource's inputs as the program gave them), in the shapes the AWS
// API reads and writes; and whether what AWS holds now is that. The drill reverts to these values
// and proves its reverts by them, so "reverted" means "what Pulumi would show no change for", not
// "what the drill happened to see first". The state's resources are also how the drill refuses to
// touch anything that is not this stack's: the trail and bucket must be the ones its outputs name.
import type { AdvancedEventSelector, EventSelector } from "@aws-sdk/client-cloudtrail";
import type { LifecycleRule } from "@aws-sdk/client-s3";
import type { Selectors } from "./drill-aws";
import { DrillTargetError } from "./drill-errors";

/** The part of an exported deployment the drill reads (engine/lab-engine.ts's StackState fits it). */
export interface CheckpointLike {
  deployment?: {
    resources?: { type: string; urn: string; id?: string; inputs?: Record<string, unknown>; outputs?: Record<string, unknown> }[];
  };
}

/** The run's trail and bucket, as the stack's outputs name them, and where the alerts arrive. */
export interface DrillTarget {
  stack: string;
  region: string;
  accountId: string;
  trailName: string;
  trailArn: string;
  bucketName: string;
  /** [<prefix>/]AWSLogs/<account>/CloudTrail/: the lifecycle technique expires what is under AWSLogs/<account>/. */
  logPrefix: string;
  /** The detections' queue; null when the stack has none. */
  alertQueueUrl: string | null;
}

/** An EventBridge rule the stack declares: the event names and buckets its pattern lets through. */
export interface DeclaredRule {
  name: string;
  sources: string[];
  eventNames: string[];
  /** The buckets its pattern names (requestParameters.bucketName); null when it names none (any). */
  buckets: string[] | null;
}

/** A CloudWatch alarm the stack declares, with the event names its metric filter counts. */
export interface DeclaredAlarm {
  name: string;
  eventNames: string[];
  /** The filter also requires this event source (CIS's bucket filter: s3.amazonaws.com); null when it does not. */
  eventSource: string | null;
}

export interface DeclaredState {
  logging: boolean;
  selectors: Selectors;
  /** The bucket policy's text; null when the stack declares none. */
  policy: string | null;
  /** Lifecycle rules in the API's shape; null when the stack declares none. */
  lifecycle: LifecycleRule[] | null;
  rules: DeclaredRule[];
  alarms: DeclaredAlarm[];
}

const TYPES = {
  trail: "aws:cloudtrail/trail:Trail",
  bucket: "aws:s3/bucket:Bucket",
  policy: "aws:s3/bucketPolicy:BucketPolicy",
  lifecycle: "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
  rule: "aws:cloudwatch/eventRule:EventRule",
  filter: "aws:cloudwatch/logMetricFilter:LogMetricFilter",
  alarm: "aws:cloudwatch/metricAlarm:MetricAlarm",
} as const;

/** A trail without selectors records every management event, Read and Write: what GetEventSelectors shows for it. */
export const DEFAULT_SELECTORS: Selectors = {
  eventSelectors: [{ ReadWriteType: "All", IncludeManagementEvents: true, DataResources: [], ExcludeManagementEventSources: [] }],
  advancedEventSelectors: null,
};

type Json = Record<string, unknown>;

/** Pulumi's camelCase input names to the API's PascalCase ones; ids are ID, and the provider's own bookkeeping (`__defaults`) goes. */
export function apiShape(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(apiShape);
  if (value === null || typeof value !== "object") return value;
  const out: Json = {};
  for (const [key, inner] of Object.entries(value as Json)) {
    if (key.startsWith("__") || inner === undefined || inner === null || inner === "") continue;
    out[key === "id" ? "ID" : key.charAt(0).toUpperCase() + key.slice(1)] = apiShape(inner);
  }
  return out;
}

/** Pulumi's advanced selector operators are plural (startsWiths); the API's are not (StartsWith). */
function advancedSelectors(inputs: unknown[]): AdvancedEventSelector[] {
  const singular: Record<string, string> = {
    startsWiths: "StartsWith",
    notStartsWiths: "NotStartsWith",
    endsWiths: "EndsWith",
    notEndsWiths: "NotEndsWith",
  };
  return inputs.map((selector) => {
    const s = selector as { name?: string; fieldSelectors?: Json[] };
    return {
      ...(s.name ? { Name: s.name } : {}),
      FieldSelectors: (s.fieldSelectors ?? []).map((field) => {
        const out: Json = {};
        for (const [key, value] of Object.entries(field)) {
          if (key.startsWith("__") || value === undefined || value === null) continue;
          out[singular[key] ?? key.charAt(0).toUpperCase() + key.slice(1)] = value;
        }
        return out as unknown as NonNullable<AdvancedEventSelector["FieldSelectors"]>[number];
      }),
    };
  });
}

function basicSelectors(inputs: unknown[]): EventSelector[] {
  return inputs.map((selector) => {
    const s = selector as {
      readWriteType?: string;
      includeManagementEvents?: boolean;
      dataResources?: { type: string; values: string[] }[];
      excludeManagementEventSources?: string[];
    };
    return {
      ReadWriteType: (s.readWriteType ?? "All") as EventSelector["ReadWriteType"],
      IncludeManagementEvents: s.includeManagementEvents ?? true,
      DataResources: (s.dataResources ?? []).map((d) => ({ Type: d.type, Values: d.values })),
      ExcludeManagementEventSources: s.excludeManagementEventSources ?? [],
    };
  });
}

/** The event names a metric filter pattern counts ($.eventName=X), and the event source it requires, if any. */
export function filterEvents(pattern: string): { eventNames: string[]; eventSource: string | null } {
  const eventNames = [...pattern.matchAll(/\$\.eventName\s*=\s*([A-Za-z0-9]+)/g)].map((m) => m[1]);
  const source = /\$\.eventSource\s*=\s*([a-z0-9.-]+)/.exec(pattern)?.[1] ?? null;
  return { eventNames, eventSource: source };
}

function declaredRule(name: string, patternText: unknown): DeclaredRule | null {
  try {
    if (typeof patternText !== "string") return null;
    const pattern = JSON.parse(patternText) as {
      source?: string[];
      detail?: { eventName?: string[]; requestParameters?: { bucketName?: string[] } };
    };
    return {
      name,
      sources: pattern.source ?? [],
      eventNames: pattern.detail?.eventName ?? [],
      buckets: pattern.detail?.requestParameters?.bucketName ?? null,
    };
  } catch {
    return null;
  }
}

/**
 * The declared state of the run's trail and bucket. Refuses (DrillTargetError) when the stack's
 * state holds no trail with the outputs' ARN or no bucket with the outputs' name: the drill
 * touches only what this run's stack created.
 */
export function declaredState(checkpoint: CheckpointLike, target: DrillTarget): DeclaredState {
  const resources = checkpoint.deployment?.resources ?? [];
  const of = (type: string) => resources.filter((r) => r.type === type);
  const trail = of(TYPES.trail).find((r) => r.outputs?.arn === target.trailArn || r.id === target.trailArn);
  if (!trail) throw new DrillTargetError("trail", target.trailArn, target.stack);
  if (!of(TYPES.bucket).some((r) => r.id === target.bucketName || r.outputs?.bucket === target.bucketName)) {
    throw new DrillTargetError("bucket", target.bucketName, target.stack);
  }
  const onBucket = (type: string) => of(type).find((r) => r.inputs?.bucket === target.bucketName);
  const inputs = trail.inputs ?? {};
  const advanced = inputs.advancedEventSelectors as unknown[] | undefined;
  const basic = inputs.eventSelectors as unknown[] | undefined;
  const selectors: Selectors =
    advanced && advanced.length > 0
      ? { eventSelectors: null, advancedEventSelectors: advancedSelectors(advanced) }
      : basic && basic.length > 0
        ? { eventSelectors: basicSelectors(basic), advancedEventSelectors: null }
        : DEFAULT_SELECTORS;
  const policy = onBucket(TYPES.policy)?.inputs?.policy;
  const rules = onBucket(TYPES.lifecycle)?.inputs?.rules;
  const filters = of(TYPES.filter).map((f) => ({
    metric: (f.inputs?.metricTransformation as { name?: string; namespace?: string } | undefined) ?? {},
    ...filterEvents(typeof f.inputs?.pattern === "string" ? f.inputs.pattern : ""),
  }));
  return {
    logging: inputs.enableLogging !== false,
    selectors,
    policy: typeof policy === "string" ? policy : null,
    lifecycle: Array.isArray(rules) ? (apiShape(rules) as LifecycleRule[]) : null,
    rules: of(TYPES.rule)
      .map((r) => declaredRule(typeof r.outputs?.name === "string" ? r.outputs.name : (r.id ?? ""), r.inputs?.eventPattern))
      .filter((r): r is DeclaredRule => r !== null && r.name !== ""),
    alarms: of(TYPES.alarm).flatMap((a) => {
      const filter = filters.find((f) => f.metric.name === a.inputs?.metricName && f.metric.namespace === a.inputs?.namespace);
      const name = a.inputs?.name ?? a.id;
      return filter && typeof name === "string" ? [{ name, eventNames: filter.eventNames, eventSource: filter.eventSource }] : [];
    }),
  };
}

/** JSON with object keys sorted, so that two equal documents print the same whatever their key order. */
export function canonical(value: unknown): string {
  const sort = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(sort)
      : v && typeof v === "object"
        ? Object.fromEntries(
            Object.entries(v as Json)
              .filter(([, inner]) => inner !== undefined)
              .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
              .map(([k, inner]) => [k, sort(inner)]),
          )
        : v;
  return JSON.stringify(sort(value));
}

/** Two policy documents are the same policy when they parse to the same JSON. */
export function samePolicy(a: string | null, b: string | null): boolean {
  if (a === null || b === null) return a === b;
  try {
    return canonical(JSON.parse(a)) === canonical(JSON.parse(b));
  } catch {
    return a === b;
  }
}

/** A rule as S3 answers it, without what S3 fills in or leaves empty (an empty prefix is no prefix). */
function lifecycleRule(rule: LifecycleRule): unknown {
  const shaped = apiShape(rule) as Json;
  const filter = shaped.Filter as Json | undefined;
  return { ...shaped, Filter: filter ?? {} };
}

export function sameLifecycle(a: LifecycleRule[] | null, b: LifecycleRule[] | null): boolean {
  if (a === null || b === null) return a === b;
  const key = (rules: LifecycleRule[]) => rules.map((r) => canonical(lifecycleRule(r))).sort();
  return canonical(key(a)) === canonical(key(b));
}

/** Selectors as compared: a basic selector with its defaults filled in; field selectors in any order (the provider keeps them as a set). */
function selectorKey(selectors: Selectors): string {
  if (selectors.advancedEventSelectors) {
    return canonical({
      advanced: selectors.advancedEventSelectors.map((s) => ({
        name: s.Name ?? "",
        fields: (s.FieldSelectors ?? [])
          .map((f) => canonical(Object.fromEntries(Object.entries(f).filter(([, v]) => !(Array.isArray(v) && v.length === 0)))))
          .sort(),
      })),
    });
  }
  return canonical({
    basic: (selectors.eventSelectors ?? []).map((s) => ({
      ReadWriteType: s.ReadWriteType ?? "All",
      IncludeManagementEvents: s.IncludeManagementEvents ?? true,
      DataResources: s.DataResources ?? [],
      ExcludeManagementEventSources: s.ExcludeManagementEventSources ?? [],
    })),
  });
}

export function sameSelectors(a: Selectors, b: Selectors): boolean {
  return selectorKey(a) === selectorKey(b);
}
