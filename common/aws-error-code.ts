// The service's error code of an AWS SDK v3 error (`name`, or `Code` on some S3 errors), for
// matching exceptions across services. When the SDK could not read a code (an answer without an
// error body, a proxy's bare 404), the code is named from the HTTP status; a dropped connection
// is named by Node's own code (ECONNRESET, ERR_STREAM_PREMATURE_CLOSE). "UnknownError" only when
// the error carries none of these.
import { STATUS_CODES } from "node:http";

/** Names the SDK gives an error whose code it could not read, or plain JavaScript errors. */
const GENERIC = new Set(["Error", "Unknown", "UnknownError"]);

interface ErrorShape {
  name?: unknown;
  Code?: unknown;
  code?: unknown;
  message?: unknown;
  $metadata?: { httpStatusCode?: unknown };
  $response?: { statusCode?: unknown };
}

/** The HTTP status the error arrived with, or null when it did not come from an HTTP answer. */
export function httpStatusOf(error: unknown): number | null {
  const e = error as ErrorShape | null;
  const status = e?.$metadata?.httpStatusCode ?? e?.$response?.statusCode;
  return typeof status === "number" && status > 0 ? status : null;
}

/** `NotFound` for 404, `ServiceUnavailable` for 503, `HTTP599` for a status Node has no name for. */
function statusCode(status: number): string {
  const phrase = STATUS_CODES[status];
  return phrase ? phrase.replace(/[^A-Za-z]/g, "") : `HTTP${status}`;
}

export function awsErrorCode(error: unknown): string {
  const e = error as ErrorShape | null;
  if (typeof e?.Code === "string" && !GENERIC.has(e.Code)) return e.Code;
  if (typeof e?.name === "string" && !GENERIC.has(e.name)) return e.name;
  if (typeof e?.code === "string") return e.code;
  const status = httpStatusOf(error);
  if (status !== null) return statusCode(status);
  return typeof e?.name === "string" ? e.name : "UnknownError";
}

/**
 * The error's message for a person; when the SDK had no message to give (it says "UnknownError"
 * for an answer without an error body), what the answer was instead: `HTTP 404 (Not Found) with no error body`.
 */
export function awsErrorDetail(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const status = httpStatusOf(error);
  if (status !== null && (message === "" || GENERIC.has(message)))
    return `HTTP ${status} (${STATUS_CODES[status] ?? "no reason phrase"}) with no error body`;
  return message;
}
