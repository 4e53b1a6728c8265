// Named errors of the verify room. Each carries the exit code of the one table (exit-codes.ts),
// a message that says what happened and what to do next, and the evidence gathered so far.
import { ExitCode } from "./exit-codes";
import type { VerifyEvidence } from "./types";

export class VerifyError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode,
    /** What was found before the error; null when nothing was checked yet. */
    readonly evidence: VerifyEvidence | null = null,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Bad options or flags. */
export class UsageError extends VerifyError {
  constructor(message: string) {
    super(message, ExitCode.Usage);
  }
}

export class TrailNotFoundError extends VerifyError {
  constructor(
    readonly trail: string,
    readonly region: string,
  ) {
    super(
      `Trail "${trail}" was not found in ${region}. Check the name or pass its full ARN with --trail, ` +
        `and --region (a trail is listed in its home region; pass the ARN to reach it from another).`,
      ExitCode.AwsError,
    );
  }
}

export class TrailNotLoggingError extends VerifyError {
  constructor(trailName: string, evidence: VerifyEvidence) {
    super(
      `Trail "${trailName}" is not logging, so nothing new reaches s3://${evidence.trail.bucket}. ` +
        `Start it with: aws cloudtrail start-logging --name ${evidence.trail.arn ?? trailName}`,
      ExitCode.CheckFailed,
      evidence,
    );
  }
}

export class TrailDeliveryError extends VerifyError {
  constructor(
    trailName: string,
    readonly deliveryError: string,
    evidence: VerifyEvidence,
  ) {
    super(
      `Trail "${trailName}" failed to deliver logs to s3://${evidence.trail.bucket}: ${deliveryError}` +
        `${evidence.trail.latestDeliveryTime ? ` (last successful delivery ${evidence.trail.latestDeliveryTime})` : ""}. ` +
        `Check that the bucket exists and that the bucket policy lets cloudtrail.amazonaws.com s3:PutObject under ` +
        `${evidence.trail.prefix ? `${evidence.trail.prefix}/` : ""}AWSLogs/ (and, for a KMS-encrypted trail, that the key policy allows CloudTrail).`,
      ExitCode.CheckFailed,
      evidence,
    );
  }
}

/** The caller's AbortSignal fired while waiting. */
export class VerifyAbortedError extends VerifyError {
  constructor(evidence: VerifyEvidence | null) {
    super("Verification was interrupted before it reached an answer.", ExitCode.Interrupted, evidence);
  }
}

/** AWS refused or failed a call (access denied, no such bucket, throttling past retries...). */
export class AwsCallError extends VerifyError {
  constructor(
    readonly operation: string,
    readonly awsCode: string,
    message: string,
    cause?: unknown,
  ) {
    super(`${operation} failed (${awsCode}): ${message}`, ExitCode.AwsError, null, { cause });
  }
}
