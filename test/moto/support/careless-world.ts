// A bucket and trail set up by hand without care, in moto through the SDK: the world posture's
// moto suite (posture.test.ts, beside the project's servers) and Prowler's (test/prowler) judge.
import { CreateTrailCommand, PutEventSelectorsCommand, type CloudTrailClient } from "@aws-sdk/client-cloudtrail";
import {
  CreateBucketCommand,
  PutBucketOwnershipControlsCommand,
  PutBucketPolicyCommand,
  PutBucketVersioningCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { auditBucketPolicy } from "../../../infra/bucket-policy";
import { ACCOUNT } from "../../support/pulumi-program";

const REGION = "us-east-1";

/** A bucket and trail set up by hand without care; built the same way in moto and on the project's servers. */
export const CARELESS = {
  bucket: "careless-trail-logs-1",
  trail: "careless-trail",
  ownership: "ObjectWriter" as const,
  versioning: "Suspended" as const,
  selectors: [{ ReadWriteType: "WriteOnly" as const, IncludeManagementEvents: true, ExcludeManagementEventSources: ["kms.amazonaws.com"] }],
  /** CloudTrail's own statements (infra's), a public read, and a TLS deny that covers only the objects. */
  policy(): string {
    const trailArn = `arn:aws:cloudtrail:${REGION}:${ACCOUNT}:trail/${this.trail}`;
    const policy = auditBucketPolicy({ partition: "aws", bucketName: this.bucket, accountId: ACCOUNT, trailArn });
    const tls = policy.Statement.find((s) => s.Sid === "DenyInsecureTransport")!;
    tls.Resource = `arn:aws:s3:::${this.bucket}/*`;
    const publicRead = {
      Sid: "PublicRead",
      Effect: "Allow",
      Principal: "*",
      Action: "s3:GetObject",
      Resource: `arn:aws:s3:::${this.bucket}/*`,
    };
    return JSON.stringify({ ...policy, Statement: [...policy.Statement, publicRead] });
  },
};

/** The careless bucket (public read, TLS deny on objects only, ACLs kept, versioning suspended) and its single-region trail without validation. */
export async function carelessInMoto(s3: S3Client, cloudTrail: CloudTrailClient): Promise<void> {
  const Bucket = CARELESS.bucket;
  await s3.send(new CreateBucketCommand({ Bucket }));
  await s3.send(new PutBucketPolicyCommand({ Bucket, Policy: CARELESS.policy() }));
  await s3.send(new PutBucketOwnershipControlsCommand({ Bucket, OwnershipControls: { Rules: [{ ObjectOwnership: CARELESS.ownership }] } }));
  await s3.send(new PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status: "Enabled" } }));
  await s3.send(new PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status: CARELESS.versioning } }));
  await cloudTrail.send(
    new CreateTrailCommand({ Name: CARELESS.trail, S3BucketName: Bucket, IsMultiRegionTrail: false, EnableLogFileValidation: false }),
  );
  await cloudTrail.send(new PutEventSelectorsCommand({ TrailName: CARELESS.trail, EventSelectors: CARELESS.selectors }));
}
