// The human table `npm run verify -- --posture` prints on stdout when --json is not given: one
// line per control, and under each failure the evidence and the fix.
import type { PostureReport } from "./types";

const MARK = { pass: "PASS", fail: "FAIL", "n/a": "N/A " } as const;

function evidenceLine(evidence: Record<string, unknown>): string {
  return Object.entries(evidence)
    .map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`)
    .join(", ");
}

export function postureSummary(report: PostureReport): string {
  const width = Math.max(...report.controls.map((c) => c.id.length));
  const lines: string[] = [];
  for (const c of report.controls) {
    lines.push(`${MARK[c.status]}  ${c.id.padEnd(width)}  ${c.title}`);
    if (c.status !== "pass") {
      lines.push(`      seen: ${evidenceLine(c.evidence)}`);
      if (c.fix) lines.push(`      fix:  ${c.fix}`);
    }
  }
  const count = (s: string) => report.controls.filter((c) => c.status === s).length;
  lines.push(`${count("pass")} pass, ${count("fail")} fail, ${count("n/a")} n/a`);
  return `${lines.join("\n")}\n`;
}
