// TrailLogGroup (optional, config cloudWatchLogs): a CloudWatch Logs group the trail also delivers
// to, and the role CloudTrail assumes to write there (Security Hub CloudTrail.5). Off by default:
// ingestion is billed per GB, and the lab proves delivery through S3.
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";

export interface TrailLogGroupArgs {
  trailName: string;
  /** The account whose CloudTrail log streams (`<account>_CloudTrail_<region>`) the role may write. */
  accountId: pulumi.Input<string>;
  retentionDays: number;
  tags: Record<string, string>;
}

// CloudWatch Logs accepts only these retention periods.
const RETENTIONS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];

/** The shortest retention CloudWatch Logs allows that keeps events at least `days`. */
export function logGroupRetention(days: number): number {
  return RETENTIONS.find((r) => r >= days) ?? 3653;
}

export class TrailLogGroup extends pulumi.ComponentResource {
  readonly logGroup: aws.cloudwatch.LogGroup;
  readonly role: aws.iam.Role;
  /** What the trail needs: the group ARN with `:*`, and the role, once its policy is attached. */
  readonly groupArnForTrail: pulumi.Output<string>;
  readonly roleArn: pulumi.Output<string>;
  readonly ready: pulumi.Resource;

  constructor(name: string, args: TrailLogGroupArgs, opts?: pulumi.ComponentResourceOptions) {
    super("trail-lab:index:TrailLogGroup", name, {}, opts);
    const parent = { parent: this };

    this.logGroup = new aws.cloudwatch.LogGroup(
      `${name}-log-group`,
      { name: `/aws/cloudtrail/${args.trailName}`, retentionInDays: logGroupRetention(args.retentionDays), tags: args.tags },
      parent,
    );
    this.role = new aws.iam.Role(
      `${name}-role`,
      {
        description: "trail-lab: lets CloudTrail write the trail's events to CloudWatch Logs",
        // A plain service trust: AWS documents that the role CloudTrail assumes for CloudWatch Logs
        // does not support aws:SourceArn or aws:SourceAccount, and CreateTrail refuses a role that
        // carries them (InvalidCloudWatchLogsRoleArnException). The permissions policy scopes it.
        assumeRolePolicy: JSON.stringify({
          Version: "2012-10-17",
          Statement: [{ Effect: "Allow", Principal: { Service: "cloudtrail.amazonaws.com" }, Action: "sts:AssumeRole" }],
        }),
        tags: args.tags,
      },
      parent,
    );
    this.ready = new aws.iam.RolePolicy(
      `${name}-role-policy`,
      {
        role: this.role.id,
        policy: pulumi.all([this.logGroup.arn, args.accountId]).apply(([groupArn, accountId]) =>
          JSON.stringify({
            Version: "2012-10-17",
            Statement: [
              {
                Effect: "Allow",
                Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
                // CloudTrail names its streams <account>_CloudTrail_<region>, one per region it records.
                Resource: `${groupArn}:log-stream:${accountId}_CloudTrail_*`,
              },
            ],
          }),
        ),
      },
      parent,
    );
    this.groupArnForTrail = pulumi.interpolate`${this.logGroup.arn}:*`;
    this.roleArn = this.role.arn;
    this.registerOutputs({ logGroupName: this.logGroup.name, roleArn: this.roleArn });
  }
}
