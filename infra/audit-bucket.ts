// AuditBucket: the S3 bucket a trail delivers to, locked down (Block Public Access, SSE-S3,
// owner-enforced, versioned, expiring, access-logged) with the policy CloudTrail needs
// and nothing more.
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { auditBucketPolicy } from "./bucket-policy";
import { hardenBucket } from "./bucket-hardening";
import { AccessLogBucket } from "./access-log-bucket";

export interface AuditBucketArgs {
  /** Optional prefix of the generated bucket name; otherwise Pulumi names it `<name>-bucket-<random>`. */
  bucketPrefix?: string;
  partition: pulumi.Input<string>;
  accountId: pulumi.Input<string>;
  logPrefix?: string;
  /** ARN of the trail that may deliver; computed from its name, so bucket and trail form no cycle. */
  trailArn: pulumi.Input<string>;
  retentionDays: number;
  /** Log every request to the bucket into a second, equally hardened bucket. */
  accessLogging: boolean;
  tags: Record<string, string>;
}

export class AuditBucket extends pulumi.ComponentResource {
  readonly bucket: aws.s3.Bucket;
  readonly policy: aws.s3.BucketPolicy;
  readonly bucketName: pulumi.Output<string>;
  readonly accessLogBucket?: AccessLogBucket;

  constructor(name: string, args: AuditBucketArgs, opts?: pulumi.ComponentResourceOptions) {
    super("trail-lab:index:AuditBucket", name, {}, opts);

    this.bucket = new aws.s3.Bucket(
      `${name}-bucket`,
      {
        bucketPrefix: args.bucketPrefix,
        // Lets destroy empty the bucket of the logs and every version of them.
        forceDestroy: true,
        tags: args.tags,
      },
      { parent: this },
    );
    if (args.accessLogging) {
      this.accessLogBucket = new AccessLogBucket(
        `${name}-access-logs`,
        {
          sourceBucketName: this.bucket.bucket,
          partition: args.partition,
          accountId: args.accountId,
          retentionDays: args.retentionDays,
          tags: args.tags,
        },
        { parent: this },
      );
    }
    const target = this.accessLogBucket;
    this.policy = hardenBucket(
      name,
      {
        bucket: this.bucket,
        retentionDays: args.retentionDays,
        accessLogs: target && { bucket: target.bucketName, prefix: "audit-bucket/", targetReady: target.policy },
        policy: (bucketName) =>
          pulumi
            .all([args.partition, bucketName, args.accountId, args.trailArn])
            .apply(([partition, bucket, accountId, trailArn]) =>
              JSON.stringify(auditBucketPolicy({ partition, bucketName: bucket, accountId, trailArn, logPrefix: args.logPrefix })),
            ),
      },
      this,
    );

    this.bucketName = this.bucket.bucket;
    this.registerOutputs({ bucketName: this.bucketName, accessLogBucketName: target?.bucketName });
  }
}
