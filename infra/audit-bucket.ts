// AuditBucket: the S3 bucket a trail delivers to, locked down (Block Public Access, SSE-S3,
// owner-enforced, versioned, expiring) with the policy CloudTrail needs and nothing more.
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { auditBucketPolicy } from "./bucket-policy";

export interface AuditBucketArgs {
  /** Optional prefix of the generated bucket name; otherwise Pulumi names it `<name>-bucket-<random>`. */
  bucketPrefix?: string;
  partition: pulumi.Input<string>;
  accountId: pulumi.Input<string>;
  logPrefix?: string;
  /** ARN of the trail that may deliver; computed from its name, so bucket and trail form no cycle. */
  trailArn: pulumi.Input<string>;
  retentionDays: number;
  tags: Record<string, string>;
}

export class AuditBucket extends pulumi.ComponentResource {
  readonly bucket: aws.s3.Bucket;
  readonly policy: aws.s3.BucketPolicy;
  readonly bucketName: pulumi.Output<string>;

  constructor(name: string, args: AuditBucketArgs, opts?: pulumi.ComponentResourceOptions) {
    super("trail-lab:index:AuditBucket", name, {}, opts);
    const parent = { parent: this };

    this.bucket = new aws.s3.Bucket(
      `${name}-bucket`,
      {
        bucketPrefix: args.bucketPrefix,
        // Lets destroy empty the bucket of the logs and every version of them.
        forceDestroy: true,
        tags: args.tags,
      },
      parent,
    );
    const bucket = this.bucket.id;

    // S3 answers OperationAborted when one bucket's configurations change at the same time,
    // so each configuration waits for the one before it.
    const ownership = new aws.s3.BucketOwnershipControls(
      `${name}-ownership`,
      { bucket, rule: { objectOwnership: "BucketOwnerEnforced" } },
      parent,
    );
    const publicAccess = new aws.s3.BucketPublicAccessBlock(
      `${name}-public-access`,
      {
        bucket,
        blockPublicAcls: true,
        blockPublicPolicy: true,
        ignorePublicAcls: true,
        restrictPublicBuckets: true,
      },
      { ...parent, dependsOn: [ownership] },
    );
    const encryption = new aws.s3.BucketServerSideEncryptionConfiguration(
      `${name}-encryption`,
      { bucket, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }] },
      { ...parent, dependsOn: [publicAccess] },
    );
    const versioning = new aws.s3.BucketVersioning(
      `${name}-versioning`,
      { bucket, versioningConfiguration: { status: "Enabled" } },
      { ...parent, dependsOn: [encryption] },
    );
    const lifecycle = new aws.s3.BucketLifecycleConfiguration(
      `${name}-lifecycle`,
      {
        bucket,
        rules: [
          {
            id: "expire-audit-logs",
            status: "Enabled",
            filter: {},
            expiration: { days: args.retentionDays },
            noncurrentVersionExpiration: { noncurrentDays: args.retentionDays },
            abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
          },
        ],
      },
      { ...parent, dependsOn: [versioning] },
    );
    this.policy = new aws.s3.BucketPolicy(
      `${name}-policy`,
      {
        bucket,
        policy: pulumi
          .all([args.partition, this.bucket.bucket, args.accountId, args.trailArn])
          .apply(([partition, bucketName, accountId, trailArn]) =>
            JSON.stringify(auditBucketPolicy({ partition, bucketName, accountId, trailArn, logPrefix: args.logPrefix })),
          ),
      },
      { ...parent, dependsOn: [lifecycle] },
    );

    this.bucketName = this.bucket.bucket;
    this.registerOutputs({ bucketName: this.bucketName });
  }
}
