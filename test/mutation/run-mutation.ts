// `npm run mutation [-- <file>...]`: Stryker on the files that decide a verdict or a cleanup
// (targets.ts), one file at a time with only its own tests, then one line a file on stdout with
// its score, and each surviving mutant where it is. Not part of `npm test`: a run takes minutes a
// file. Exit 0 when every file held to the bar (90%) reaches it, 1 when one does not, 2 on bad
// usage or when Stryker cannot run (its dry run failed: a test fails without any mutant).
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { ExitCode } from "../../common/exit-codes";
import { MUTATION_TARGETS, type MutationTarget } from "./targets";

const ROOT = path.resolve(__dirname, "../..");
const CONFIG = "test/mutation/stryker.config.mjs";
/** The score every file without an owner elsewhere must reach. */
export const MUTATION_BAR = 90;

/** A mutant as Stryker's JSON report (mutation-testing-report-schema) lists it. */
interface ReportedMutant {
  id: string;
  mutatorName: string;
  replacement?: string;
  status: "Killed" | "Survived" | "NoCoverage" | "Timeout" | "CompileError" | "RuntimeError" | "Ignored" | "Pending";
  location: { start: { line: number; column: number } };
}

export interface FileScore {
  file: string;
  /** Killed (a timeout counts as killed) over all valid mutants, in percent; null without any. */
  score: number | null;
  killed: number;
  survived: ReportedMutant[];
  noCoverage: ReportedMutant[];
}

/** The file's score from the JSON report, counted as Stryker counts its mutation score. */
export function fileScore(file: string, mutants: ReportedMutant[]): FileScore {
  const killed = mutants.filter((m) => m.status === "Killed" || m.status === "Timeout").length;
  const survived = mutants.filter((m) => m.status === "Survived");
  const noCoverage = mutants.filter((m) => m.status === "NoCoverage");
  const valid = killed + survived.length + noCoverage.length;
  return { file, score: valid === 0 ? null : (100 * killed) / valid, killed, survived, noCoverage };
}

function reportName(file: string): string {
  return file.replace(/\.ts$/, "").replace(/[^A-Za-z0-9]+/g, "-");
}

/** The targets the arguments name (a path from the root, or its end); all when none. */
export function selectTargets(args: string[]): MutationTarget[] | string {
  if (args.length === 0) return MUTATION_TARGETS;
  const chosen: MutationTarget[] = [];
  for (const arg of args) {
    const wanted = path.relative(ROOT, path.resolve(ROOT, arg)).split(path.sep).join("/");
    const target = MUTATION_TARGETS.find((t) => t.file === wanted || t.file.endsWith(`/${arg}`));
    if (!target) return `${arg} is not one of the files mutation testing covers: ${MUTATION_TARGETS.map((t) => t.file).join(", ")}.`;
    chosen.push(target);
  }
  return chosen;
}

function runStryker(target: MutationTarget): Promise<number> {
  const tests = target.tests.filter((t) => fs.existsSync(path.join(ROOT, t)));
  const env = {
    ...process.env,
    TRAIL_LAB_MUTATION: JSON.stringify({ file: target.file, tests, name: reportName(target.file) }),
    // Stryker's mocha runner and Mocha 12's `.cjs` cli files (test/mutation/mocha-cli-cjs.mjs says why).
    NODE_OPTIONS: [process.env.NODE_OPTIONS, `--import ${pathToFileURL(path.join(ROOT, "test/mutation/mocha-cli-cjs.mjs")).href}`]
      .filter(Boolean)
      .join(" "),
  };
  // Stryker's progress goes to stderr; stdout is this command's result.
  const child = spawn(path.join(ROOT, "node_modules/.bin/stryker"), ["run", CONFIG], { cwd: ROOT, env, stdio: ["ignore", 2, 2] });
  return new Promise((resolve) => {
    child.on("error", () => resolve(-1));
    child.on("exit", (code, signal) => resolve(signal ? 128 : (code ?? 1)));
  });
}

function readScore(target: MutationTarget): FileScore | null {
  const file = path.join(ROOT, "reports/mutation", `${reportName(target.file)}.json`);
  if (!fs.existsSync(file)) return null;
  const report = JSON.parse(fs.readFileSync(file, "utf8")) as { files: Record<string, { mutants: ReportedMutant[] }> };
  return fileScore(target.file, report.files[target.file]?.mutants ?? []);
}

function scoreLine(target: MutationTarget, s: FileScore): string {
  const score = s.score === null ? "no mutants" : `${s.score.toFixed(1)}%`;
  const held = target.owner
    ? ` (raised by ${target.owner}, after the merge)`
    : s.score !== null && s.score < MUTATION_BAR
      ? " BELOW 90%"
      : "";
  const lines = [`${target.file}: ${score}, ${s.killed} killed, ${s.survived.length} survived, ${s.noCoverage.length} no coverage${held}`];
  for (const m of [...s.survived, ...s.noCoverage]) {
    const at = `${m.location.start.line}:${m.location.start.column}`;
    lines.push(
      `  ${m.status === "Survived" ? "survived" : "no coverage"} ${at} ${m.mutatorName}${m.replacement ? ` -> ${m.replacement.replace(/\s+/g, " ")}` : ""}`,
    );
  }
  return lines.join("\n");
}

export async function main(args: string[], out: (text: string) => void, err: (text: string) => void): Promise<number> {
  const targets = selectTargets(args);
  if (typeof targets === "string") {
    err(`${targets}\n`);
    return ExitCode.Usage;
  }
  let code: number = ExitCode.Ok;
  for (const target of targets) {
    err(`mutation: ${target.file} with ${target.tests.join(", ")}\n`);
    const status = await runStryker(target);
    const score = status === 0 ? readScore(target) : null;
    if (!score) {
      err(
        `mutation: Stryker did not finish on ${target.file} (exit ${status}); its output above says why (a test that fails without mutants stops the dry run).\n`,
      );
      code = ExitCode.Usage;
      continue;
    }
    out(`${scoreLine(target, score)}\n`);
    if (!target.owner && score.score !== null && score.score < MUTATION_BAR && code === ExitCode.Ok) code = ExitCode.CheckFailed;
  }
  return code;
}

if (require.main === module) {
  void main(
    process.argv.slice(2),
    (t) => process.stdout.write(t),
    (t) => process.stderr.write(t),
  ).then((code) => {
    process.exitCode = code;
  });
}
