// `npm run report -- <evidence.json> [--out <file>]`: renders a lab run's evidence again as the
// self-contained HTML page, next to the evidence unless --out says where. The lab writes the same
// page itself (writeReport) at the end of every run.
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { TrailLabError } from "../../common/errors";
import { ExitCode } from "../../common/exit-codes";
import { EvidenceFileError } from "../errors";
import { REPORT_FILE, type LabReport } from "../evidence";
import { evidenceProblem } from "./evidence-check";
import { renderReportHtml } from "./html";

export const USAGE = "usage: npm run -s report -- <lab-runs/<stack>/evidence.json> [--out <file.html>]\n";

/** Writes the page whole or not at all, like the evidence beside it. */
export function writeReport(report: LabReport, file: string): string {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(`${file}.tmp`, renderReportHtml(report));
  fs.renameSync(`${file}.tmp`, file);
  return file;
}

function readEvidence(file: string): LabReport {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (error) {
    throw new Error(`Cannot read ${file}: ${(error as Error).message}. Pass the evidence.json a lab run wrote under lab-runs/<stack>/.`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new EvidenceFileError(file, `not JSON (${(error as Error).message})`);
  }
  // Checked before anything renders it: the page trusts the types of what it shows.
  const problem = evidenceProblem(parsed);
  if (problem) throw new EvidenceFileError(file, problem);
  return parsed as LabReport;
}

/** Returns the exit code; the page's path goes to stdout, problems to stderr. */
export function main(argv: string[], io: { stdout: (t: string) => void; stderr: (t: string) => void }): number {
  try {
    const { values, positionals } = parseArgs({ args: argv, options: { out: { type: "string" }, help: { type: "boolean", short: "h" } }, allowPositionals: true, strict: true });
    if (values.help) {
      io.stdout(USAGE);
      return ExitCode.Ok;
    }
    if (positionals.length !== 1) throw new Error(`Give exactly one evidence file.\n${USAGE}`);
    const evidence = positionals[0];
    const out = values.out ?? path.join(path.dirname(evidence), REPORT_FILE);
    io.stdout(`${writeReport(readEvidence(evidence), out)}\n`);
    return ExitCode.Ok;
  } catch (error) {
    io.stderr(`${error instanceof Error ? error.message : String(error)}\n`);
    return error instanceof TrailLabError ? error.exitCode : ExitCode.Usage;
  }
}

if (require.main === module) {
  process.exitCode = main(process.argv.slice(2), { stdout: (t) => process.stdout.write(t), stderr: (t) => process.stderr.write(t) });
}
