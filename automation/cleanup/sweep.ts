// The sweep: after an interrupted or failed up, Pulumi's state may not know every resource it
// started to create, so find what still carries the stack tag and delete it directly, in phases
// whose order (PHASES) puts what costs money first and each bucket after the trail writing into it.
import { DeleteTrailCommand, DescribeTrailsCommand, ListTagsCommand } from "@aws-sdk/client-cloudtrail";
import {
  DeleteSecurityGroupCommand,
  DescribeSecurityGroupsCommand,
  paginateDescribeInstances,
  TerminateInstancesCommand,
  waitUntilInstanceTerminated,
} from "@aws-sdk/client-ec2";
import {
  DeleteBucketCommand,
  DeleteObjectsCommand,
  GetBucketTaggingCommand,
  ListObjectVersionsCommand,
  paginateListBuckets,
} from "@aws-sdk/client-s3";
import { DeleteLogGroupCommand } from "@aws-sdk/client-cloudwatch-logs";
import { ScheduleKeyDeletionCommand } from "@aws-sdk/client-kms";
import { paginateGetResources } from "@aws-sdk/client-resource-groups-tagging-api";
import type { LabClients } from "../aws/aws-clients";
import { awsErrorCode, awsErrorDetail } from "../../common/aws-error-code";
import { AwsCallError, describe } from "../../common/errors";
import type { Leftover, LeftoverKind } from "./leftovers";
import { leftover } from "./leftovers";
import { sleep, type Sleep } from "../signals";
import { STACK_TAG } from "../aws/stack-tag";

export interface SweepReport {
  removed: Leftover[];
  remaining: Leftover[];
}

export interface SweepHints {
  region: string;
  /** Bucket names known from outputs or state. */
  bucketNames: string[];
  /** Generated bucket names start with one of these (trail-lab:bucketPrefix, the program's defaults). */
  bucketPrefixes: string[];
  /**
   * Ends the sweep's waits between retries (a second signal: stop waiting, list what is left).
   * @default none: each wait runs its course
   */
  signal?: AbortSignal;
}

export interface TagSweeper {
  sweep(stack: string, hints: SweepHints): Promise<SweepReport>;
}

// infra/index.ts names the audit bucket component `audit-logs`, and its buckets (audit, access
// logs) get generated names that start with it; trail-lab:bucketPrefix overrides the audit one.
// The optional Athena search keeps query results in a bucket of its own, `athena-results-...`, and
// the optional data events' canary bucket is `data-canary-bucket-...`.
export const DEFAULT_BUCKET_PREFIX = "audit-logs-";
export const ATHENA_RESULTS_BUCKET_PREFIX = "athena-results-";
export const DATA_CANARY_BUCKET_PREFIX = "data-canary-";

/** Where the sweep looks for a stack's buckets by name, before it checks their tags. */
export function labBucketPrefixes(configuredPrefix: string | undefined): string[] {
  return [
    ...new Set([configuredPrefix ?? DEFAULT_BUCKET_PREFIX, DEFAULT_BUCKET_PREFIX, ATHENA_RESULTS_BUCKET_PREFIX, DATA_CANARY_BUCKET_PREFIX]),
  ];
}

/** The defaults of AwsSweeperOptions, in one block. */
export const SWEEP_DEFAULTS = {
  terminateWaitSeconds: 300,
  dependencyWaitMs: 5 * 60_000,
} as const;

export interface AwsSweeperOptions {
  /**
   * How long to wait for instances to terminate before deleting their security group.
   * @default SWEEP_DEFAULTS.terminateWaitSeconds
   */
  terminateWaitSeconds?: number;
  /**
   * How long DeleteSecurityGroup is retried while EC2 answers DependencyViolation (the instance's
   * network interface outlives its termination by minutes).
   * @default SWEEP_DEFAULTS.dependencyWaitMs
   */
  dependencyWaitMs?: number;
  /** @default sleep (signals.ts) */
  sleep?: Sleep;
  /** @default Date.now */
  now?: () => number;
  /** Each removal and refusal, as a line of progress. @default none */
  log?: (line: string) => void;
}

/** EC2's refusals of a group still attached to a network interface; they pass once it is gone. */
const GROUP_IN_USE = new Set(["DependencyViolation", "InvalidGroup.InUse"]);
/** The first wait, doubled after each refusal up to the longest; the attempts are capped too. */
const GROUP_RETRY = { firstMs: 5_000, longestMs: 30_000, maxAttempts: 20 } as const;

export function awsTagSweeper(clients: LabClients, options: AwsSweeperOptions = {}): TagSweeper {
  return {
    async sweep(stack, hints) {
      const sweep = new Sweep(clients, stack, hints, options);
      for (const phase of PHASES) await phase(sweep);
      return sweep.report;
    },
  };
}

type SweepPhase = (sweep: Sweep) => Promise<void>;

// Instances first: they cost money, and their security group can go only once they are gone. The
// opt-in KMS key (USD 1 a month) and log group next, since they cost money too and nothing else
// depends on them going first or last. Then the security groups, once the instances terminated;
// the trails; and the buckets last, since a live trail keeps writing into its bucket.
const PHASES: readonly SweepPhase[] = [terminateInstances, removeKeysAndLogGroups, deleteSecurityGroups, deleteTrails, deleteBuckets];

/** One sweep of one stack: what it removed and what remains, and what a later phase waits for. */
class Sweep {
  readonly report: SweepReport = { removed: [], remaining: [] };
  readonly tagFilter: { Name: string; Values: string[] };
  readonly terminateWaitSeconds: number;
  readonly dependencyWaitMs: number;
  readonly sleep: Sleep;
  readonly now: () => number;
  readonly log: (line: string) => void;
  /** The instances this sweep terminated: their security group can go once they are gone. */
  terminating: string[] = [];

  constructor(
    readonly clients: LabClients,
    readonly stack: string,
    readonly hints: SweepHints,
    options: AwsSweeperOptions,
  ) {
    this.tagFilter = { Name: `tag:${STACK_TAG}`, Values: [stack] };
    this.terminateWaitSeconds = options.terminateWaitSeconds ?? SWEEP_DEFAULTS.terminateWaitSeconds;
    this.dependencyWaitMs = options.dependencyWaitMs ?? SWEEP_DEFAULTS.dependencyWaitMs;
    this.sleep = options.sleep ?? sleep;
    this.now = options.now ?? Date.now;
    this.log = options.log ?? (() => undefined);
  }

  item(kind: LeftoverKind, id: string, reason?: string): Leftover {
    return leftover(kind, id, this.hints.region, reason);
  }

  async attempt(kind: LeftoverKind, id: string, action: () => Promise<unknown>): Promise<void> {
    try {
      await action();
      this.report.removed.push(this.item(kind, id));
      this.log(`sweep: removed ${kind} ${id}`);
    } catch (error) {
      this.report.remaining.push(this.item(kind, id, describe(error)));
      this.log(`sweep: could not remove ${kind} ${id}: ${describe(error)}`);
    }
  }

  /**
   * One lookup, standing alone: when it fails it is listed (with `--cleanup` to try again) and the
   * sweep goes on, so one refusal never keeps the paid resources after it alive.
   */
  async lookUp<T>(what: string, work: () => Promise<T>): Promise<T | undefined> {
    try {
      return await work();
    } catch (error) {
      this.report.remaining.push({
        ...this.item("resource", this.stack, `could not look up ${what}: ${describe(error)}`),
        id: `${what} tagged ${STACK_TAG}=${this.stack}`,
      });
      this.log(`sweep: could not look up ${what}: ${describe(error)}`);
      return undefined;
    }
  }
}

/** Terminates the tagged instances, also those found before a later page of the listing failed. */
async function terminateInstances(sweep: Sweep): Promise<void> {
  const ids: string[] = [];
  await sweep.lookUp("instances", async () => {
    for await (const page of paginateDescribeInstances(
      { client: sweep.clients.ec2 },
      { Filters: [sweep.tagFilter, { Name: "instance-state-name", Values: ["pending", "running", "stopping", "stopped"] }] },
    )) {
      for (const r of page.Reservations ?? []) for (const i of r.Instances ?? []) if (i.InstanceId) ids.push(i.InstanceId);
    }
  });
  if (ids.length === 0) return;
  try {
    await sweep.clients.ec2.send(new TerminateInstancesCommand({ InstanceIds: ids }));
    sweep.terminating = ids;
    for (const id of ids) sweep.report.removed.push(sweep.item("instance", id));
    sweep.log(`sweep: terminating ${ids.join(", ")}`);
  } catch (error) {
    for (const id of ids) sweep.report.remaining.push(sweep.item("instance", id, describe(error)));
  }
}

/** The opt-in KMS key and log group, found through the tagging API. */
async function removeKeysAndLogGroups(sweep: Sweep): Promise<void> {
  await sweep.lookUp("KMS keys and log groups", async () => {
    for await (const page of paginateGetResources(
      { client: sweep.clients.tagging },
      { TagFilters: [{ Key: STACK_TAG, Values: [sweep.stack] }], ResourceTypeFilters: ["kms:key", "logs:log-group"] },
    )) {
      for (const { ResourceARN: arn } of page.ResourceTagMappingList ?? []) {
        const key = arn?.match(/^arn:[^:]+:kms:[^:]*:[^:]*:key\/(.+)$/)?.[1];
        const group = arn?.match(/^arn:[^:]+:logs:[^:]*:[^:]*:log-group:(.+?)(:\*)?$/)?.[1];
        if (key) await sweep.attempt("kms-key", key, () => scheduleKeyDeletion(sweep.clients, key));
        else if (group) await sweep.attempt("log-group", group, () => deleteLogGroup(sweep.clients, group));
      }
    }
  });
}

/** The tagged security groups, after waiting (bounded) for the instances in them to terminate. */
async function deleteSecurityGroups(sweep: Sweep): Promise<void> {
  if (sweep.terminating.length > 0) {
    try {
      await waitUntilInstanceTerminated(
        { client: sweep.clients.ec2, maxWaitTime: sweep.terminateWaitSeconds, minDelay: 5 },
        { InstanceIds: sweep.terminating },
      );
    } catch (error) {
      sweep.log(`sweep: instances not terminated yet: ${describe(error)}`);
    }
  }
  await sweep.lookUp("security groups", async () => {
    const groups = await sweep.clients.ec2.send(new DescribeSecurityGroupsCommand({ Filters: [sweep.tagFilter] }));
    for (const g of groups.SecurityGroups ?? []) {
      const groupId = g.GroupId;
      if (groupId) await sweep.attempt("security-group", groupId, () => deleteSecurityGroup(sweep, groupId));
    }
  });
}

/**
 * Deletes the group, retrying while EC2 says it is still in use: a terminated instance's network
 * interface lingers for minutes, and a group that is free by then costs nothing and must not be
 * listed as a leftover. Terraform's own delete retries the same two codes for its delete timeout;
 * this waits GROUP_RETRY.firstMs, doubling up to GROUP_RETRY.longestMs, between tries, for
 * `dependencyWaitMs` in all. A group already
 * gone (InvalidGroup.NotFound) is removed.
 */
async function deleteSecurityGroup(sweep: Sweep, groupId: string): Promise<void> {
  const started = sweep.now();
  for (let attempt = 1; ; attempt++) {
    try {
      await sweep.clients.ec2.send(new DeleteSecurityGroupCommand({ GroupId: groupId }));
      return;
    } catch (error) {
      const code = awsErrorCode(error);
      if (code === "InvalidGroup.NotFound") return;
      if (!GROUP_IN_USE.has(code)) throw error;
      const waitMs = Math.min(GROUP_RETRY.firstMs * 2 ** (attempt - 1), GROUP_RETRY.longestMs);
      const waited = sweep.now() - started;
      if (waited + waitMs > sweep.dependencyWaitMs || attempt >= GROUP_RETRY.maxAttempts || sweep.hints.signal?.aborted) {
        throw new AwsCallError(
          "DeleteSecurityGroup",
          code,
          `${awsErrorDetail(error)}; still in use after ${attempt} tries over ${Math.round(waited / 1000)} s (the terminated instance's network interface may linger: try again in a few minutes)`,
          error,
        );
      }
      sweep.log(`sweep: security group ${groupId} is still in use (${code}); trying again in ${waitMs / 1000} s`);
      await sweep.sleep(waitMs, sweep.hints.signal);
      if (sweep.hints.signal?.aborted) {
        throw new AwsCallError("DeleteSecurityGroup", code, `${awsErrorDetail(error)}; stopped retrying on the second signal`, error);
      }
    }
  }
}

/**
 * Trails homed in this region that carry the tag (a region holds a handful of trails). An
 * organization trail, which a member account sees but may not read the tags of, is never the lab's.
 */
async function deleteTrails(sweep: Sweep): Promise<void> {
  await sweep.lookUp("trails", async () => {
    const trails = await sweep.clients.cloudtrail.send(new DescribeTrailsCommand({ includeShadowTrails: false }));
    const arns = (trails.trailList ?? [])
      .filter((t) => !t.IsOrganizationTrail)
      .map((t) => t.TrailARN)
      .filter((a): a is string => Boolean(a));
    for (let i = 0; i < arns.length; i += 20) {
      for (const arn of await taggedTrails(sweep, arns.slice(i, i + 20))) {
        await sweep.attempt("trail", arn, () => sweep.clients.cloudtrail.send(new DeleteTrailCommand({ Name: arn })));
      }
    }
  });
}

/** Buckets: the known names plus those with a generated prefix, deleted only when tagged. */
async function deleteBuckets(sweep: Sweep): Promise<void> {
  const candidates = new Set(sweep.hints.bucketNames);
  for (const prefix of new Set(sweep.hints.bucketPrefixes)) {
    await sweep.lookUp(`buckets named ${prefix}*`, async () => {
      for await (const page of paginateListBuckets({ client: sweep.clients.s3 }, { Prefix: prefix })) {
        for (const b of page.Buckets ?? []) if (b.Name) candidates.add(b.Name);
      }
    });
  }
  for (const bucket of candidates) {
    // When its tags cannot be read, whose bucket it is stays unknown: no `aws s3 rb` for it, only `--cleanup`.
    const tagged = await sweep.lookUp(`bucket ${bucket}`, () => bucketHasTag(sweep.clients, bucket, sweep.stack));
    if (tagged) await sweep.attempt("bucket", bucket, () => emptyAndDeleteBucket(sweep.clients, bucket));
  }
}

/** The trails among `arns` that carry the stack's tag; when a batch is refused, each is asked alone. */
async function taggedTrails(sweep: Sweep, arns: string[]): Promise<string[]> {
  if (arns.length === 1) return (await sweep.lookUp(`trail ${arns[0]}`, () => trailsWithTag(sweep, arns))) ?? [];
  try {
    return await trailsWithTag(sweep, arns);
  } catch {
    // One trail whose tags we may not read refuses the whole batch; asked alone, only it is listed.
  }
  const found: string[] = [];
  for (const arn of arns) found.push(...(await taggedTrails(sweep, [arn])));
  return found;
}

async function trailsWithTag(sweep: Sweep, arns: string[]): Promise<string[]> {
  const tags = await sweep.clients.cloudtrail.send(new ListTagsCommand({ ResourceIdList: arns }));
  return (tags.ResourceTagList ?? [])
    .filter((r) => r.TagsList?.some((t) => t.Key === STACK_TAG && t.Value === sweep.stack))
    .map((r) => r.ResourceId as string)
    .filter(Boolean);
}

/** Deletes the key after 7 days, the shortest wait KMS allows; a key already pending deletion is done. */
async function scheduleKeyDeletion(clients: LabClients, keyId: string): Promise<void> {
  try {
    await clients.kms.send(new ScheduleKeyDeletionCommand({ KeyId: keyId, PendingWindowInDays: 7 }));
  } catch (error) {
    if (awsErrorCode(error) !== "KMSInvalidStateException" && awsErrorCode(error) !== "NotFoundException") throw error;
  }
}

async function deleteLogGroup(clients: LabClients, logGroupName: string): Promise<void> {
  try {
    await clients.logs.send(new DeleteLogGroupCommand({ logGroupName }));
  } catch (error) {
    // The tagging API lists a deleted resource for a while after it is gone.
    if (awsErrorCode(error) !== "ResourceNotFoundException") throw error;
  }
}

async function bucketHasTag(clients: LabClients, bucket: string, stack: string): Promise<boolean> {
  try {
    const tagging = await clients.s3.send(new GetBucketTaggingCommand({ Bucket: bucket }));
    return tagging.TagSet?.some((t) => t.Key === STACK_TAG && t.Value === stack) ?? false;
  } catch (error) {
    const code = awsErrorCode(error);
    if (code === "NoSuchBucket" || code === "NoSuchTagSet" || code === "AccessDenied") return false;
    throw error;
  }
}

/**
 * Deletes every object version and delete marker, then the bucket. Each listing starts from the
 * top again (what was listed is deleted), so no continuation tokens are needed; late deliveries
 * that land meanwhile are caught by the next round.
 */
export async function emptyAndDeleteBucket(clients: Pick<LabClients, "s3">, bucket: string, rounds = 5): Promise<void> {
  for (let round = 1; ; round++) {
    for (;;) {
      const page = await clients.s3.send(new ListObjectVersionsCommand({ Bucket: bucket, MaxKeys: 1000 }));
      const objects = [...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])]
        .filter((v) => v.Key)
        .map((v) => ({ Key: v.Key as string, VersionId: v.VersionId }));
      if (objects.length === 0) break;
      const deleted = await clients.s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: objects, Quiet: true } }));
      const failed = deleted.Errors ?? [];
      // Listing again would return the same objects forever.
      if (failed.length > 0)
        throw new Error(`could not delete ${failed.length} objects, first ${failed[0].Key}: ${failed[0].Code} ${failed[0].Message}`);
    }
    try {
      await clients.s3.send(new DeleteBucketCommand({ Bucket: bucket }));
      return;
    } catch (error) {
      if (awsErrorCode(error) !== "BucketNotEmpty" || round >= rounds) throw error;
    }
  }
}
