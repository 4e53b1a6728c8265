// `trail-lab report <evidence.json> [--out <file>]` (`npm run report`): renders a lab run's evidence again as the
// self-contained HTML page, next to the evidence unless --out says where, with the posture
// findings beside it as OCSF Compliance Findings, ASFF and CSV. The lab writes the same files itself
// (write.ts's writeReport) each time it keeps its evidence.
import * as fs from "node:fs";
import * as path from "node:path";
import { TrailLabError, UsageError } from "../../common/errors";
import { errorText } from "../../common/error-detail";
import { ExitCode } from "../../common/exit-codes";
import { SHARED_FLAGS, helpHint, helpText, parseCommandLine, type CommandSpec, type FlagTable } from "../../common/flag-table";
import { versionLine } from "../../common/provenance";
import { EvidenceFileError } from "../errors";
import { REPORT_FILE, type LabReport } from "../evidence";
import { evidenceProblem } from "./evidence-check";
import { checkRawObject, rawObjectProblem } from "./raw-object";
import { ASFF_FILE, CSV_FILE, OCSF_FILE, writeReport } from "./write";
import { guardUnfinished } from "../../common/unfinished";

export const REPORT_COMMAND = {
  name: "report",
  summary:
    "Renders a lab run's evidence.json again as the self-contained HTML report, with the posture findings beside it as " +
    `OCSF Compliance Findings (${OCSF_FILE}), ASFF for Security Hub (${ASFF_FILE}) and CSV (${CSV_FILE}).`,
  positionals: "<evidence.json>",
  flags: {
    out: {
      type: "string",
      value: "<file.html>",
      help: "where the page goes; the findings go beside it",
      default: `${REPORT_FILE} beside the evidence`,
    },
    ...SHARED_FLAGS,
  },
  examples: [
    "trail-lab report lab-runs/lab-20250131-1200-k3x9/evidence.json",
    "trail-lab report lab-runs/lab-20250131-1200-k3x9/evidence.json --out /tmp/run.html",
  ],
  notes: [
    "The kept raw log object beside the evidence is hashed again and compared with the SHA-256 the evidence records.",
    "Exit codes: 0 written, 1 written, but the kept raw log object differs from its recorded SHA-256 or is missing, " +
      "2 the file is not a lab run's evidence or cannot be read.",
  ],
} as const satisfies CommandSpec<FlagTable>;

function readEvidence(file: string): { report: LabReport; bytes: Buffer } {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (error) {
    throw new UsageError(
      `Cannot read ${file}: ${(error as Error).message}. Pass the evidence.json a lab run wrote under lab-runs/<stack>/.`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString("utf8"));
  } catch (error) {
    throw new EvidenceFileError(file, `not JSON (${(error as Error).message})`);
  }
  // Checked before anything renders it: the page trusts the types of what it shows.
  const problem = evidenceProblem(parsed);
  if (problem) throw new EvidenceFileError(file, problem);
  return { report: parsed as LabReport, bytes };
}

/** Returns the exit code; the page's path goes to stdout, problems to stderr. */
export function main(argv: string[], io: { stdout: (t: string) => void; stderr: (t: string) => void }): number {
  let debug = argv.includes("--debug");
  try {
    const { values, positionals } = parseCommandLine(REPORT_COMMAND, argv);
    debug = values.debug ?? false;
    if (values.help) {
      io.stdout(helpText(REPORT_COMMAND));
      return ExitCode.Ok;
    }
    if (values.version) {
      io.stdout(versionLine());
      return ExitCode.Ok;
    }
    if (positionals.length !== 1) throw new UsageError(`Give exactly one evidence file.\n${helpHint("report")}`);
    const evidence = positionals[0];
    const out = values.out ?? path.join(path.dirname(evidence), REPORT_FILE);
    const { report, bytes } = readEvidence(evidence);
    // The copy that travels with this evidence.json, wherever the folder was moved to.
    const rawObject = checkRawObject(report, path.dirname(evidence));
    io.stdout(`${writeReport(report, out, { evidenceBytes: bytes, rawObject })}\n`);
    const problem = rawObjectProblem(rawObject);
    if (problem) throw problem;
    return ExitCode.Ok;
  } catch (error) {
    io.stderr(errorText(error, debug));
    // What is left is a page that cannot be written where --out points: a usage problem too.
    return error instanceof TrailLabError ? error.exitCode : ExitCode.Usage;
  }
}

/** The command as a process runs it. */
export function runProcess(argv: string[]): Promise<number> {
  return guardUnfinished("report", () =>
    Promise.resolve(main(argv, { stdout: (t) => process.stdout.write(t), stderr: (t) => process.stderr.write(t) })),
  );
}

if (require.main === module) {
  void runProcess(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
