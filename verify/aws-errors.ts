// Turning SDK errors into named errors whose message says what to do next.
import { awsErrorCode, awsErrorDetail, httpStatusOf } from "../common/aws-error-code";
import { AwsCallError, TrailLabError, UsageError } from "../common/errors";

const ACCESS_DENIED = new Set([
  "AccessDenied",
  "AccessDeniedException",
  "UnauthorizedOperation",
  "AllAccessDisabled",
  "KMS.AccessDeniedException",
]);
const THROTTLED = new Set(["ThrottlingException", "Throttling", "SlowDown", "TooManyRequestsException", "RequestLimitExceeded"]);
const BAD_CREDENTIALS = new Set([
  "InvalidAccessKeyId",
  "InvalidClientTokenId",
  "SignatureDoesNotMatch",
  "ExpiredToken",
  "ExpiredTokenException",
  "UnrecognizedClientException",
]);

/** The IAM action a caller needs for an SDK operation (S3 lists are authorised as ListBucket). */
const IAM_ACTION: Record<string, string> = {
  ListObjectsV2: "s3:ListBucket",
  GetObject: "s3:GetObject (and kms:Decrypt when the trail encrypts logs with KMS)",
  GetTrail: "cloudtrail:GetTrail",
  DescribeTrails: "cloudtrail:DescribeTrails",
  GetTrailStatus: "cloudtrail:GetTrailStatus",
  GetEventSelectors: "cloudtrail:GetEventSelectors",
  LookupEvents: "cloudtrail:LookupEvents",
  GetPublicAccessBlock: "s3:GetBucketPublicAccessBlock",
  GetBucketEncryption: "s3:GetEncryptionConfiguration",
  GetBucketPolicy: "s3:GetBucketPolicy",
  GetBucketPolicyStatus: "s3:GetBucketPolicyStatus",
  GetBucketVersioning: "s3:GetBucketVersioning",
  GetBucketOwnershipControls: "s3:GetBucketOwnershipControls",
  GetBucketLogging: "s3:GetBucketLogging",
  GetBucketLocation: "s3:GetBucketLocation",
  GetBucketLifecycleConfiguration: "s3:GetLifecycleConfiguration",
  GetBucketAcl: "s3:GetBucketAcl",
  GetAccountPublicAccessBlock: "s3:GetAccountPublicAccessBlock",
  GetWorkGroup: "athena:GetWorkGroup",
  ListPublicKeys: "cloudtrail:ListPublicKeys",
};

/** Codes a region answers with when the caller may not use it there (an SCP, an opt-in region not enabled). */
const REGION_REFUSED = new Set(["UnrecognizedClientException", "InvalidClientTokenId", "OptInRequired"]);

/** The call was refused (access denied, or the region is closed to the caller), not failed. */
export function isRefusal(err: unknown): boolean {
  const code = awsErrorCode(err);
  return ACCESS_DENIED.has(code) || REGION_REFUSED.has(code);
}

export function isThrottling(err: unknown): boolean {
  return THROTTLED.has(awsErrorCode(err));
}

/** S3 asked to slow down (503 SlowDown), or failed on its side (500, 502, 503, 504): worth another try, later. */
export function isBusy(err: unknown): boolean {
  const status = httpStatusOf(err);
  return isThrottling(err) || status === 500 || status === 502 || status === 503 || status === 504;
}

/**
 * A connection that broke or fell silent: reset (ECONNRESET, EPIPE), closed before the body ended
 * (premature close), timed out (the socket-idle timeout's TimeoutError), or carried what Node's
 * HTTP parser refused (HPE_*). Worth another try.
 */
const DROPPED = new Set(["ECONNRESET", "EPIPE", "ETIMEDOUT", "ECONNABORTED", "ERR_STREAM_PREMATURE_CLOSE", "TimeoutError"]);

export function isDroppedConnection(err: unknown): boolean {
  const code = String((err as { code?: unknown } | null)?.code);
  // HPE_*: what came back was not HTTP (stray bytes on a kept-alive connection, a garbled answer).
  return DROPPED.has(awsErrorCode(err)) || DROPPED.has(code) || code.startsWith("HPE_");
}

export function isAbort(err: unknown): boolean {
  return awsErrorCode(err) === "AbortError";
}

/**
 * The named error for a failed call on `target` (a bucket, key or trail, as the user knows it).
 * Errors that are already named, and aborts, pass through unchanged.
 */
export function toVerifyError(operation: string, target: string, err: unknown): unknown {
  if (err instanceof TrailLabError || isAbort(err)) return err;
  const code = awsErrorCode(err);
  const detail = awsErrorDetail(err);
  if (code === "CredentialsProviderError") {
    return new UsageError(
      `No AWS credentials were found (${detail}). Set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, then check with: aws sts get-caller-identity`,
    );
  }
  let advice: string;
  if (ACCESS_DENIED.has(code)) {
    advice = `access denied on ${target}. Grant the caller ${IAM_ACTION[operation] ?? operation} on it.`;
  } else if (code === "NoSuchBucket") {
    advice = `the bucket of ${target} does not exist. Check --bucket, or the trail's S3 bucket.`;
  } else if (THROTTLED.has(code)) {
    advice =
      code === "SlowDown"
        ? `S3 still asked to slow down on ${target} after retries. Run again in a minute, or with a lower --concurrency.`
        : `still throttled on ${target} after retries. Run again in a minute, or with a longer --interval.`;
  } else if (isDroppedConnection(err)) {
    advice = `the connection failed (${detail}) while reading ${target}, and again on each retry. Check the network path to AWS (a proxy, a VPC endpoint, AWS_ENDPOINT_URL*), then run again.`;
  } else if (BAD_CREDENTIALS.has(code)) {
    advice = `AWS refused the credentials (${detail}). Check AWS_PROFILE, or run: aws sts get-caller-identity`;
  } else {
    advice = `${detail} (on ${target}).`;
  }
  return new AwsCallError(operation, code, advice, err);
}
