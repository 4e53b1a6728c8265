// The sweep: after an interrupted or failed up, Pulumi's state may not know every resource it
// started to create, so find what still carries the stack tag and delete it directly:
// instances first, then the opt-in resources that cost money while they exist (a KMS key, a log
// group), then the trail, then the bucket (a live trail keeps writing into it).
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
import type { LabClients } from "./aws-clients";
import { awsErrorCode } from "../common/aws-error-code";
import { describe } from "../common/errors";
import type { Leftover, LeftoverKind } from "./leftovers";
import { leftover } from "./leftovers";
import { STACK_TAG } from "./stack-tag";

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
}

export interface TagSweeper {
  sweep(stack: string, hints: SweepHints): Promise<SweepReport>;
}

// infra/index.ts names the audit bucket component `audit-logs`, and its buckets (audit, access
// logs) get generated names that start with it; trail-lab:bucketPrefix overrides the audit one.
// The optional Athena search keeps query results in a bucket of its own, `athena-results-...`.
export const DEFAULT_BUCKET_PREFIX = "audit-logs-";
export const ATHENA_RESULTS_BUCKET_PREFIX = "athena-results-";

/** Where the sweep looks for a stack's buckets by name, before it checks their tags. */
export function labBucketPrefixes(configuredPrefix: string | undefined): string[] {
  return [...new Set([configuredPrefix ?? DEFAULT_BUCKET_PREFIX, DEFAULT_BUCKET_PREFIX, ATHENA_RESULTS_BUCKET_PREFIX])];
}

export interface AwsSweeperOptions {
  /** How long to wait for instances to terminate before deleting their security group. */
  terminateWaitSeconds?: number;
  log?: (line: string) => void;
}

export function awsTagSweeper(clients: LabClients, options: AwsSweeperOptions = {}): TagSweeper {
  const log = options.log ?? (() => undefined);
  return {
    async sweep(stack, hints) {
      const report: SweepReport = { removed: [], remaining: [] };
      const item = (kind: LeftoverKind, id: string, reason?: string): Leftover => leftover(kind, id, hints.region, reason);
      const attempt = async (kind: LeftoverKind, id: string, action: () => Promise<unknown>) => {
        try {
          await action();
          report.removed.push(item(kind, id));
          log(`sweep: removed ${kind} ${id}`);
        } catch (error) {
          report.remaining.push(item(kind, id, describe(error)));
          log(`sweep: could not remove ${kind} ${id}: ${describe(error)}`);
        }
      };
      // Each phase stands alone: a lookup that fails is listed (with `--cleanup` to try again)
      // and the sweep goes on, so one refusal never keeps the paid resources after it alive.
      const lookupFailed = (what: string, error: unknown) => {
        report.remaining.push({ ...item("resource", stack, `could not look up ${what}: ${describe(error)}`), id: `${what} tagged ${STACK_TAG}=${stack}` });
        log(`sweep: could not look up ${what}: ${describe(error)}`);
      };
      const tagFilter = { Name: `tag:${STACK_TAG}`, Values: [stack] };

      // Instances: what costs money; terminate, then wait so their security group can go.
      const instanceIds: string[] = [];
      try {
        for await (const page of paginateDescribeInstances(
          { client: clients.ec2 },
          { Filters: [tagFilter, { Name: "instance-state-name", Values: ["pending", "running", "stopping", "stopped"] }] },
        )) {
          for (const r of page.Reservations ?? []) for (const i of r.Instances ?? []) if (i.InstanceId) instanceIds.push(i.InstanceId);
        }
      } catch (error) {
        lookupFailed("instances", error);
      }
      let terminated = false;
      if (instanceIds.length > 0) {
        try {
          await clients.ec2.send(new TerminateInstancesCommand({ InstanceIds: instanceIds }));
          terminated = true;
          for (const id of instanceIds) report.removed.push(item("instance", id));
          log(`sweep: terminating ${instanceIds.join(", ")}`);
        } catch (error) {
          for (const id of instanceIds) report.remaining.push(item("instance", id, describe(error)));
        }
      }

      // The opt-in KMS key (USD 1 a month) and log group, found through the tagging API: early,
      // since they cost money, and nothing else depends on them going first or last.
      try {
        for await (const page of paginateGetResources(
          { client: clients.tagging },
          { TagFilters: [{ Key: STACK_TAG, Values: [stack] }], ResourceTypeFilters: ["kms:key", "logs:log-group"] },
        )) {
          for (const { ResourceARN: arn } of page.ResourceTagMappingList ?? []) {
            const key = arn?.match(/^arn:[^:]+:kms:[^:]*:[^:]*:key\/(.+)$/)?.[1];
            const group = arn?.match(/^arn:[^:]+:logs:[^:]*:[^:]*:log-group:(.+?)(:\*)?$/)?.[1];
            if (key) await attempt("kms-key", key, () => scheduleKeyDeletion(clients, key));
            else if (group) await attempt("log-group", group, () => deleteLogGroup(clients, group));
          }
        }
      } catch (error) {
        lookupFailed("KMS keys and log groups", error);
      }

      if (terminated) {
        try {
          await waitUntilInstanceTerminated({ client: clients.ec2, maxWaitTime: options.terminateWaitSeconds ?? 300, minDelay: 5 }, { InstanceIds: instanceIds });
        } catch (error) {
          log(`sweep: instances not terminated yet: ${describe(error)}`);
        }
      }
      try {
        const groups = await clients.ec2.send(new DescribeSecurityGroupsCommand({ Filters: [tagFilter] }));
        for (const g of groups.SecurityGroups ?? []) {
          const groupId = g.GroupId;
          if (groupId) await attempt("security-group", groupId, () => clients.ec2.send(new DeleteSecurityGroupCommand({ GroupId: groupId })));
        }
      } catch (error) {
        lookupFailed("security groups", error);
      }

      // Trails homed in this region that carry the tag (a region holds a handful of trails). An
      // organization trail, which a member account sees but may not read the tags of, is never
      // the lab's.
      try {
        const trails = await clients.cloudtrail.send(new DescribeTrailsCommand({ includeShadowTrails: false }));
        const arns = (trails.trailList ?? [])
          .filter((t) => !t.IsOrganizationTrail)
          .map((t) => t.TrailARN)
          .filter((a): a is string => Boolean(a));
        for (let i = 0; i < arns.length; i += 20) {
          for (const arn of await taggedTrails(clients, arns.slice(i, i + 20), stack, lookupFailed)) {
            await attempt("trail", arn, () => clients.cloudtrail.send(new DeleteTrailCommand({ Name: arn })));
          }
        }
      } catch (error) {
        lookupFailed("trails", error);
      }

      // Buckets: known names plus those with the generated prefix, deleted only when tagged.
      const candidates = new Set(hints.bucketNames);
      for (const prefix of new Set(hints.bucketPrefixes)) {
        try {
          for await (const page of paginateListBuckets({ client: clients.s3 }, { Prefix: prefix })) {
            for (const b of page.Buckets ?? []) if (b.Name) candidates.add(b.Name);
          }
        } catch (error) {
          lookupFailed(`buckets named ${prefix}*`, error);
        }
      }
      for (const bucket of candidates) {
        let tagged: boolean;
        try {
          tagged = await bucketHasTag(clients, bucket, stack);
        } catch (error) {
          // Whose bucket it is stays unknown: no `aws s3 rb` for it, only `--cleanup`.
          lookupFailed(`bucket ${bucket}`, error);
          continue;
        }
        if (tagged) await attempt("bucket", bucket, () => emptyAndDeleteBucket(clients, bucket));
      }
      return report;
    },
  };
}

/** The trails among `arns` that carry the stack's tag; when a batch is refused, each is asked alone. */
async function taggedTrails(clients: LabClients, arns: string[], stack: string, lookupFailed: (what: string, error: unknown) => void): Promise<string[]> {
  const ours = (list: { ResourceId?: string; TagsList?: { Key?: string; Value?: string }[] }[] | undefined) =>
    (list ?? []).filter((r) => r.TagsList?.some((t) => t.Key === STACK_TAG && t.Value === stack)).map((r) => r.ResourceId as string).filter(Boolean);
  try {
    return ours((await clients.cloudtrail.send(new ListTagsCommand({ ResourceIdList: arns }))).ResourceTagList);
  } catch (error) {
    if (arns.length === 1) {
      lookupFailed(`trail ${arns[0]}`, error);
      return [];
    }
  }
  const found: string[] = [];
  for (const arn of arns) found.push(...(await taggedTrails(clients, [arn], stack, lookupFailed)));
  return found;
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
      if (failed.length > 0) throw new Error(`could not delete ${failed.length} objects, first ${failed[0].Key}: ${failed[0].Code} ${failed[0].Message}`);
    }
    try {
      await clients.s3.send(new DeleteBucketCommand({ Bucket: bucket }));
      return;
    } catch (error) {
      if (awsErrorCode(error) !== "BucketNotEmpty" || round >= rounds) throw error;
    }
  }
}
