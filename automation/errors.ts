// The lab's named errors, on the common base (common/errors.ts). Each carries the exit code of the
// one table and a message that says what happened and what to do next. The engine's own errors
// (a failed pulumi command, a locked stack) are engine/engine-errors.ts's.
import { REGION_HINT } from "../common/aws-config";
import { TrailLabError, UsageError } from "../common/errors";
import { ExitCode } from "../common/exit-codes";
import { helpHint } from "../common/flag-table";

/** Bad lab flags: the message, then where the flags are listed. */
export function labUsageError(message: string): UsageError {
  return new UsageError(`${message}\n${helpHint("lab")}`);
}

export const PULUMI_INSTALL_HINT =
  "Install the Pulumi CLI (https://www.pulumi.com/docs/iac/download-install/): " +
  "'curl -fsSL https://get.pulumi.com | sh' on Linux or macOS, or 'brew install pulumi/tap/pulumi', " +
  "then open a new shell so that 'pulumi version' works, and run the lab again.";

export class MissingToolError extends TrailLabError {
  constructor(
    readonly tool: string,
    hint: string,
  ) {
    super(`The '${tool}' command was not found on PATH; the lab needs it to create and destroy the stack.\n${hint}`, ExitCode.Usage);
  }
}

export class NoCredentialsError extends TrailLabError {
  constructor(readonly reason: string) {
    super(
      `No usable AWS credentials (${reason}). Configure them as for the AWS CLI: 'aws configure', ` +
        `'aws sso login --profile <p>' with AWS_PROFILE=<p>, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY; ` +
        `'aws sts get-caller-identity' must work before the lab can run.`,
      ExitCode.Usage,
    );
  }
}

export class NoRegionError extends TrailLabError {
  constructor() {
    super(`No AWS region: ${REGION_HINT}; or set aws:region in Pulumi.dev.yaml, the lab's default.`, ExitCode.Usage);
  }
}

export class NoDefaultVpcError extends TrailLabError {
  constructor(readonly region: string) {
    super(
      `Region ${region} has no default VPC, so the probe instance has nowhere to launch. Either set ` +
        `'trail-lab:subnetId: subnet-...' in Pulumi.dev.yaml to a subnet of yours, or create the default VPC ` +
        `with 'aws ec2 create-default-vpc --region ${region}', or pass --region with a region that has one.`,
      ExitCode.Usage,
    );
  }
}

export interface ConflictingTrail {
  name: string;
  arn: string;
  homeRegion: string | null;
  multiRegion: boolean;
  /** The lab stack that created it, from the stack tag, when it is a lab trail. */
  labStack: string | null;
}

export class TrailConflictError extends TrailLabError {
  constructor(
    readonly trail: ConflictingTrail,
    region: string,
  ) {
    const where = trail.multiRegion
      ? `a multi-region trail (home region ${trail.homeRegion ?? "unknown"}) holds the name in every region`
      : `it lives in ${trail.homeRegion ?? region}`;
    const fix = trail.labStack
      ? `It was left by lab stack '${trail.labStack}': remove it with 'npm run lab -- --cleanup ${trail.labStack}'`
      : `It is not a lab trail, so the lab will not touch it`;
    super(
      `A trail named '${trail.name}' already exists (${trail.arn}); ${where}, and trail names are unique per region. ` +
        `${fix}, or give the lab another name with 'trail-lab:trailName: <name>' in Pulumi.dev.yaml.`,
      ExitCode.Usage,
    );
  }
}

export class TrailNotLoggingInTimeError extends TrailLabError {
  constructor(
    readonly trail: string,
    readonly waitedMs: number,
    readonly deliveryError: string | null,
  ) {
    super(
      `Trail '${trail}' did not report IsLogging within ${Math.round(waitedMs / 1000)} s` +
        `${deliveryError ? ` (latest delivery error: ${deliveryError})` : ""}; check the bucket policy and the trail in the console.`,
      ExitCode.CheckFailed,
    );
  }
}

export class InterruptedError extends TrailLabError {
  constructor(readonly signal: string) {
    super(`Interrupted by ${signal}.`, ExitCode.Interrupted);
  }
}

/**
 * The run's record could not be written (a file named lab-runs, a read-only checkout, a full disk,
 * a record JSON cannot hold). Exit 3, the code of a run that could not do its job for a reason
 * other than the check's answer: the verdict stands unrecorded, so it must not read as 0 or 1.
 */
export class EvidenceNotWrittenError extends TrailLabError {
  constructor(
    readonly file: string,
    readonly reason: string,
  ) {
    super(
      `The run's evidence was not written to ${file} (${reason}); cleanup went on regardless. ` +
        `With --json the whole record is on stdout; make lab-runs/ a writable folder for the next run.`,
      ExitCode.AwsError,
    );
  }
}

/** `npm run report` was given a file that cannot be read, is not JSON, or does not fit the LabReport type. */
export class EvidenceFileError extends TrailLabError {
  constructor(
    readonly file: string,
    readonly problem: string,
  ) {
    super(
      `${file} is not a lab run's evidence: ${problem}. Pass the evidence.json a lab run wrote under lab-runs/<stack>/.`,
      ExitCode.Usage,
    );
  }
}
