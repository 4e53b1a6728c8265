// A command's process never ends with exit code 0 and no result. While the command's promise has
// not settled, process.exitCode is ExitCode.Unfinished, so that a process that ends early (its
// event loop emptied with the command still waiting on something that holds nothing open, as a
// verify once did behind its decode workers: issue #20) ends non-zero, and a `beforeExit` that
// finds the command unsettled says so on stderr. The command's own code is set by its caller once
// the promise settles, as before.
import { ExitCode } from "./exit-codes";

/** The part of `process` the guard uses (tests pass their own). */
export interface GuardedProcess {
  exitCode?: number | string | null | undefined;
  stderr: { write(text: string): unknown };
  once(event: "beforeExit", listener: () => void): unknown;
  off(event: "beforeExit", listener: () => void): unknown;
}

/** What stderr says when the process ends with the command unsettled. */
export function unfinishedMessage(command: string): string {
  return (
    `trail-lab ${command}: the process was ending before the command had its result, which is a defect in trail-lab: ` +
    `nothing was concluded. Run it again with --debug and report what it prints. Exit code ${ExitCode.Unfinished}.\n`
  );
}

/**
 * Runs `command` with the process's exit code held at ExitCode.Unfinished until it settles; then
 * gives the exit code back as it was (the caller sets the command's own).
 */
export async function guardUnfinished<T>(command: string, run: () => Promise<T>, proc: GuardedProcess = process): Promise<T> {
  const before = proc.exitCode;
  proc.exitCode = ExitCode.Unfinished;
  const onBeforeExit = () => {
    proc.stderr.write(unfinishedMessage(command));
    proc.exitCode = ExitCode.Unfinished;
  };
  proc.once("beforeExit", onBeforeExit);
  try {
    return await run();
  } finally {
    proc.off("beforeExit", onBeforeExit);
    proc.exitCode = before;
  }
}
