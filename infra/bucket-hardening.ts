// The configuration chain every lab bucket gets: owner-enforced, Block Public Access on, default
// encryption (SSE-S3), versioning, expiry, optionally server access logging, then its policy. S3
// answers OperationAborted when one bucket's configurations change at the same time, so each
// waits for the one before it.
//
// Default encryption stays SSE-S3 even when the trail encrypts its logs with KMS: CloudTrail
// names the key on each log it writes, while digest files are written SSE-S3; a bucket default of
// SSE-KMS would make S3 ask the key for every digest and access log under an encryption context
// the CloudTrail key policy does not grant.
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";

export interface BucketHardeningArgs {
  bucket: aws.s3.Bucket;
  retentionDays: number;
  /** Server access logs of this bucket go to that bucket, under that prefix. */
  accessLogs?: { bucket: pulumi.Input<string>; prefix: string; targetReady: pulumi.Resource };
  /** The bucket policy, given the bucket's name. */
  policy: (bucketName: pulumi.Output<string>) => pulumi.Output<string>;
}

/** Creates the chain as children of `parent`, named `${name}-<part>`; returns the policy, the last link. */
export function hardenBucket(name: string, args: BucketHardeningArgs, parent: pulumi.Resource): aws.s3.BucketPolicy {
  const bucket = args.bucket.id;
  const after = (previous: pulumi.Resource) => ({ parent, dependsOn: [previous] });

  const ownership = new aws.s3.BucketOwnershipControls(
    `${name}-ownership`,
    { bucket, rule: { objectOwnership: "BucketOwnerEnforced" } },
    { parent },
  );
  const publicAccess = new aws.s3.BucketPublicAccessBlock(
    `${name}-public-access`,
    { bucket, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
    after(ownership),
  );
  const encryption = new aws.s3.BucketServerSideEncryptionConfiguration(
    `${name}-encryption`,
    { bucket, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }] },
    after(publicAccess),
  );
  const versioning = new aws.s3.BucketVersioning(
    `${name}-versioning`,
    { bucket, versioningConfiguration: { status: "Enabled" } },
    after(encryption),
  );
  let last: pulumi.Resource = new aws.s3.BucketLifecycleConfiguration(
    `${name}-lifecycle`,
    {
      bucket,
      rules: [
        {
          id: "expire-after-retention",
          status: "Enabled",
          filter: {},
          expiration: { days: args.retentionDays },
          noncurrentVersionExpiration: { noncurrentDays: args.retentionDays },
          abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
        },
      ],
    },
    after(versioning),
  );
  if (args.accessLogs) {
    last = new aws.s3.BucketLogging(
      `${name}-access-logging`,
      { bucket, targetBucket: args.accessLogs.bucket, targetPrefix: args.accessLogs.prefix },
      // The target's policy must let S3's log delivery in first.
      { parent, dependsOn: [last, args.accessLogs.targetReady] },
    );
  }
  return new aws.s3.BucketPolicy(`${name}-policy`, { bucket, policy: args.policy(args.bucket.bucket) }, after(last));
}
