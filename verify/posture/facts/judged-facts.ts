// The facts posture judged, as plain JSON for the report: the trail (description, status,
// selectors), its bucket and the stack's other buckets (every setting read), and the account,
// each value as AWS returned it. The controls read the SDK's own shapes; this is what a reader of
// the evidence sees of them.
import type { LifecycleRule } from "@aws-sdk/client-s3";
import type { PostureFacts } from "../controls";
import { grantInWords } from "../controls/cloudtrail";
import { managementEventGap } from "../controls/management-events";
import type { AccountFacts, BucketFacts, BucketRole, PostureReport, TrailFacts } from "../types";
import { selectorGap } from "../../trail/event-selectors";
import type { BucketSettings } from "./bucket-settings";

function trailFacts({ trail, status, selectors }: PostureFacts): TrailFacts {
  const s = trail.settings;
  const records = (readOnly: boolean) => selectorGap(selectors, { eventName: "", readOnly, eventSource: null }) === null;
  return {
    name: trail.name,
    arn: trail.arn,
    homeRegion: trail.homeRegion,
    isMultiRegionTrail: trail.isMultiRegion,
    isOrganizationTrail: trail.isOrganization,
    includeGlobalServiceEvents: s.IncludeGlobalServiceEvents ?? null,
    logFileValidationEnabled: s.LogFileValidationEnabled ?? null,
    kmsKeyId: s.KmsKeyId ?? null,
    cloudWatchLogsLogGroupArn: s.CloudWatchLogsLogGroupArn ?? null,
    s3BucketName: trail.bucket,
    s3KeyPrefix: trail.prefix,
    isLogging: status.isLogging,
    latestDeliveryTime: status.latestDeliveryTime?.toISOString() ?? null,
    latestDeliveryError: status.latestDeliveryError,
    eventSelectors: selectors.EventSelectors?.length ? selectors.EventSelectors : null,
    advancedEventSelectors: selectors.AdvancedEventSelectors?.length ? selectors.AdvancedEventSelectors : null,
    managementEvents: { read: records(true), write: records(false), gap: managementEventGap(selectors) },
  };
}

function lifecycleRule(rule: LifecycleRule): NonNullable<BucketFacts["lifecycle"]>[number] {
  return {
    id: rule.ID ?? null,
    status: rule.Status ?? null,
    expirationDays: rule.Expiration?.Days ?? null,
    noncurrentDays: rule.NoncurrentVersionExpiration?.NoncurrentDays ?? null,
    prefix:
      rule.Filter?.Tag || rule.Filter?.And?.Tags?.length ? null : (rule.Filter?.Prefix ?? rule.Filter?.And?.Prefix ?? rule.Prefix ?? ""),
    expirationDate: rule.Expiration?.Date?.toISOString() ?? null,
  };
}

function blockFacts(p: BucketSettings["publicAccessBlock"]): BucketFacts["publicAccessBlock"] {
  return (
    p && {
      BlockPublicAcls: p.BlockPublicAcls ?? null,
      IgnorePublicAcls: p.IgnorePublicAcls ?? null,
      BlockPublicPolicy: p.BlockPublicPolicy ?? null,
      RestrictPublicBuckets: p.RestrictPublicBuckets ?? null,
    }
  );
}

function bucketFacts(bucket: BucketSettings, bucketArn: string): BucketFacts {
  return {
    name: bucket.bucket,
    arn: bucketArn,
    region: bucket.region,
    publicAccessBlock: blockFacts(bucket.publicAccessBlock),
    encryption:
      bucket.encryptionRules?.map((r) => ({
        SSEAlgorithm: r.ApplyServerSideEncryptionByDefault?.SSEAlgorithm ?? null,
        KMSMasterKeyID: r.ApplyServerSideEncryptionByDefault?.KMSMasterKeyID ?? null,
        BucketKeyEnabled: r.BucketKeyEnabled ?? null,
      })) ?? null,
    ownership: bucket.ownership,
    versioning: bucket.versioning,
    mfaDelete: bucket.mfaDelete,
    grants: bucket.grants.map(grantInWords),
    lifecycle: bucket.lifecycleRules?.map(lifecycleRule) ?? null,
    policy: bucket.policy,
    policyIsPublic: bucket.policyIsPublic,
    logging: bucket.logging,
  };
}

function accountFacts(facts: PostureFacts): AccountFacts {
  const block = facts.accountBlock;
  return {
    id: facts.trail.arn.split(":")[4] || null,
    publicAccessBlock: block.read ? blockFacts(block.config) : null,
    unread: block.read ? null : block.reason,
  };
}

export function judgedFacts(facts: PostureFacts): NonNullable<PostureReport["facts"]> {
  return {
    trail: trailFacts(facts),
    bucket: bucketFacts(facts.bucket, facts.bucketArn),
    buckets: facts.otherBuckets.map((b): BucketFacts & { role: BucketRole } => ({ ...bucketFacts(b.settings, b.arn), role: b.role })),
    unreadBuckets: facts.unreadBuckets,
    account: accountFacts(facts),
  };
}
