// The lab's named errors. Each carries the exit code of the one table (verify/exit-codes.ts) and a
// message that says what happened and what to do next.
import { ExitCode } from "../verify/exit-codes";

export class LabError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class UsageError extends LabError {
  constructor(message: string) {
    super(`${message}\nRun 'npm run lab -- --help' for the flags.`, ExitCode.Usage);
  }
}

export const PULUMI_INSTALL_HINT =
  "Install the Pulumi CLI (https://www.pulumi.com/docs/iac/download-install/): " +
  "'curl -fsSL https://get.pulumi.com | sh' on Linux or macOS, or 'brew install pulumi/tap/pulumi', " +
  "then open a new shell so that 'pulumi version' works, and run the lab again.";

export class MissingToolError extends LabError {
  constructor(readonly tool: string, hint: string) {
    super(`The '${tool}' command was not found on PATH; the lab needs it to create and destroy the stack.\n${hint}`, ExitCode.Usage);
  }
}

export class NoCredentialsError extends LabError {
  constructor(readonly reason: string) {
    super(
      `No usable AWS credentials (${reason}). Configure them as for the AWS CLI: 'aws configure', ` +
        `'aws sso login --profile <p>' with AWS_PROFILE=<p>, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY; ` +
        `'aws sts get-caller-identity' must work before the lab can run.`,
      ExitCode.Usage,
    );
  }
}

export class NoRegionError extends LabError {
  constructor() {
    super(
      "No AWS region: pass --region <region>, set aws:region in Pulumi.dev.yaml, or set AWS_REGION.",
      ExitCode.Usage,
    );
  }
}

export class NoDefaultVpcError extends LabError {
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

export class TrailConflictError extends LabError {
  constructor(readonly trail: ConflictingTrail, region: string) {
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

export class AwsCallError extends LabError {
  constructor(readonly operation: string, override readonly cause: unknown) {
    super(`AWS ${operation} failed: ${describe(cause)}`, ExitCode.AwsError);
  }
}

/** The Pulumi engine failed a command (up, destroy, stack select, ...); `output` is its stderr. */
export class EngineError extends LabError {
  constructor(readonly command: string, readonly output: string, hint?: string) {
    super(`pulumi ${command} failed${hint ? `: ${hint}` : ""}\n${tail(output)}`, ExitCode.AwsError);
  }
}

export class StackLockedError extends LabError {
  constructor(readonly stackName: string, readonly output: string) {
    const stack = stackName;
    super(
      `Stack '${stack}' is locked by another update. If no other 'pulumi' or lab process is running, the lock is ` +
        `stale: run 'pulumi cancel --stack ${stack}' (Pulumi Cloud) or 'pulumi stack --stack ${stack}' with the same ` +
        `backend to see the lock, remove it, then run 'npm run lab -- --cleanup ${stack}'.`,
      ExitCode.AwsError,
    );
  }
}

export class UpFailedError extends LabError {
  constructor(readonly step: string, readonly output: string) {
    super(`pulumi up (${step}) failed; the stack will be destroyed.\n${tail(output)}`, ExitCode.AwsError);
  }
}

export class TrailNotLoggingInTimeError extends LabError {
  constructor(readonly trail: string, readonly waitedMs: number, readonly deliveryError: string | null) {
    super(
      `Trail '${trail}' did not report IsLogging within ${Math.round(waitedMs / 1000)} s` +
        `${deliveryError ? ` (latest delivery error: ${deliveryError})` : ""}; check the bucket policy and the trail in the console.`,
      ExitCode.CheckFailed,
    );
  }
}

export class InterruptedError extends LabError {
  constructor(readonly signal: string) {
    super(`Interrupted by ${signal}.`, ExitCode.Interrupted);
  }
}

export function describe(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

function tail(output: string, lines = 15): string {
  const all = output.trimEnd().split("\n");
  return all.slice(-lines).join("\n");
}
