// The benchmark's named errors, on the common base (common/errors.ts). Each carries the exit code
// of the one table and a message that says what happened and what to do next.
import { TrailLabError, UsageError } from "../common/errors";
import { ExitCode } from "../common/exit-codes";
import { helpHint } from "../common/flag-table";

/** Bad bench flags: the message, then where the flags are listed. */
export function benchUsageError(message: string): UsageError {
  return new UsageError(message.includes(helpHint("bench")) ? message : `${message}\n${helpHint("bench")}`);
}

/** The scan found something other than the one needle: the numbers would measure a broken scan. */
export class WrongAnswerError extends TrailLabError {
  constructor(path: string, expected: string, found: readonly string[]) {
    super(
      `${path} found [${found.join(", ")}] where the corpus holds exactly one matching record (${expected}); ` +
        `the throughput of a scan that misses or invents events means nothing. Regenerate with --fresh, and if it persists, ` +
        `the scanner (verify/event/match.ts) or the bench disagree on what matches.`,
      ExitCode.CheckFailed,
    );
  }
}

/** A measuring child process failed; its stderr is attached. Its calls go to the local S3 server, hence exit 3. */
export class ChildFailedError extends TrailLabError {
  constructor(what: string, detail: string) {
    super(`${what} failed: ${detail.trim().split("\n").slice(-10).join("\n")}`, ExitCode.AwsError);
  }
}

export class BenchInterruptedError extends TrailLabError {
  constructor() {
    super("Interrupted: the local S3 server and any child process were stopped; results.json was not written.", ExitCode.Interrupted);
  }
}
