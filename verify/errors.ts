// Named errors of the verify room, on the common base (common/errors.ts): each also carries the
// evidence gathered before it, so that a check that stops early still shows what it found.
import { AwsCallError, TrailLabError } from "../common/errors";
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

export type ListingProblem = "repeated-token" | "truncated-without-token" | "too-many-pages";

const LISTING_CODE: Record<ListingProblem, string> = {
  "repeated-token": "RepeatedContinuationToken",
  "truncated-without-token": "TruncatedWithoutToken",
  "too-many-pages": "TooManyPages",
};

/** A folder listing that would never end, or would end early without saying so: exit 3, naming the folder. */
export class ListingError extends AwsCallError {
  constructor(
    readonly bucket: string,
    readonly prefix: string,
    readonly problem: ListingProblem,
    readonly pages: number,
  ) {
    const folder = `s3://${bucket}/${prefix}`;
    const what =
      problem === "repeated-token"
        ? `the listing of ${folder} never ends: page ${pages} answered with a continuation token already asked for, so the same pages would come back forever.`
        : problem === "truncated-without-token"
          ? `the listing of ${folder} stops early: page ${pages} says more keys follow (IsTruncated) but gives no continuation token to ask for them.`
          : `the listing of ${folder} goes on past ${pages} pages, far more than a CloudTrail folder holds; stopped there.`;
    super(
      "ListObjectsV2",
      LISTING_CODE[problem],
      `${what} The endpoint is not answering as S3 does: check AWS_ENDPOINT_URL_S3, or a proxy in between.`,
    );
  }
}

/** The deadline passed, with requests unanswered, before the check could look at any log. */
export class DeadlineExceededError extends VerifyError {
  constructor(phase: string, elapsedMs: number, evidence: VerifyEvidence | null) {
    super(
      `AWS did not answer in time: still ${phase} ${Math.round(elapsedMs / 1000)}s after the start, past the deadline (--timeout), so the requests in flight were aborted. ` +
        `Check the network path and the endpoints (AWS_ENDPOINT_URL*), then run again, or allow more time with --timeout.`,
      ExitCode.AwsError,
      evidence,
    );
  }
}

/**
 * A decode worker thread died while it held a log object (an uncaught error, out of memory, an
 * exit): the object was not searched, so the scan cannot say the event is not there. Exit 3, as
 * a failure to read the logs.
 */
export class DecodeWorkerError extends VerifyError {
  constructor(
    readonly key: string,
    readonly detail: string,
  ) {
    super(
      `The log decoder (a worker thread) stopped while decoding ${key}: ${detail}. That object was not searched. ` +
        `If this names memory (ERR_WORKER_OUT_OF_MEMORY), run with a lower --concurrency or on a machine with more memory; otherwise run again, and report it if it repeats.`,
      ExitCode.AwsError,
    );
  }
}
