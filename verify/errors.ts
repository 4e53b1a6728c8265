// Named errors of the verify room, on the common base (common/errors.ts): each also carries the
// evidence gathered before it, so that a check that stops early still shows what it found.
import { TrailLabError } from "../common/errors";
import { ExitCode } from "../common/exit-codes";
import type { VerifyEvidence } from "./event/types";

export class VerifyError extends TrailLabError {
  constructor(
    message: string,
    exitCode: ExitCode,
    /** What was found before the error; null when nothing was checked yet. */
    readonly evidence: VerifyEvidence | null = null,
    options?: ErrorOptions,
  ) {
    super(message, exitCode, options);
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
