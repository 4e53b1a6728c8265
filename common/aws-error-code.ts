// The service's error code of an AWS SDK v3 error (`name`, or `Code` on some S3 errors), for
// matching exceptions across services; "UnknownError" when the error carries none.
export function awsErrorCode(error: unknown): string {
  const e = error as { name?: unknown; Code?: unknown } | null;
  if (typeof e?.Code === "string") return e.Code;
  return typeof e?.name === "string" ? e.name : "UnknownError";
}
