// Writes a lab run's HTML report and, when posture ran, its findings beside it (OCSF, ASFF, CSV): the
// lab does so each time it keeps its evidence (run.ts), and `npm run report` again from an
// evidence.json (cli.ts).
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { provenance } from "../../common/provenance";
import { asffFindings, findingsCsv, ocsfFindings } from "../../verify";
import type { LabReport } from "../evidence";
import { labFindings, labFindingsContext } from "./findings";
import { renderReportHtml } from "./html";
import { checkRawObject, type RawObjectCheck } from "./raw-object";

/** The findings beside the page. */
export const OCSF_FILE = "findings.ocsf.json";
export const CSV_FILE = "findings.csv";
/** Ready for `aws securityhub batch-import-findings --findings file://findings.asff.json`. */
export const ASFF_FILE = "findings.asff.json";

/** Whole or not at all, like the evidence beside it. */
function writeWhole(file: string, text: string): void {
  fs.writeFileSync(`${file}.tmp`, text);
  fs.renameSync(`${file}.tmp`, file);
}

export interface ReportOptions {
  /**
   * The bytes of evidence.json as written, whose SHA-256 the page names; null names none.
   * @default the file `report.evidenceFile` names, read back from disk (none when it is not there)
   */
  evidenceBytes?: Buffer | null;
  /**
   * The kept raw log object hashed again (raw-object.ts), which the page shows beside the hash recorded.
   * @default checked beside the file `report.evidenceFile` names (where the evidence says, without one)
   */
  rawObject?: RawObjectCheck;
}

/**
 * Writes the page to `file`, and the findings (when posture ran) beside it: findings.ocsf.json,
 * findings.asff.json (when the run knows its account) and findings.csv. Returns the page's path.
 */
export function writeReport(report: LabReport, file: string, options: ReportOptions = {}): string {
  const dir = path.dirname(file);
  fs.mkdirSync(dir, { recursive: true });
  // The hash is of the file as it lies on disk, read back, not of a second serialisation.
  const bytes =
    options.evidenceBytes !== undefined
      ? options.evidenceBytes
      : report.evidenceFile && fs.existsSync(report.evidenceFile)
        ? fs.readFileSync(report.evidenceFile)
        : null;
  const producer = provenance();
  const rawObject = options.rawObject ?? checkRawObject(report, report.evidenceFile ? path.dirname(report.evidenceFile) : null);
  const evidenceSha256 = bytes ? createHash("sha256").update(bytes).digest("hex") : null;
  writeWhole(file, renderReportHtml(report, { provenance: producer, evidenceSha256, rawObject }));
  if (report.posture) {
    const findings = labFindings(report);
    const context = labFindingsContext(report, { name: producer.tool, version: producer.version });
    writeWhole(path.join(dir, OCSF_FILE), `${JSON.stringify(ocsfFindings(findings, context), null, 2)}\n`);
    writeWhole(path.join(dir, CSV_FILE), findingsCsv(findings, context));
    // ASFF names the account every finding belongs to: a run that never learnt it writes none.
    if (context.account) writeWhole(path.join(dir, ASFF_FILE), `${JSON.stringify(asffFindings(findings, context), null, 2)}\n`);
  }
  return file;
}
