// A bucket policy document as posture reads it: parsed once, its statements listed, and IAM's
// wildcards. Shared by the TLS check (tls-policy.ts) and the request check (policy-request.ts).

export interface Statement {
  Sid?: unknown;
  Effect?: unknown;
  Principal?: unknown;
  NotPrincipal?: unknown;
  Action?: unknown;
  NotAction?: unknown;
  Resource?: unknown;
  NotResource?: unknown;
  Condition?: unknown;
}

/** A policy element that may be one value or a list, as a list. */
export const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : value === undefined ? [] : [value]);

/** IAM wildcards: `*` any run of characters, `?` one character; `caseless` for actions. */
export function globMatches(pattern: string, value: string, caseless = false): boolean {
  const source = pattern
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, ".*")
    .replace(/\?/g, ".");
  return new RegExp(`^${source}$`, caseless ? "is" : "s").test(value);
}

/** Principal "*" or {"AWS": "*"}: everyone. */
export function everyone(principal: unknown): boolean {
  if (principal === "*") return true;
  const aws = (principal as { AWS?: unknown } | null)?.AWS;
  return list(aws).includes("*");
}

export type ParsedPolicy = { statements: Statement[] } | { problem: string };

/** `policy` is the policy document's text, null when the bucket has none. */
export function parsePolicy(policy: string | null): ParsedPolicy {
  if (policy === null) return { problem: "the bucket has no policy" };
  try {
    const document = JSON.parse(policy) as { Statement?: unknown } | null;
    return { statements: list(document?.Statement).filter((s): s is Statement => !!s && typeof s === "object") };
  } catch {
    return { problem: "the bucket policy is not valid JSON" };
  }
}
