// The drill's techniques as a table: each names what it changes, how it is reverted, the call that
// detonates it (and the CloudTrail event that records it), the call that reverts it, how the revert
// is proven (the value read back equals what the program declares), which of trail-lab's checks
// should see it while it is in effect, and whether CloudTrail delivers its record to this trail's
// bucket. --help lists them from here; the drill (drill.ts) runs them in this order.
import type { AdvancedEventSelector } from "@aws-sdk/client-cloudtrail";
import type { LifecycleRule } from "@aws-sdk/client-s3";
import { canonical, sameLifecycle, samePolicy, sameSelectors, type DeclaredState, type DrillTarget } from "./declared";
import type { CallReceipt, DrillAws, Selectors } from "./drill-aws";
import { unknownTechniqueError } from "./drill-errors";

export const TECHNIQUE_NAMES = ["stop", "selectors", "lifecycle", "bucket-policy", "delete"] as const;
export type TechniqueName = (typeof TECHNIQUE_NAMES)[number];

/** What a technique's functions are given: the drill's calls, the run's trail and bucket, and what the program declares for them. */
export interface TechniqueContext {
  aws: DrillAws;
  target: DrillTarget;
  declared: DeclaredState;
}

/** A check of trail-lab's that should see the technique while it is in effect. */
export type Expectation =
  | { check: "status"; expected: "not logging" | "trail not found" }
  | { check: "posture"; control: string }
  | { check: "integrity"; gap: "stopped" };

export interface Technique {
  name: TechniqueName;
  /** What it changes, in a phrase (--help, the report). */
  changes: string;
  /** How it is put back, in a phrase. */
  revertedBy: string;
  /** The API call that detonates it, and the event name, source and record CloudTrail writes for it. */
  detonation: { call: string; event: string; source: "cloudtrail.amazonaws.com" | "s3.amazonaws.com" };
  /** How the revert is proven, in a phrase. */
  proofOfRevert: string;
  /** true when CloudTrail delivers the detonation's own record to this trail's bucket; otherwise why not. */
  deliveredToBucket: true | string;
  expected: Expectation[];
  /** Runs after every other technique and after their proofs, since nothing is delivered to the bucket after it. */
  runsLast?: true;
  /** Why it cannot run on this stack (what it needs is not declared); null when it can. */
  notApplicable(ctx: TechniqueContext): string | null;
  /** Whether AWS holds what the program declares, and what it holds, in a line. */
  asDeclared(ctx: TechniqueContext): Promise<{ same: boolean; observed: string }>;
  detonate(ctx: TechniqueContext): Promise<CallReceipt>;
  /** Puts back what the program declares; null when nothing can be put back (the trail is gone: destroy reconciles it). */
  revert(ctx: TechniqueContext): Promise<CallReceipt | null>;
  /** The exact command that puts it right by hand. */
  revertCommand(ctx: TechniqueContext): string;
}

/** A string for a shell's single quotes. */
function quoted(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** The lifecycle rule the drill adds: everything under AWSLogs/<account>/ expires after one day. */
export const DRILL_RULE_ID = "trail-lab-drill-expire-logs";

function logRoot(target: DrillTarget): string {
  return target.logPrefix.replace(/CloudTrail\/$/, "");
}

/** The declared policy without CloudTrail's write statement; null when it has none to drop. */
function withoutCloudTrailWrite(policy: string): string | null {
  try {
    const doc = JSON.parse(policy) as { Statement?: Record<string, unknown>[] };
    const statements = doc.Statement ?? [];
    const isWrite = (s: Record<string, unknown>) => {
      const services = [(s.Principal as { Service?: string | string[] } | undefined)?.Service ?? []].flat();
      const actions = [s.Action ?? []].flat() as string[];
      return (
        s.Effect === "Allow" && services.includes("cloudtrail.amazonaws.com") && actions.some((a) => a === "s3:PutObject" || a === "s3:*")
      );
    };
    const kept = statements.filter((s) => !isWrite(s));
    return kept.length === statements.length ? null : JSON.stringify({ ...doc, Statement: kept });
  } catch {
    return null;
  }
}

/** The declared selectors, narrowed to read-only management events (writes, the calls an attacker hides, go unrecorded). */
function readOnlySelectors(declared: Selectors): Selectors | null {
  if (declared.advancedEventSelectors) {
    const isManagement = (s: AdvancedEventSelector) =>
      (s.FieldSelectors ?? []).some((f) => f.Field === "eventCategory" && f.Equals?.includes("Management"));
    if (!declared.advancedEventSelectors.some(isManagement)) return null;
    return {
      eventSelectors: null,
      advancedEventSelectors: declared.advancedEventSelectors.map((s) =>
        isManagement(s)
          ? {
              ...s,
              FieldSelectors: [...(s.FieldSelectors ?? []).filter((f) => f.Field !== "readOnly"), { Field: "readOnly", Equals: ["true"] }],
            }
          : s,
      ),
    };
  }
  const selectors = declared.eventSelectors ?? [];
  if (!selectors.some((s) => s.IncludeManagementEvents !== false)) return null;
  return { eventSelectors: selectors.map((s) => ({ ...s, ReadWriteType: "ReadOnly" })), advancedEventSelectors: null };
}

function selectorsText(selectors: Selectors): string {
  return selectors.advancedEventSelectors ? `advanced ${canonical(selectors.advancedEventSelectors)}` : canonical(selectors.eventSelectors);
}

export const TECHNIQUES: readonly Technique[] = [
  {
    name: "stop",
    changes: "stops the trail's logging (StopLogging)",
    revertedBy: "StartLogging",
    detonation: { call: "cloudtrail:StopLogging", event: "StopLogging", source: "cloudtrail.amazonaws.com" },
    proofOfRevert: "GetTrailStatus reports IsLogging again",
    // The call happens while the trail still logs, and CloudTrail documents a final digest covering
    // "events up to and including the StopLogging event": its record reaches the bucket, minutes later.
    deliveredToBucket: true,
    expected: [
      { check: "status", expected: "not logging" },
      { check: "posture", control: "CloudTrail.1" },
      { check: "posture", control: "CloudTrail.3" },
      { check: "integrity", gap: "stopped" },
    ],
    notApplicable: ({ declared }) => (declared.logging ? null : "the program declares the trail not logging (enableLogging false)"),
    async asDeclared({ aws, target }) {
      const status = await aws.trailStatus(target.trailArn);
      return { same: status?.isLogging === true, observed: status ? `IsLogging ${status.isLogging}` : "trail not found" };
    },
    detonate: ({ aws, target }) => aws.stopLogging(target.trailArn),
    revert: ({ aws, target }) => aws.startLogging(target.trailArn),
    revertCommand: ({ target }) => `aws cloudtrail start-logging --region ${target.region} --name ${target.trailArn}`,
  },
  {
    name: "selectors",
    changes: "narrows the trail to read-only management events (PutEventSelectors): writes go unrecorded",
    revertedBy: "PutEventSelectors with the selectors the program declares",
    detonation: { call: "cloudtrail:PutEventSelectors", event: "PutEventSelectors", source: "cloudtrail.amazonaws.com" },
    proofOfRevert: "GetEventSelectors returns the declared selectors",
    // Selectors apply to events after the call; the call itself is a write recorded under the old ones.
    deliveredToBucket: true,
    expected: [{ check: "posture", control: "CloudTrail.1" }],
    notApplicable: ({ declared }) =>
      readOnlySelectors(declared.selectors) ? null : "the declared selectors record no management events to narrow",
    async asDeclared({ aws, target, declared }) {
      const live = await aws.getSelectors(target.trailArn);
      return { same: sameSelectors(live, declared.selectors), observed: selectorsText(live) };
    },
    detonate: ({ aws, target, declared }) => aws.putSelectors(target.trailArn, readOnlySelectors(declared.selectors)!),
    revert: ({ aws, target, declared }) => aws.putSelectors(target.trailArn, declared.selectors),
    revertCommand: ({ target, declared }) =>
      `aws cloudtrail put-event-selectors --region ${target.region} --trail-name ${target.trailArn} ` +
      (declared.selectors.advancedEventSelectors
        ? `--advanced-event-selectors ${quoted(JSON.stringify(declared.selectors.advancedEventSelectors))}`
        : `--event-selectors ${quoted(JSON.stringify(declared.selectors.eventSelectors))}`),
  },
  {
    name: "lifecycle",
    changes: "adds a lifecycle rule that expires the trail's logs after one day (PutBucketLifecycleConfiguration)",
    revertedBy: "PutBucketLifecycleConfiguration with the rules the program declares",
    detonation: { call: "s3:PutLifecycleConfiguration", event: "PutBucketLifecycle", source: "s3.amazonaws.com" },
    proofOfRevert: "GetBucketLifecycleConfiguration returns the declared rules",
    deliveredToBucket: true,
    expected: [{ check: "posture", control: "TrailLab.Retention" }],
    notApplicable: ({ declared }) => (declared.lifecycle ? null : "the program declares no lifecycle on the bucket to put back"),
    async asDeclared({ aws, target, declared }) {
      const live = await aws.getLifecycle(target.bucketName);
      return { same: sameLifecycle(live, declared.lifecycle), observed: live ? canonical(live) : "no lifecycle" };
    },
    detonate: ({ aws, target, declared }) =>
      aws.putLifecycle(target.bucketName, [
        ...(declared.lifecycle ?? []),
        { ID: DRILL_RULE_ID, Status: "Enabled", Filter: { Prefix: logRoot(target) }, Expiration: { Days: 1 } } satisfies LifecycleRule,
      ]),
    revert: ({ aws, target, declared }) => aws.putLifecycle(target.bucketName, declared.lifecycle ?? []),
    revertCommand: ({ target, declared }) =>
      `aws s3api put-bucket-lifecycle-configuration --bucket ${target.bucketName} --lifecycle-configuration ${quoted(JSON.stringify({ Rules: declared.lifecycle }))}`,
  },
  {
    name: "bucket-policy",
    changes: "removes CloudTrail's write statement from the bucket policy (PutBucketPolicy): the trail can no longer deliver",
    revertedBy: "PutBucketPolicy with the policy the program declares",
    detonation: { call: "s3:PutBucketPolicy", event: "PutBucketPolicy", source: "s3.amazonaws.com" },
    proofOfRevert: "GetBucketPolicy returns the declared policy",
    // Its record is in a log file written minutes later, after the revert has let CloudTrail write again.
    deliveredToBucket: true,
    expected: [{ check: "posture", control: "TrailLab.Delivery" }],
    notApplicable: ({ declared }) =>
      declared.policy === null
        ? "the program declares no bucket policy"
        : withoutCloudTrailWrite(declared.policy)
          ? null
          : "the declared policy has no statement letting CloudTrail write",
    async asDeclared({ aws, target, declared }) {
      const live = await aws.getBucketPolicy(target.bucketName);
      return { same: samePolicy(live, declared.policy), observed: live ?? "no policy" };
    },
    detonate: ({ aws, target, declared }) => aws.putBucketPolicy(target.bucketName, withoutCloudTrailWrite(declared.policy!)!),
    revert: ({ aws, target, declared }) => aws.putBucketPolicy(target.bucketName, declared.policy!),
    revertCommand: ({ target, declared }) =>
      `aws s3api put-bucket-policy --bucket ${target.bucketName} --policy ${quoted(declared.policy ?? "")}`,
  },
  {
    name: "delete",
    changes: "deletes the trail (DeleteTrail); last, just before destroy",
    revertedBy: "nothing: the destroy that follows removes the trail from Pulumi's state (the provider takes a missing trail as deleted)",
    detonation: { call: "cloudtrail:DeleteTrail", event: "DeleteTrail", source: "cloudtrail.amazonaws.com" },
    proofOfRevert: "destroy completes without the trail",
    deliveredToBucket:
      "a deleted trail delivers nothing more: DeleteTrail is in Event History (and in any other trail), not in this trail's bucket",
    expected: [{ check: "status", expected: "trail not found" }],
    runsLast: true,
    notApplicable: () => null,
    async asDeclared({ aws, target }) {
      const status = await aws.trailStatus(target.trailArn);
      return { same: status !== null, observed: status ? `IsLogging ${status.isLogging}` : "trail not found" };
    },
    detonate: ({ aws, target }) => aws.deleteTrail(target.trailName),
    revert: () => Promise.resolve(null),
    revertCommand: ({ target }) => `npm run lab -- --cleanup ${target.stack}`,
  },
];

export function technique(name: TechniqueName): Technique {
  return TECHNIQUES.find((t) => t.name === name)!;
}

/**
 * --drill's value: a comma-separated list of names, in any order, or "all"; each once. The drill
 * runs them in the table's order (delete last, whatever the list says).
 */
export function parseTechniques(value: string): TechniqueName[] {
  const names = value
    .split(",")
    .map((n) => n.trim())
    .filter((n) => n !== "");
  if (names.length === 0 || names.includes("all")) return [...TECHNIQUE_NAMES];
  for (const name of names) if (!(TECHNIQUE_NAMES as readonly string[]).includes(name)) throw unknownTechniqueError(name, TECHNIQUE_NAMES);
  return TECHNIQUE_NAMES.filter((n) => names.includes(n));
}

/** One line per technique for --help: what it changes, and how it is put back. */
export function techniqueHelp(): string[] {
  return TECHNIQUES.map((t) => `${t.name}: ${t.changes}; reverted by ${t.revertedBy}.`);
}
