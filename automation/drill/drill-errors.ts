// The drill's named errors, on the common base: each says what happened and what to do next.
import { TrailLabError, UsageError } from "../../common/errors";
import { ExitCode } from "../../common/exit-codes";

/** The stack's state holds no trail or bucket by the name its outputs give: the drill touches nothing it cannot prove is the run's. */
export class DrillTargetError extends TrailLabError {
  constructor(
    readonly kind: "trail" | "bucket",
    readonly id: string,
    readonly stackName: string,
  ) {
    super(
      `The drill only touches the trail and bucket stack '${stackName}' created, and its state holds no ${kind} ${id} (the name its outputs give): ` +
        `nothing was changed. 'pulumi stack export --stack ${stackName}' shows what the state holds.`,
      ExitCode.AwsError,
    );
  }
}

/** The stack has no alert queue to read: its detections are off, so the drill could prove no alert. */
export class DetectionsMissingError extends TrailLabError {
  constructor(readonly stackName: string) {
    super(
      `Stack '${stackName}' has no alert queue (the output alertQueueUrl is null): the drill needs the detections, which --drill turns on ` +
        `with trail-lab:detections=true. Run the lab again with --drill, or set trail-lab:detections: "true" in Pulumi.dev.yaml.`,
      ExitCode.AwsError,
    );
  }
}

/** A revert that still failed after its retries: what is left changed, and the command that puts it right. */
export class DrillRevertError extends TrailLabError {
  constructor(
    readonly technique: string,
    readonly reason: string,
    readonly command: string,
    readonly destroyed: boolean,
  ) {
    super(
      `The drill could not put back what technique '${technique}' changed (${reason}). ` +
        (destroyed
          ? `The stack was destroyed afterwards, so nothing is left changed; had it been kept, this would put it right: ${command}`
          : `It is still changed: put it right with ${command}`),
      destroyed ? ExitCode.AwsError : ExitCode.CleanupIncomplete,
    );
  }
}

/** A technique list --drill does not know. */
export function unknownTechniqueError(name: string, known: readonly string[]): UsageError {
  return new UsageError(
    `--drill does not know the technique '${name}'; it takes a comma-separated list of ${known.join(", ")} (or nothing, for all of them).\n` +
      `Run 'trail-lab lab --help' for what each changes and how it is reverted.`,
  );
}
