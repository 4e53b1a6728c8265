// `trail-lab bench` (`npm run bench`): generate (or reuse) the corpus, measure every path over it in one run, print
// the table on stdout (or with --json the results object), write bench/results.json, and exit 0
// when every target holds, 1 when one is missed. Progress goes to stderr.
import { readFileSync, writeFileSync } from "node:fs";
import { availableParallelism, cpus, loadavg, platform } from "node:os";
import { join, resolve } from "node:path";
import { ExitCode } from "../common/exit-codes";
import { corpusConfig, corpusView, ensureCorpus, type CorpusView } from "./corpus";
import { TrailLabError } from "../common/errors";
import { errorText } from "../common/error-detail";
import { SHARED_FLAGS, helpText, parseCommandLine, type CommandSpec, type FlagTable } from "../common/flag-table";
import { parseCount } from "../common/flag-values";
import { TOOL_ROOT, versionLine } from "../common/provenance";
import { BenchInterruptedError, WrongAnswerError, benchUsageError } from "./errors";
import { inProcessCriteria, loadLogs, measureInProcess, zcatJq } from "./measure";
import { buildResults, renderTable, type BenchResults, type Machine } from "./report";
import { SWEEP, measureScale } from "./scale";
import { guardUnfinished } from "../common/unfinished";
import { measureIntegrity } from "./integrity";
import { measureStartup, renderStartup, type StartupResults } from "./startup";

/** The largest count each flag takes: beyond them a run would not finish on a workstation. */
const LIMITS = { mb: 100_000, days: 366, seed: 2 ** 31 - 1, rounds: 1_000, "scale-rounds": 1_000, "startup-rounds": 1_000 } as const;

export const BENCH_COMMAND = {
  name: "bench",
  summary:
    "Generates (or reuses) CloudTrail corpora, measures every search path over them (in-process, zcat | jq, and the S3 scan at " +
    "scale against an in-memory S3 in its own process), prints the table and writes bench/results.json.",
  flags: {
    mb: { type: "string", value: "<n>", help: `uncompressed log in the in-process corpus, in MB (1 to ${LIMITS.mb})`, default: "300" },
    days: {
      type: "string",
      value: "<n>",
      help: `days that corpus spans (1 to ${LIMITS.days}), over us-east-1, us-west-2, eu-west-1, ap-southeast-2`,
      default: "4",
    },
    seed: {
      type: "string",
      value: "<n>",
      help: "generator seed: the same seed and size give the same corpora, byte for byte",
      default: "1",
    },
    rounds: {
      type: "string",
      value: "<n>",
      help: `in-process passes over the corpus (1 to ${LIMITS.rounds}); the median of each path is kept`,
      default: "5",
    },
    "scale-rounds": {
      type: "string",
      value: "<n>",
      help: `interleaved rounds of the bare GET loop and the small-object scan (1 to ${LIMITS["scale-rounds"]})`,
      default: "3",
    },
    "startup-rounds": {
      type: "string",
      value: "<n>",
      help: `fresh starts of each command in the start-up row (1 to ${LIMITS["startup-rounds"]}); the median is kept`,
      default: "5",
    },
    "startup-only": {
      type: "boolean",
      help: "measure only the start-up row (bench/startup.ts) and put it into the results file beside the rows already there",
    },
    sweep: {
      type: "boolean",
      help: `also scan at ${SWEEP.join(", ")} in flight at +30 ms (what the default in-flight count was chosen from)`,
    },
    corpus: { type: "string", value: "<dir>", help: "where corpora are kept between runs", default: "bench/corpus, git-ignored" },
    out: { type: "string", value: "<file>", help: "the results file", default: "bench/results.json" },
    fresh: { type: "boolean", help: "regenerate the corpus even if one with the same settings exists" },
    json: { type: "boolean", help: "print the results object on stdout instead of the table" },
    ...SHARED_FLAGS,
  },
  examples: ["trail-lab bench", "trail-lab bench --mb 30 --rounds 1 --json"],
  notes: ["Counts are plain whole numbers. Exit codes: 0 every target holds, 1 one is missed, 2 bad usage."],
} as const satisfies CommandSpec<FlagTable>;

/** bench/ in the checkout, also when this runs from build/bench/. */
const BENCH_DIR = join(TOOL_ROOT, "bench");

export interface BenchArgs {
  megabytes: number;
  days: number;
  seed: number;
  rounds: number;
  scaleRounds: number;
  startupRounds: number;
  startupOnly: boolean;
  sweep: boolean;
  corpusDir: string;
  out: string;
  fresh: boolean;
  json: boolean;
  help: boolean;
  version: boolean;
  debug: boolean;
}

export function parseBenchArgs(argv: string[]): BenchArgs {
  const { values } = parseCommandLine(BENCH_COMMAND, argv);
  const count = (flag: keyof typeof LIMITS, fallback: number, min: number) => {
    try {
      return parseCount(flag, values[flag], fallback, min, LIMITS[flag]);
    } catch (error) {
      throw benchUsageError((error as Error).message);
    }
  };
  return {
    megabytes: count("mb", 300, 1),
    days: count("days", 4, 1),
    seed: count("seed", 1, 0),
    rounds: count("rounds", 5, 1),
    scaleRounds: count("scale-rounds", 3, 1),
    startupRounds: count("startup-rounds", 5, 1),
    startupOnly: values["startup-only"] ?? false,
    sweep: values.sweep ?? false,
    corpusDir: resolve(values.corpus ?? join(BENCH_DIR, "corpus")),
    out: resolve(values.out ?? join(BENCH_DIR, "results.json")),
    fresh: values.fresh ?? false,
    json: values.json ?? false,
    help: values.help ?? false,
    version: values.version ?? false,
    debug: values.debug ?? false,
  };
}

export function describeMachine(): Machine {
  let cpu = cpus()[0]?.model ?? "unknown";
  try {
    cpu = /^model name\s*:\s*(.+)$/m.exec(readFileSync("/proc/cpuinfo", "utf8"))?.[1] ?? cpu;
  } catch {
    // Not Linux: os.cpus() names the model too.
  }
  return { nproc: availableParallelism(), cpu, node: process.version, platform: `${platform()} ${process.arch}` };
}

function expectNeedle(path: string, needleId: string, found: readonly string[]): void {
  if (found.length !== 1 || found[0] !== needleId) throw new WrongAnswerError(path, needleId, found);
}

async function run(args: BenchArgs, say: (line: string) => void, signal: AbortSignal) {
  const loadAtStart = loadavg();
  const config = corpusConfig({ seed: args.seed, megabytes: args.megabytes, days: args.days });
  const root = join(args.corpusDir, `seed${args.seed}-${args.megabytes}mb-${args.days}d`);
  if (args.fresh) say("corpus: --fresh, regenerating");
  const manifest = await ensureCorpus(root, config, 1, say, { signal, fresh: args.fresh });
  const base: CorpusView = corpusView(root, manifest, config.days);
  const { needle } = manifest;
  say(`corpus: ${base.logs.length} log files, ${(base.bytes / 1e6).toFixed(0)} MB uncompressed`);

  const objects = loadLogs(base);
  const inProcess = await measureInProcess(objects, inProcessCriteria(base, needle), args.rounds, say, signal);
  expectNeedle("decode-and-match", needle.eventID, inProcess.decodeAndMatch.eventIds);
  expectNeedle("decode-and-match by event name", needle.eventID, inProcess.eventNameOnly.eventIds);

  say("zcat | jq: running over the same files");
  const jq = await zcatJq(base, config.days, needle.instanceId, signal);
  if (jq) {
    expectNeedle("zcat | jq", needle.eventID, jq.eventIds);
    say(`zcat | jq: ${(jq.bytes / 1e3 / jq.ms).toFixed(0)} MB/s`);
  } else say("zcat | jq: skipped, jq or zcat is not on PATH");

  const scale = await measureScale({
    corpusDir: args.corpusDir,
    seed: args.seed,
    rounds: args.scaleRounds,
    sweep: args.sweep,
    fresh: args.fresh,
    say,
    signal,
  });

  const integrity = await measureIntegrity({ corpusDir: args.corpusDir, seed: args.seed, fresh: args.fresh, say, signal });

  return buildResults({
    when: new Date(),
    machine: describeMachine(),
    view: base,
    digestFiles: manifest.digests.filter((d) => d.day < config.days).length,
    needle,
    inProcess,
    jq,
    scale,
    integrity,
    load: { start: loadAtStart, end: loadavg() },
  });
}

export interface BenchIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  signal: AbortSignal;
}

/** Runs the benchmark and returns its exit code (the caller sets process.exitCode). */
export async function main(argv: string[], io: BenchIo): Promise<number> {
  const started = Date.now();
  const say = (line: string) => io.stderr(`[${((Date.now() - started) / 1000).toFixed(1).padStart(5)}s] ${line}\n`);
  let debug = argv.includes("--debug");
  try {
    const args = parseBenchArgs(argv);
    debug = args.debug;
    if (args.help) {
      io.stdout(helpText(BENCH_COMMAND));
      return ExitCode.Ok;
    }
    if (args.version) {
      io.stdout(versionLine());
      return ExitCode.Ok;
    }
    const base = args.startupOnly ? null : await run(args, say, io.signal);
    const startup = await measureStartup({ rounds: args.startupRounds, say, signal: io.signal });
    const results = withStartup(base ?? previousResults(args.out), startup);
    writeFileSync(args.out, `${JSON.stringify(results, null, 2)}\n`);
    say(`results: ${args.out}`);
    io.stdout(args.json ? `${JSON.stringify(results)}\n` : `${base ? `${renderTable(base)}\n` : ""}${renderStartup(startup)}`);
    return (results.targets ?? []).some((t) => t.met === false) ? ExitCode.CheckFailed : ExitCode.Ok;
  } catch (err) {
    const error = io.signal.aborted ? new BenchInterruptedError() : err;
    io.stderr(errorText(error, debug));
    return error instanceof TrailLabError ? error.exitCode : ExitCode.AwsError;
  }
}

/** The results file as the last run left it (--startup-only keeps its other rows), or nothing. */
function previousResults(file: string): Partial<BenchResults> {
  try {
    return JSON.parse(readFileSync(file, "utf8")) as Partial<BenchResults>;
  } catch {
    return {};
  }
}

/** The start-up row beside the others: its own key, and its targets among the targets (one start-up set only). */
function withStartup(results: Partial<BenchResults>, startup: StartupResults): Partial<BenchResults> & { startup: StartupResults } {
  const others = (results.targets ?? []).filter((t) => !t.name.startsWith("start-up:"));
  return { ...results, startup, targets: [...others, ...startup.targets] };
}

/** The command as a process runs it: its stdio, and SIGINT/SIGTERM as an abort of the run. */
export async function runProcess(argv: string[]): Promise<number> {
  const interrupt = new AbortController();
  const onSignal = () => interrupt.abort();
  process.once("SIGINT", onSignal).once("SIGTERM", onSignal);
  try {
    return await guardUnfinished("bench", () =>
      main(argv, { stdout: (t) => process.stdout.write(t), stderr: (t) => process.stderr.write(t), signal: interrupt.signal }),
    );
  } finally {
    process.off("SIGINT", onSignal).off("SIGTERM", onSignal);
  }
}

if (require.main === module) {
  void runProcess(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
