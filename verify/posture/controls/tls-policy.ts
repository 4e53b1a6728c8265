// Whether a bucket policy refuses every request sent without TLS (Security Hub S3.5), decided by
// what the policy means rather than how it is written: some statement must Deny every S3 action
// (s3:* or *) to every principal, on the bucket and on its objects, whenever aws:SecureTransport
// is false, with no other condition narrowing it. NotPrincipal, NotAction and NotResource
// statements are not credited: their reach depends on everything else in the account.

import { everyone, globMatches, list, parsePolicy, type Statement } from "./policy-document";

function everyS3Action(action: unknown): boolean {
  return list(action).some((a) => typeof a === "string" && ["*", "s3:*"].includes(a.toLowerCase()));
}

function covers(resource: unknown, arn: string): boolean {
  return list(resource).some((r) => typeof r === "string" && globMatches(r, arn));
}

/** The condition is exactly Bool or BoolIfExists on aws:SecureTransport = false. */
function onlyWithoutTls(condition: unknown): boolean {
  if (!condition || typeof condition !== "object") return false;
  const entries = Object.entries(condition as Record<string, unknown>);
  if (entries.length !== 1) return false;
  const [operator, keys] = entries[0];
  if (!["bool", "boolifexists"].includes(operator.toLowerCase()) || !keys || typeof keys !== "object") return false;
  const pairs = Object.entries(keys as Record<string, unknown>);
  if (pairs.length !== 1 || pairs[0][0].toLowerCase() !== "aws:securetransport") return false;
  const values = list(pairs[0][1]);
  return values.length > 0 && values.every((v) => String(v).toLowerCase() === "false");
}

function deniesInsecureTransport(s: Statement, bucketArn: string): boolean {
  if (s.Effect !== "Deny" || s.NotPrincipal !== undefined || s.NotAction !== undefined || s.NotResource !== undefined) return false;
  return (
    everyone(s.Principal) &&
    everyS3Action(s.Action) &&
    covers(s.Resource, bucketArn) &&
    covers(s.Resource, `${bucketArn}/*`) &&
    onlyWithoutTls(s.Condition)
  );
}

export type TlsVerdict = { enforced: true; statement: Record<string, unknown> } | { enforced: false; reason: string };

/** `policy` is the policy document's text, null when the bucket has none. */
export function tlsOnlyVerdict(policy: string | null, bucketArn: string): TlsVerdict {
  const parsed = parsePolicy(policy);
  if ("problem" in parsed) return { enforced: false, reason: parsed.problem };
  const statement = parsed.statements.find((s) => deniesInsecureTransport(s, bucketArn));
  return statement
    ? { enforced: true, statement: statement as Record<string, unknown> }
    : {
        enforced: false,
        reason: "no statement denies s3:* to every principal on the bucket and its objects when aws:SecureTransport is false",
      };
}
