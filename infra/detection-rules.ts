// What the detections watch for and who may deliver an alert, as plain data: the EventBridge
// patterns for the trail's configuration changes and the log bucket's, the CIS metric filters
// (Security Hub CloudWatch.5 and CloudWatch.8) with their patterns exactly as CIS writes them, and
// the key, topic and queue policies the alert path needs. Pure, so tests read them and the drill's
// test world matches events against the very patterns the stack deploys.

/** The trail changes an attacker uses to blind a trail (what Stratus Red Team detonates, and UpdateTrail). */
export const TRAIL_CHANGE_EVENTS = ["StopLogging", "DeleteTrail", "UpdateTrail", "PutEventSelectors", "PutInsightSelectors"] as const;

/**
 * Changes to the log bucket's policy, ACL, lifecycle and replication, by their CloudTrail event
 * names: S3 records PutBucketLifecycleConfiguration as PutBucketLifecycle, and so on.
 */
export const BUCKET_CHANGE_EVENTS = [
  "PutBucketPolicy",
  "DeleteBucketPolicy",
  "PutBucketAcl",
  "PutBucketLifecycle",
  "DeleteBucketLifecycle",
  "PutBucketReplication",
  "DeleteBucketReplication",
] as const;

/** The detail-type EventBridge gives every API call CloudTrail records. */
export const CLOUDTRAIL_API_CALL = "AWS API Call via CloudTrail";

/** Any trail's configuration changes in the account: a trail changed is worth a look whoever owns it. */
export function trailChangePattern(): Record<string, unknown> {
  return {
    source: ["aws.cloudtrail"],
    "detail-type": [CLOUDTRAIL_API_CALL],
    detail: { eventSource: ["cloudtrail.amazonaws.com"], eventName: [...TRAIL_CHANGE_EVENTS] },
  };
}

/** The log bucket's policy, ACL, lifecycle and replication changes; other buckets are not this stack's concern. */
export function bucketChangePattern(bucketName: string): Record<string, unknown> {
  return {
    source: ["aws.s3"],
    "detail-type": [CLOUDTRAIL_API_CALL],
    detail: {
      eventSource: ["s3.amazonaws.com"],
      eventName: [...BUCKET_CHANGE_EVENTS],
      requestParameters: { bucketName: [bucketName] },
    },
  };
}

export interface CisMetricFilter {
  /** Part of the filter's, metric's and alarm's names. */
  key: "cloudtrail-changes" | "bucket-policy-changes";
  /** The Security Hub control that checks this filter and its alarm. */
  securityHub: "CloudWatch.5" | "CloudWatch.8";
  /** The CIS AWS Foundations Benchmark sections: v1.2.0 3.x, v1.4.0 and v3.0.0 4.x (v3.0.0 marks them Manual). */
  cis: { "v1.2.0": string; "v1.4.0": string; "v3.0.0": string };
  /**
   * The filter pattern, character for character as Security Hub prints it: the control fails when
   * the pattern is not CIS's exact one ("Additional fields or terms cannot be added").
   */
  pattern: string;
  /** The metric the filter counts into. */
  metricName: string;
}

/** CIS's two filters the drill's techniques trip: trail configuration changes and S3 bucket policy changes. */
export const CIS_METRIC_FILTERS: readonly CisMetricFilter[] = [
  {
    key: "cloudtrail-changes",
    securityHub: "CloudWatch.5",
    cis: { "v1.2.0": "3.5", "v1.4.0": "4.5", "v3.0.0": "4.5" },
    pattern:
      "{($.eventName=CreateTrail) || ($.eventName=UpdateTrail) || ($.eventName=DeleteTrail) || ($.eventName=StartLogging) || ($.eventName=StopLogging)}",
    metricName: "CloudTrailConfigChanges",
  },
  {
    key: "bucket-policy-changes",
    securityHub: "CloudWatch.8",
    cis: { "v1.2.0": "3.8", "v1.4.0": "4.8", "v3.0.0": "4.8" },
    pattern:
      "{($.eventSource=s3.amazonaws.com) && (($.eventName=PutBucketAcl) || ($.eventName=PutBucketPolicy) || ($.eventName=PutBucketCors) || " +
      "($.eventName=PutBucketLifecycle) || ($.eventName=PutBucketReplication) || ($.eventName=DeleteBucketPolicy) || " +
      "($.eventName=DeleteBucketCors) || ($.eventName=DeleteBucketLifecycle) || ($.eventName=DeleteBucketReplication))}",
    metricName: "S3BucketPolicyChanges",
  },
];

/** The namespace of the filters' metrics: one per trail, so that two stacks' alarms never count each other's events. */
export function metricNamespace(trailName: string): string {
  return `TrailLab/${trailName}`;
}

/** An alarm's name: known before the alarm exists, so the topic policy can name it. */
export function alarmName(trailName: string, filter: Pick<CisMetricFilter, "key">): string {
  return `${trailName}-${filter.key}`;
}

/**
 * The alert topic's key: the account administers it; EventBridge and CloudWatch alarms may use it
 * to publish to the encrypted topic. SNS documents that an AWS managed key (alias/aws/sns) does
 * not work for AWS services that publish: it needs a customer managed key with these grants.
 */
export function alertKeyPolicy(partition: string, accountId: string): object {
  const publisher = (service: string, sid: string) => ({
    Sid: sid,
    Effect: "Allow",
    Principal: { Service: service },
    Action: ["kms:GenerateDataKey*", "kms:Decrypt"],
    Resource: "*",
    Condition: { StringEquals: { "aws:SourceAccount": accountId } },
  });
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "EnableIamUserPermissions",
        Effect: "Allow",
        Principal: { AWS: `arn:${partition}:iam::${accountId}:root` },
        Action: "kms:*",
        Resource: "*",
      },
      publisher("events.amazonaws.com", "AllowEventBridgeToPublishToTheEncryptedTopic"),
      publisher("cloudwatch.amazonaws.com", "AllowCloudWatchAlarmsToPublishToTheEncryptedTopic"),
    ],
  };
}

export interface TopicPolicyArgs {
  partition: string;
  region: string;
  accountId: string;
  topicArn: string;
  /** The trail whose alarms may publish (alarmName's prefix). */
  trailName: string;
}

/**
 * Who may publish to the alert topic: EventBridge (without a condition: EventBridge's guide says
 * SNS topic policies for it cannot use Condition blocks), and this account's trail alarms. It
 * replaces SNS's default policy; the account's own principals keep their IAM grants.
 */
export function alertTopicPolicy(args: TopicPolicyArgs): object {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "AllowEventBridgeRulesToPublish",
        Effect: "Allow",
        Principal: { Service: "events.amazonaws.com" },
        Action: "sns:Publish",
        Resource: args.topicArn,
      },
      {
        Sid: "AllowTheTrailAlarmsToPublish",
        Effect: "Allow",
        Principal: { Service: "cloudwatch.amazonaws.com" },
        Action: "sns:Publish",
        Resource: args.topicArn,
        Condition: {
          ArnLike: { "aws:SourceArn": `arn:${args.partition}:cloudwatch:${args.region}:${args.accountId}:alarm:${args.trailName}-*` },
          StringEquals: { "aws:SourceAccount": args.accountId },
        },
      },
    ],
  };
}

/** The queue takes messages from the alert topic only. Version is written out: SQS may hang on a policy without it. */
export function alertQueuePolicy(queueArn: string, topicArn: string): object {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "AllowTheAlertTopicOnly",
        Effect: "Allow",
        Principal: { Service: "sns.amazonaws.com" },
        Action: "sqs:SendMessage",
        Resource: queueArn,
        Condition: { ArnEquals: { "aws:SourceArn": topicArn } },
      },
    ],
  };
}
