// The one exit-code table every trail-lab command uses (the README's "Exit codes" shows it to users).
export const ExitCode = {
  /** The check holds and, for the lab, cleanup completed. */
  Ok: 0,
  /** Checked, and the answer is no (event not found, trail not logging, invalid log, failing control). */
  CheckFailed: 1,
  /** Bad usage or a failed preflight. */
  Usage: 2,
  /** AWS refused or failed a call, or `up` failed, or the lab could not write its evidence. */
  AwsError: 3,
  /** Cleanup incomplete: something may still cost money. Wins over every other code. */
  CleanupIncomplete: 4,
  /**
   * The process ended before the command had its result (a defect: its event loop emptied while
   * the command still waited). Set while a command runs, so that such an end is never 0 (common/unfinished.ts).
   */
  Unfinished: 70,
  /** Interrupted (SIGINT, SIGTERM, or SIGHUP for the lab) and cleanup completed. */
  Interrupted: 130,
} as const;

export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];
