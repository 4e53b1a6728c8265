// The lab's bucket policy documents. The audit bucket's: exactly the two statements CloudTrail documents for a
// trail's bucket, both scoped to one trail by aws:SourceArn, plus a deny of any request sent
// without TLS. The access-log bucket's: S3's log delivery from the audit bucket only. Pure, so
// tests can read and simulate them.

export interface BucketPolicyArgs {
  partition: string;
  bucketName: string;
  accountId: string;
  /** The trail's key prefix, without slashes at either end; undefined when the trail has none. */
  logPrefix?: string;
  /** ARN of the only trail allowed to deliver. */
  trailArn: string;
}

export interface PolicyStatement {
  Sid: string;
  Effect: "Allow" | "Deny";
  Principal: { Service: string } | "*";
  Action: string | string[];
  Resource: string | string[];
  Condition: Record<string, Record<string, string>>;
}

export interface PolicyDocument {
  Version: "2012-10-17";
  Statement: PolicyStatement[];
}

/** `[prefix/]AWSLogs/<account>/`: where the trail writes its logs and digests. */
export function logRoot(accountId: string, logPrefix?: string): string {
  return `${logPrefix ? `${logPrefix}/` : ""}AWSLogs/${accountId}/`;
}

export function auditBucketPolicy(args: BucketPolicyArgs): PolicyDocument {
  const bucketArn = `arn:${args.partition}:s3:::${args.bucketName}`;
  const fromThisTrail = { "aws:SourceArn": args.trailArn };
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "AWSCloudTrailAclCheck20150319",
        Effect: "Allow",
        Principal: { Service: "cloudtrail.amazonaws.com" },
        Action: "s3:GetBucketAcl",
        Resource: bucketArn,
        Condition: { StringEquals: fromThisTrail },
      },
      {
        Sid: "AWSCloudTrailWrite20150319",
        Effect: "Allow",
        Principal: { Service: "cloudtrail.amazonaws.com" },
        Action: "s3:PutObject",
        Resource: `${bucketArn}/${logRoot(args.accountId, args.logPrefix)}*`,
        Condition: {
          StringEquals: { "s3:x-amz-acl": "bucket-owner-full-control", ...fromThisTrail },
        },
      },
      denyInsecureTransport(bucketArn),
    ],
  };
}

export interface AccessLogPolicyArgs {
  partition: string;
  /** The bucket receiving server access logs. */
  bucketName: string;
  /** The bucket whose access is logged. */
  sourceBucketName: string;
  accountId: string;
}

/** The policy S3 documents for a server-access-log target with ACLs disabled, plus the TLS deny. */
export function accessLogBucketPolicy(args: AccessLogPolicyArgs): PolicyDocument {
  const bucketArn = `arn:${args.partition}:s3:::${args.bucketName}`;
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "S3ServerAccessLogsPolicy",
        Effect: "Allow",
        Principal: { Service: "logging.s3.amazonaws.com" },
        Action: "s3:PutObject",
        Resource: `${bucketArn}/*`,
        Condition: {
          ArnLike: { "aws:SourceArn": `arn:${args.partition}:s3:::${args.sourceBucketName}` },
          StringEquals: { "aws:SourceAccount": args.accountId },
        },
      },
      denyInsecureTransport(bucketArn),
    ],
  };
}

function denyInsecureTransport(bucketArn: string): PolicyStatement {
  return {
    Sid: "DenyInsecureTransport",
    Effect: "Deny",
    Principal: "*",
    Action: "s3:*",
    Resource: [bucketArn, `${bucketArn}/*`],
    Condition: { Bool: { "aws:SecureTransport": "false" } },
  };
}

/** A bucket only the account's own principals use: the TLS deny alone, IAM grants the rest. */
export function tlsOnlyBucketPolicy(partition: string, bucketName: string): PolicyDocument {
  return { Version: "2012-10-17", Statement: [denyInsecureTransport(`arn:${partition}:s3:::${bucketName}`)] };
}
