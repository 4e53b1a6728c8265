// AccessLogBucket: where S3 writes the audit bucket's server access logs, so that reads of the
// audit logs are themselves on record (CIS 3.6, Security Hub CloudTrail.7 / S3.9).
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { accessLogBucketPolicy } from "./bucket-policy";
import { hardenBucket } from "./bucket-hardening";

export interface AccessLogBucketArgs {
  /** Name of the bucket whose access is logged: the only source S3 may deliver logs for. */
  sourceBucketName: pulumi.Input<string>;
  partition: pulumi.Input<string>;
  accountId: pulumi.Input<string>;
  retentionDays: number;
  tags: Record<string, string>;
}

export class AccessLogBucket extends pulumi.ComponentResource {
  readonly bucket: aws.s3.Bucket;
  readonly policy: aws.s3.BucketPolicy;
  readonly bucketName: pulumi.Output<string>;

  constructor(name: string, args: AccessLogBucketArgs, opts?: pulumi.ComponentResourceOptions) {
    super("trail-lab:index:AccessLogBucket", name, {}, opts);

    this.bucket = new aws.s3.Bucket(`${name}-bucket`, { forceDestroy: true, tags: args.tags }, { parent: this });
    // Log delivery to a target bucket supports SSE-S3 only, so no KMS here.
    this.policy = hardenBucket(
      name,
      {
        bucket: this.bucket,
        retentionDays: args.retentionDays,
        policy: (bucketName) =>
          pulumi
            .all([args.partition, bucketName, args.sourceBucketName, args.accountId])
            .apply(([partition, bucket, sourceBucketName, accountId]) =>
              JSON.stringify(accessLogBucketPolicy({ partition, bucketName: bucket, sourceBucketName, accountId })),
            ),
      },
      this,
    );
    this.bucketName = this.bucket.bucket;
    this.registerOutputs({ bucketName: this.bucketName });
  }
}
