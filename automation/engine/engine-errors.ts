// The Pulumi engine's named errors, on the common base (common/errors.ts): a command that failed
// (with the failing resources when the engine's events named them), a stack another update holds,
// and a failed up, after which the run destroys what it created.
import { TrailLabError } from "../../common/errors";
import { ExitCode } from "../../common/exit-codes";
import { redactUrls } from "../../common/redact";
import { describeFailures, type EngineFailure } from "./engine-failures";
import { allHoldersGone, type ProcessProbe } from "./lock-holders";

/** The Pulumi engine failed a command (up, destroy, stack select, ...); `output` is its stderr. */
export class EngineError extends TrailLabError {
  constructor(
    readonly command: string,
    readonly output: string,
    hint?: string,
    /** The failing resources, from the engine's events; the message shows them instead of the output's tail. */
    readonly failures: readonly EngineFailure[] = [],
  ) {
    super(`pulumi ${command} failed${hint ? `: ${hint}` : ""}\n${cause(output, failures)}`, ExitCode.AwsError);
  }
}

export class StackLockedError extends TrailLabError {
  /**
   * Why each Pulumi holding the lock is gone for certain (lock-holders.ts), when every one the
   * backend names is; null when one may still run, or none is named (Pulumi Cloud).
   */
  readonly gone: string[] | null;

  /** `cancel` is the command that removes the lock, with the environment that reaches the same backend. */
  constructor(
    readonly stackName: string,
    readonly output: string,
    cancel: string,
    probe?: ProcessProbe,
  ) {
    const gone = allHoldersGone(output, probe);
    super(
      gone
        ? `Stack '${stackName}' is locked, and the lock is stale: ${gone.join("; ")}. Remove it with '${cancel}', ` +
            `then run 'npm run lab -- --cleanup ${stackName}'.`
        : `Stack '${stackName}' is locked by another update. If no other 'pulumi' or lab process is running, the lock is ` +
            `stale: remove it with '${cancel}' (it works on every backend), then run 'npm run lab -- --cleanup ${stackName}'.`,
      ExitCode.AwsError,
    );
    this.gone = gone;
  }
}

export class UpFailedError extends TrailLabError {
  constructor(
    readonly step: string,
    readonly output: string,
    readonly failures: readonly EngineFailure[] = [],
  ) {
    super(`pulumi up (${step}) failed; the stack will be destroyed.\n${cause(output, failures)}`, ExitCode.AwsError);
  }
}

/**
 * The run gave up waiting for a Pulumi command it had told to stop (its one SIGINT): the command
 * still runs, finishing the operations in flight, and exits by itself; until then it holds the
 * stack's lock. Killing it would leave those operations pending and the lock stale.
 */
export class LeftRunningError extends TrailLabError {
  constructor(
    readonly args: string[],
    readonly pid: number,
    /** Where it writes on: stdout and stderr. */
    readonly outputDir: string,
  ) {
    super(
      `pulumi ${args[0] ?? ""} (pid ${pid}) was left running when the run gave up: it heard one SIGINT, finishes the ` +
        `operations in flight and exits by itself, holding the stack's lock until then (its output: ${outputDir}). ` +
        `Let it end (do not kill it: its operations would stay pending), then remove what is left.`,
      ExitCode.CleanupIncomplete,
    );
  }
}

/**
 * Why an engine command failed, for a message: each failing resource and its provider's message
 * when the engine's events named them, else the output's last lines; a backend URL's secrets masked.
 */
function cause(output: string, failures: readonly EngineFailure[], lines = 15): string {
  if (failures.length > 0) return redactUrls(describeFailures(failures));
  const all = output.trimEnd().split("\n");
  return redactUrls(all.slice(-lines).join("\n"));
}
