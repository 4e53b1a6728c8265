// The base of every named error in trail-lab, and the two every room raises: bad usage and a
// failed AWS call. Each error carries its exit code from the one table (exit-codes.ts) and a
// message that says what happened and what to do next.
import { awsErrorCode, awsErrorDetail } from "./aws-error-code";
import { ExitCode } from "./exit-codes";

export class TrailLabError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Bad flags or options, or a failed preflight: exit 2. */
export class UsageError extends TrailLabError {
  constructor(message: string) {
    super(message, ExitCode.Usage);
  }
}

/** AWS refused or failed a call (access denied, no such bucket, throttling past retries...): exit 3. */
export class AwsCallError extends TrailLabError {
  constructor(
    readonly operation: string,
    readonly awsCode: string,
    message: string,
    cause?: unknown,
  ) {
    super(`${operation} failed (${awsCode}): ${message}`, ExitCode.AwsError, { cause });
  }

  /** The call's own error as the message, for callers with no better advice to give. */
  static of(operation: string, cause: unknown): AwsCallError {
    return new AwsCallError(operation, awsErrorCode(cause), awsErrorDetail(cause), cause);
  }
}

/**
 * One line for a log or a warning. A trail-lab error's message says all (its class name is the
 * code's, not the user's); another error's name is kept when it tells something: the AWS code of
 * an SDK exception (AccessDenied), or the kind of a JavaScript failure (TypeError).
 */
export function describe(error: unknown): string {
  if (error instanceof TrailLabError) return error.message;
  if (error instanceof Error)
    return error.name && error.name !== "Error" && !error.message.startsWith(error.name)
      ? `${error.name}: ${error.message}`
      : error.message;
  return String(error);
}
