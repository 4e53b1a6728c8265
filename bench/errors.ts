// The benchmark's named errors. Each carries the exit code of the one table (verify/exit-codes.ts)
// and a message that says what happened and what to do next.
import { ExitCode } from "../verify/exit-codes";

export class BenchError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

export class BenchUsageError extends BenchError {
  constructor(message: string) {
    super(`${message}\nRun 'npm run bench -- --help' for the flags.`, ExitCode.Usage);
  }
}

/** The scan found something other than the one needle: the numbers would measure a broken scan. */
export class WrongAnswerError extends BenchError {
  constructor(path: string, expected: string, found: readonly string[]) {
    super(
      `${path} found [${found.join(", ")}] where the corpus holds exactly one matching record (${expected}); ` +
        `the throughput of a scan that misses or invents events means nothing. Regenerate with --fresh, and if it persists, ` +
        `the scanner (verify/match.ts) or the bench disagree on what matches.`,
      ExitCode.CheckFailed,
    );
  }
}

/** A measuring child process failed; its stderr is attached. Its calls go to the local S3 server, hence exit 3. */
export class ChildFailedError extends BenchError {
  constructor(what: string, detail: string) {
    super(`${what} failed: ${detail.trim().split("\n").slice(-10).join("\n")}`, ExitCode.AwsError);
  }
}

export class BenchInterruptedError extends BenchError {
  constructor() {
    super("Interrupted: the local S3 server and any child process were stopped; results.json was not written.", ExitCode.Interrupted);
  }
}
