// DataEventCanary (optional, config dataEvents): a small bucket whose object writes and reads the
// trail records as S3 data events, hardened as the audit bucket is, and the advanced event
// selectors that switch the trail to it: management events Read and Write as before, plus S3 data
// events for the canary's objects only. Off by default: data events are billed per 100,000
// delivered (the lab makes a handful).
//
// The audit bucket and its access-log bucket are never selected. A trail that logs data events on
// its own log bucket logs its own deliveries: each log file CloudTrail writes there is a PutObject,
// recorded in a later log file, whose delivery is another PutObject, for as long as the trail
// lives (one organization counted about 1.5 billion such events in three years). The access-log
// bucket closes the same loop one step removed: every delivery to the audit bucket makes S3 write
// an access log there. So the data-event selector names one bucket, the canary, by its ARN and a
// slash: without the slash a bucket whose name merely starts with the canary's would match too.
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { hardenBucket } from "./bucket-hardening";
import { tlsOnlyBucketPolicy } from "./bucket-policy";

/** One advanced event selector as the trail declares it (@pulumi/aws's TrailAdvancedEventSelector, plain values). */
export interface AdvancedEventSelector {
  name: string;
  fieldSelectors: { field: string; equals?: string[]; startsWiths?: string[] }[];
}

export const MANAGEMENT_SELECTOR_NAME = "Management events, Read and Write";
export const CANARY_SELECTOR_NAME = "S3 data events: the canary bucket's objects only";

/** `arn:<partition>:s3:::<bucket>/`: every object of that bucket, and of no other. */
export function bucketObjectsArnPrefix(partition: string, bucket: string): string {
  return `arn:${partition}:s3:::${bucket}/`;
}

/**
 * The trail's selectors with data events on. Advanced selectors replace the basic ones whole, so
 * the management events the trail records without any selector are written out first: no
 * readOnly field, hence Read and Write, every source.
 */
export function dataEventSelectors(canaryObjects: string): AdvancedEventSelector[] {
  return [
    { name: MANAGEMENT_SELECTOR_NAME, fieldSelectors: [{ field: "eventCategory", equals: ["Management"] }] },
    {
      name: CANARY_SELECTOR_NAME,
      fieldSelectors: [
        { field: "eventCategory", equals: ["Data"] },
        { field: "resources.type", equals: ["AWS::S3::Object"] },
        { field: "resources.ARN", startsWiths: [canaryObjects] },
      ],
    },
  ];
}

export interface DataEventCanaryArgs {
  partition: pulumi.Input<string>;
  /** Days before the canary's objects (and their old versions) expire. */
  retentionDays: number;
  tags: Record<string, string>;
}

export class DataEventCanary extends pulumi.ComponentResource {
  readonly bucket: aws.s3.Bucket;
  readonly policy: aws.s3.BucketPolicy;
  readonly bucketName: pulumi.Output<string>;
  /** The trail's advanced event selectors: management events as before, data events of this bucket's objects. */
  readonly trailSelectors: pulumi.Output<AdvancedEventSelector[]>;

  constructor(name: string, args: DataEventCanaryArgs, opts?: pulumi.ComponentResourceOptions) {
    super("trail-lab:index:DataEventCanary", name, {}, opts);

    // Lets destroy empty it of the lab's object and every version of it.
    this.bucket = new aws.s3.Bucket(`${name}-bucket`, { forceDestroy: true, tags: args.tags }, { parent: this });
    this.policy = hardenBucket(
      name,
      {
        bucket: this.bucket,
        retentionDays: args.retentionDays,
        // Only the account's own principals write and read here, through IAM.
        policy: (bucketName) => pulumi.all([args.partition, bucketName]).apply(([p, b]) => JSON.stringify(tlsOnlyBucketPolicy(p, b))),
      },
      this,
    );
    this.bucketName = this.bucket.bucket;
    this.trailSelectors = pulumi
      .all([args.partition, this.bucketName])
      .apply(([partition, bucket]) => dataEventSelectors(bucketObjectsArnPrefix(partition, bucket)));
    this.registerOutputs({ bucketName: this.bucketName });
  }
}
