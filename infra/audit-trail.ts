// AuditTrail: the CloudTrail trail that records the account's management events, Read and Write
// (CloudTrail's default selection), into the audit bucket, with log file validation on.
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";

export interface AuditTrailArgs {
  trailName: string;
  bucketName: pulumi.Input<string>;
  logPrefix?: string;
  multiRegion: boolean;
  tags: Record<string, string>;
  /** The bucket policy: CloudTrail checks it when the trail is created (InsufficientS3BucketPolicyException). */
  bucketPolicy: pulumi.Resource;
  /** Encrypt log files with this KMS key (SSE-KMS) instead of the bucket's default. */
  kmsKeyArn?: pulumi.Input<string>;
  /**
   * Advanced event selectors (data-event-canary.ts, with trail-lab:dataEvents on); they replace
   * CloudTrail's default selection whole.
   * @default none: every management event, Read and Write
   */
  advancedEventSelectors?: pulumi.Input<aws.types.input.cloudtrail.TrailAdvancedEventSelector[]>;
  /** Also deliver to CloudWatch Logs; `ready` is the role's policy, which CloudTrail checks at create time. */
  cloudWatchLogs?: { groupArn: pulumi.Input<string>; roleArn: pulumi.Input<string>; ready: pulumi.Resource };
}

/** A trail's ARN from its parts, known before the trail exists, so the bucket policy can name it. */
export function trailArn(partition: string, region: string, accountId: string, trailName: string): string {
  return `arn:${partition}:cloudtrail:${region}:${accountId}:trail/${trailName}`;
}

export class AuditTrail extends pulumi.ComponentResource {
  readonly trail: aws.cloudtrail.Trail;
  readonly trailName: pulumi.Output<string>;
  readonly trailArn: pulumi.Output<string>;

  constructor(name: string, args: AuditTrailArgs, opts?: pulumi.ComponentResourceOptions) {
    super("trail-lab:index:AuditTrail", name, {}, opts);

    this.trail = new aws.cloudtrail.Trail(
      `${name}-trail`,
      {
        name: args.trailName,
        s3BucketName: args.bucketName,
        s3KeyPrefix: args.logPrefix,
        includeGlobalServiceEvents: true,
        isMultiRegionTrail: args.multiRegion,
        enableLogFileValidation: true,
        enableLogging: true,
        // No eventSelectors: a trail without them records every management event, Read and Write.
        // Written out, that default selector comes back from the provider as [], so every later
        // `pulumi up` or `preview` would show the trail as changed. Posture reads the selectors back.
        // Advanced selectors only with data events on; undefined leaves the inputs as without them.
        advancedEventSelectors: args.advancedEventSelectors,
        kmsKeyId: args.kmsKeyArn,
        cloudWatchLogsGroupArn: args.cloudWatchLogs?.groupArn,
        cloudWatchLogsRoleArn: args.cloudWatchLogs?.roleArn,
        tags: args.tags,
      },
      { parent: this, dependsOn: args.cloudWatchLogs ? [args.bucketPolicy, args.cloudWatchLogs.ready] : [args.bucketPolicy] },
    );

    this.trailName = this.trail.name;
    this.trailArn = this.trail.arn;
    this.registerOutputs({ trailName: this.trailName, trailArn: this.trailArn });
  }
}
