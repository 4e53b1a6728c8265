// A bucket's configuration as S3 reports it (and where it lives), read in parallel. A setting that was never
// configured comes back as null (S3 answers it with a named "not found" error); any other
// refusal is an AwsCallError. The S3 client follows the bucket to its region.
import {
  GetBucketAclCommand,
  GetBucketEncryptionCommand,
  GetBucketLifecycleConfigurationCommand,
  GetBucketLocationCommand,
  GetBucketLoggingCommand,
  GetBucketOwnershipControlsCommand,
  GetBucketPolicyCommand,
  GetBucketPolicyStatusCommand,
  GetBucketVersioningCommand,
  GetPublicAccessBlockCommand,
  type Grant,
  type LifecycleRule,
  type PublicAccessBlockConfiguration,
  type S3Client,
  type ServerSideEncryptionRule,
} from "@aws-sdk/client-s3";
import { awsErrorCode } from "../../../common/aws-error-code";
import { toVerifyError } from "../../aws-errors";

export interface BucketSettings {
  bucket: string;
  /** GetBucketLocation's answer as a region name (an empty constraint is us-east-1, EU is eu-west-1). */
  region: string | null;
  publicAccessBlock: PublicAccessBlockConfiguration | null;
  encryptionRules: ServerSideEncryptionRule[] | null;
  /** The policy document's text. */
  policy: string | null;
  policyIsPublic: boolean | null;
  /** Enabled or Suspended; null when versioning was never turned on. */
  versioning: string | null;
  /** MFA delete (GetBucketVersioning's MFADelete): Enabled or Disabled; null when S3 does not say. */
  mfaDelete: string | null;
  /** The ACL's grants (GetBucketAcl); with ACLs disabled, only the owner's FULL_CONTROL. */
  grants: Grant[];
  /** BucketOwnerEnforced (ACLs disabled), BucketOwnerPreferred or ObjectWriter. */
  ownership: string | null;
  logging: { targetBucket: string; targetPrefix: string } | null;
  /** Null when the bucket has no lifecycle configuration. */
  lifecycleRules: LifecycleRule[] | null;
}

/** S3's legacy location constraints: none for us-east-1, EU for eu-west-1. */
function regionOf(constraint: string | undefined): string {
  if (!constraint) return "us-east-1";
  return constraint === "EU" ? "eu-west-1" : constraint;
}

async function unlessUnset<T>(operation: string, bucket: string, unsetCode: string, read: () => Promise<T>): Promise<T | null> {
  try {
    return await read();
  } catch (err) {
    if (awsErrorCode(err) === unsetCode) return null;
    throw toVerifyError(operation, `bucket ${bucket}`, err);
  }
}

export async function readBucketSettings(s3: S3Client, bucket: string, signal?: AbortSignal): Promise<BucketSettings> {
  const options = { abortSignal: signal };
  const Bucket = bucket;
  const [publicAccessBlock, encryption, policy, policyStatus, versioning, ownership, logging, location, lifecycle, acl] = await Promise.all(
    [
      unlessUnset("GetPublicAccessBlock", bucket, "NoSuchPublicAccessBlockConfiguration", () =>
        s3.send(new GetPublicAccessBlockCommand({ Bucket }), options),
      ),
      unlessUnset("GetBucketEncryption", bucket, "ServerSideEncryptionConfigurationNotFoundError", () =>
        s3.send(new GetBucketEncryptionCommand({ Bucket }), options),
      ),
      unlessUnset("GetBucketPolicy", bucket, "NoSuchBucketPolicy", () => s3.send(new GetBucketPolicyCommand({ Bucket }), options)),
      unlessUnset("GetBucketPolicyStatus", bucket, "NoSuchBucketPolicy", () =>
        s3.send(new GetBucketPolicyStatusCommand({ Bucket }), options),
      ),
      unlessUnset("GetBucketVersioning", bucket, "", () => s3.send(new GetBucketVersioningCommand({ Bucket }), options)),
      unlessUnset("GetBucketOwnershipControls", bucket, "OwnershipControlsNotFoundError", () =>
        s3.send(new GetBucketOwnershipControlsCommand({ Bucket }), options),
      ),
      unlessUnset("GetBucketLogging", bucket, "", () => s3.send(new GetBucketLoggingCommand({ Bucket }), options)),
      unlessUnset("GetBucketLocation", bucket, "", () => s3.send(new GetBucketLocationCommand({ Bucket }), options)),
      unlessUnset("GetBucketLifecycleConfiguration", bucket, "NoSuchLifecycleConfiguration", () =>
        s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket }), options),
      ),
      unlessUnset("GetBucketAcl", bucket, "", () => s3.send(new GetBucketAclCommand({ Bucket }), options)),
    ],
  );
  const target = logging?.LoggingEnabled;
  return {
    bucket,
    region: location ? regionOf(location.LocationConstraint) : null,
    publicAccessBlock: publicAccessBlock?.PublicAccessBlockConfiguration ?? null,
    encryptionRules: encryption?.ServerSideEncryptionConfiguration?.Rules ?? null,
    policy: policy?.Policy ?? null,
    policyIsPublic: policyStatus?.PolicyStatus?.IsPublic ?? null,
    versioning: versioning?.Status ?? null,
    mfaDelete: versioning?.MFADelete ?? null,
    grants: acl?.Grants ?? [],
    ownership: ownership?.OwnershipControls?.Rules?.[0]?.ObjectOwnership ?? null,
    logging: target?.TargetBucket ? { targetBucket: target.TargetBucket, targetPrefix: target.TargetPrefix ?? "" } : null,
    lifecycleRules: lifecycle?.Rules ?? null,
  };
}
