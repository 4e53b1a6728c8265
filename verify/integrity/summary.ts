// The human summary of `npm run verify -- --integrity`, in the shape users know from
// `aws cloudtrail validate-logs`: the counts, then each failure with its key and reason.
import type { GapKind, IntegrityCount, IntegrityResult } from "./types";

const GAP_WORDS: Record<GapKind, string> = { missing: "digest missing", stopped: "logging stopped", recreated: "trail re-created" };

function count(c: IntegrityCount, what: string): string {
  const invalid = c.total - c.valid;
  return `${c.valid}/${c.total} ${what} valid${invalid > 0 ? `, ${invalid}/${c.total} ${what} INVALID` : ""}`;
}

export function integritySummary(result: IntegrityResult): string {
  const { trail, range } = result;
  const lines = [
    `${result.valid ? "VALID" : "NOT VALID"}: trail ${trail.arn ?? trail.name}, s3://${trail.bucket}/${trail.prefix ? `${trail.prefix}/` : ""}`,
    `Results requested for ${range.since} to ${range.until}`,
    result.covered
      ? `Results found for ${result.covered.from} to ${result.covered.to}:`
      : `No results found: ${result.reason ?? "no digest in range"}`,
    "",
    count(result.digests, "digest files"),
    count(result.logs, "log files"),
  ];
  if (result.reason && result.covered) lines.push(`Not valid: ${result.reason}`);
  if (result.failures.length > 0 || result.unchecked.length > 0 || result.gaps.length > 0) lines.push("");
  for (const f of result.failures) {
    lines.push(
      `${f.kind === "digest" ? "Digest" : "Log"} file s3://${f.bucket}/${f.key} INVALID: ${f.reason}${f.listedIn ? ` (${f.kind === "digest" ? "named by" : "listed in"} ${f.listedIn})` : ""}`,
    );
  }
  for (const u of result.unchecked) lines.push(`Digest file s3://${u.bucket}/${u.key} NOT CHECKED: ${u.reason}`);
  const oneAccount = result.accounts.length <= 1;
  for (const g of result.gaps) {
    const where = oneAccount ? g.region : `account ${g.account}, ${g.region}`;
    lines.push(`Gap (${GAP_WORDS[g.kind]}) in ${where} from ${g.from ?? "?"} to ${g.to ?? "?"}: ${g.reason}`);
    for (const e of g.events) lines.push(`  ${e.name} at ${e.time} by ${e.who ?? "an unknown caller"} (eventID ${e.eventId})`);
  }
  return `${lines.join("\n")}\n`;
}
