// TrailKey (optional, config kmsEncryption): a customer managed KMS key that encrypts the trail's
// log files (Security Hub CloudTrail.2), with the key policy CloudTrail documents. Off by default:
// a key costs USD 1 a month and cannot be deleted at once (7 days pending deletion).
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";

export interface TrailKeyArgs {
  partition: pulumi.Input<string>;
  accountId: pulumi.Input<string>;
  trailArn: pulumi.Input<string>;
  tags: Record<string, string>;
}

export function trailKeyPolicy(partition: string, accountId: string, trailArn: string): object {
  const trailContext = { "kms:EncryptionContext:aws:cloudtrail:arn": `arn:${partition}:cloudtrail:*:${accountId}:trail/*` };
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "Enable IAM user permissions",
        Effect: "Allow",
        Principal: { AWS: `arn:${partition}:iam::${accountId}:root` },
        Action: "kms:*",
        Resource: "*",
      },
      {
        Sid: "Allow CloudTrail to encrypt logs",
        Effect: "Allow",
        Principal: { Service: "cloudtrail.amazonaws.com" },
        Action: "kms:GenerateDataKey*",
        Resource: "*",
        Condition: { StringEquals: { "aws:SourceArn": trailArn }, StringLike: trailContext },
      },
      {
        Sid: "Allow CloudTrail to describe key",
        Effect: "Allow",
        Principal: { Service: "cloudtrail.amazonaws.com" },
        Action: "kms:DescribeKey",
        Resource: "*",
        Condition: { StringEquals: { "aws:SourceArn": trailArn } },
      },
      {
        Sid: "Allow principals in the account to decrypt log files",
        Effect: "Allow",
        Principal: { AWS: "*" },
        Action: ["kms:Decrypt", "kms:ReEncryptFrom"],
        Resource: "*",
        Condition: { StringEquals: { "kms:CallerAccount": accountId }, StringLike: trailContext },
      },
    ],
  };
}

export class TrailKey extends pulumi.ComponentResource {
  readonly key: aws.kms.Key;
  readonly keyArn: pulumi.Output<string>;

  constructor(name: string, args: TrailKeyArgs, opts?: pulumi.ComponentResourceOptions) {
    super("trail-lab:index:TrailKey", name, {}, opts);
    this.key = new aws.kms.Key(
      `${name}-key`,
      {
        description: "trail-lab: encrypts the audit trail's log files",
        enableKeyRotation: true,
        deletionWindowInDays: 7,
        policy: pulumi.all([args.partition, args.accountId, args.trailArn]).apply(([p, a, t]) => JSON.stringify(trailKeyPolicy(p, a, t))),
        tags: args.tags,
      },
      { parent: this },
    );
    this.keyArn = this.key.arn;
    this.registerOutputs({ keyArn: this.keyArn });
  }
}
