// The facts posture judged, as plain JSON for the report: the trail (description, status,
// selectors) and its bucket (every setting read), each value as AWS returned it. The controls read
// the SDK's own shapes; this is what a reader of the evidence sees of them.
import type { LifecycleRule } from "@aws-sdk/client-s3";
import type { PostureFacts } from "./controls";
import { managementEventGap } from "./management-events";
import type { BucketFacts, TrailFacts } from "./types";
import { selectorGap } from "../trail/event-selectors";

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
  };
}

function bucketFacts({ bucket, bucketArn }: PostureFacts): BucketFacts {
  const p = bucket.publicAccessBlock;
  return {
    name: bucket.bucket,
    arn: bucketArn,
    region: bucket.region,
    publicAccessBlock: p && {
      BlockPublicAcls: p.BlockPublicAcls ?? null,
      IgnorePublicAcls: p.IgnorePublicAcls ?? null,
      BlockPublicPolicy: p.BlockPublicPolicy ?? null,
      RestrictPublicBuckets: p.RestrictPublicBuckets ?? null,
    },
    encryption:
      bucket.encryptionRules?.map((r) => ({
        SSEAlgorithm: r.ApplyServerSideEncryptionByDefault?.SSEAlgorithm ?? null,
        KMSMasterKeyID: r.ApplyServerSideEncryptionByDefault?.KMSMasterKeyID ?? null,
        BucketKeyEnabled: r.BucketKeyEnabled ?? null,
      })) ?? null,
    ownership: bucket.ownership,
    versioning: bucket.versioning,
    lifecycle: bucket.lifecycleRules?.map(lifecycleRule) ?? null,
    policy: bucket.policy,
    policyIsPublic: bucket.policyIsPublic,
    logging: bucket.logging,
  };
}

export function judgedFacts(facts: PostureFacts): { trail: TrailFacts; bucket: BucketFacts } {
  return { trail: trailFacts(facts), bucket: bucketFacts(facts) };
}
