// Detections (optional, config detections; the lab turns it on for --drill): what tells a team
// that someone tampered with the trail or its bucket. Two EventBridge rules (the trail's
// configuration changes; the log bucket's policy, ACL, lifecycle and replication changes) publish
// to an SNS topic encrypted with a customer managed key, which is what a team subscribes to; an
// SQS queue subscribed to it is where the lab reads each alert back to prove delivery. With the
// trail delivering to CloudWatch Logs (config cloudWatchLogs), CIS's two metric filters and their
// alarms (Security Hub CloudWatch.5 and CloudWatch.8) notify the same topic.
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import {
  CIS_METRIC_FILTERS,
  alarmName,
  alertKeyPolicy,
  alertQueuePolicy,
  alertTopicPolicy,
  bucketChangePattern,
  metricNamespace,
  trailChangePattern,
} from "./detection-rules";

export interface DetectionsArgs {
  trailName: string;
  /** The log bucket whose policy, ACL, lifecycle and replication are watched. */
  bucketName: pulumi.Input<string>;
  partition: pulumi.Input<string>;
  region: pulumi.Input<string>;
  accountId: pulumi.Input<string>;
  /** The trail's CloudWatch Logs group: with it, the CIS metric filters and alarms; without, none. */
  logGroupName?: pulumi.Input<string>;
  tags: Record<string, string>;
}

/** How long an alert waits in the queue: a day is plenty for a lab run, and the queue goes with the stack. */
const QUEUE_RETENTION_SECONDS = 24 * 60 * 60;

export class Detections extends pulumi.ComponentResource {
  readonly key: aws.kms.Key;
  readonly topic: aws.sns.Topic;
  readonly queue: aws.sqs.Queue;
  readonly rules: aws.cloudwatch.EventRule[];
  readonly alarms: aws.cloudwatch.MetricAlarm[];

  constructor(name: string, args: DetectionsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("trail-lab:index:Detections", name, {}, opts);
    const parent = { parent: this };
    const { partition, region, accountId } = args;

    this.key = new aws.kms.Key(
      `${name}-key`,
      {
        description: "trail-lab: encrypts the alert topic of the trail's detections",
        enableKeyRotation: true,
        deletionWindowInDays: 7,
        policy: pulumi.all([partition, accountId]).apply(([p, a]) => JSON.stringify(alertKeyPolicy(p, a))),
        tags: args.tags,
      },
      parent,
    );
    this.topic = new aws.sns.Topic(`${name}-topic`, { kmsMasterKeyId: this.key.arn, tags: args.tags }, parent);
    const topicPolicy = new aws.sns.TopicPolicy(
      `${name}-topic-policy`,
      {
        arn: this.topic.arn,
        policy: pulumi
          .all([partition, region, accountId, this.topic.arn])
          .apply(([p, r, a, topicArn]) =>
            JSON.stringify(alertTopicPolicy({ partition: p, region: r, accountId: a, topicArn, trailName: args.trailName })),
          ),
      },
      parent,
    );

    this.queue = new aws.sqs.Queue(
      `${name}-queue`,
      { sqsManagedSseEnabled: true, messageRetentionSeconds: QUEUE_RETENTION_SECONDS, tags: args.tags },
      parent,
    );
    const queuePolicy = new aws.sqs.QueuePolicy(
      `${name}-queue-policy`,
      {
        queueUrl: this.queue.url,
        policy: pulumi
          .all([this.queue.arn, this.topic.arn])
          .apply(([queueArn, topicArn]) => JSON.stringify(alertQueuePolicy(queueArn, topicArn))),
      },
      parent,
    );
    // The envelope is kept (no raw delivery): its Timestamp is when SNS took the alert.
    new aws.sns.TopicSubscription(
      `${name}-queue-subscription`,
      { topic: this.topic.arn, protocol: "sqs", endpoint: this.queue.arn },
      // Until the queue lets the topic in, SNS would drop what it delivers.
      { parent: this, dependsOn: [queuePolicy] },
    );

    const rule = (part: string, description: string, pattern: pulumi.Input<string>) => {
      const created = new aws.cloudwatch.EventRule(
        `${name}-${part}`,
        // ENABLED matches every CloudTrail event but read-only management ones: these changes are all writes.
        { description, eventPattern: pattern, state: "ENABLED", tags: args.tags },
        parent,
      );
      new aws.cloudwatch.EventTarget(
        `${name}-${part}-target`,
        // No roleArn: EventBridge publishes to SNS under the topic's policy, and a role breaks KMS-encrypted targets.
        { rule: created.name, arn: this.topic.arn },
        { parent: this, dependsOn: [topicPolicy] },
      );
      return created;
    };
    this.rules = [
      rule(
        "trail-changes",
        "trail-lab: a trail's configuration changed (stopped, deleted, updated, selectors)",
        JSON.stringify(trailChangePattern()),
      ),
      rule(
        "bucket-changes",
        "trail-lab: the log bucket's policy, ACL, lifecycle or replication changed",
        pulumi.output(args.bucketName).apply((bucket) => JSON.stringify(bucketChangePattern(bucket))),
      ),
    ];

    const logGroupName = args.logGroupName;
    this.alarms = logGroupName
      ? CIS_METRIC_FILTERS.map((filter) => {
          const namespace = metricNamespace(args.trailName);
          new aws.cloudwatch.LogMetricFilter(
            `${name}-${filter.key}-filter`,
            { logGroupName, pattern: filter.pattern, metricTransformation: { name: filter.metricName, namespace, value: "1" } },
            parent,
          );
          return new aws.cloudwatch.MetricAlarm(
            `${name}-${filter.key}-alarm`,
            {
              name: alarmName(args.trailName, filter),
              alarmDescription: `trail-lab: CIS ${filter.cis["v1.4.0"]} (Security Hub ${filter.securityHub}) on trail ${args.trailName}`,
              namespace,
              metricName: filter.metricName,
              statistic: "Sum",
              period: 300,
              evaluationPeriods: 1,
              threshold: 1,
              comparisonOperator: "GreaterThanOrEqualToThreshold",
              // No events is no change: the alarm goes back to OK rather than to INSUFFICIENT_DATA.
              treatMissingData: "notBreaching",
              alarmActions: [this.topic.arn],
              tags: args.tags,
            },
            // CloudWatch checks that it may publish to the topic when the alarm fires, not when it is made; the order keeps it simple.
            { parent: this, dependsOn: [topicPolicy] },
          );
        })
      : [];

    this.registerOutputs({ topicArn: this.topic.arn, queueUrl: this.queue.url });
  }
}
