// `npm run bench`: generate (or reuse) the corpus, measure every path over it in one run, print
// the table on stdout (or with --json the results object), write bench/results.json, and exit 0
// when every target holds, 1 when one is missed. Progress goes to stderr.
import { readFileSync, writeFileSync } from "node:fs";
import { availableParallelism, cpus, loadavg, platform } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { ExitCode } from "../common/exit-codes";
import { corpusConfig, corpusView, ensureCorpus, type CorpusView } from "./corpus";
import { TrailLabError } from "../common/errors";
import { BenchInterruptedError, WrongAnswerError, benchUsageError } from "./errors";
import { inProcessCriteria, loadLogs, measureInProcess, zcatJq } from "./measure";
import { buildResults, renderTable, type Machine } from "./report";
import { SWEEP, measureScale } from "./scale";

export const USAGE = `usage: npm run -s bench -- [--mb <n>] [--days <n>] [--seed <n>] [--rounds <n>] [--scale-rounds <n>] [--sweep] [--corpus <dir>] [--out <file>] [--fresh] [--json]
  --mb      uncompressed log in the in-process corpus, in MB (default 300)
  --days    days that corpus spans (default 4), over us-east-1, us-west-2, eu-west-1, ap-southeast-2
  --seed    generator seed (default 1): the same seed and size give the same corpora, byte for byte
  --rounds  in-process passes over the corpus; the median of each path is kept (default 5)
  --scale-rounds  interleaved rounds of the bare GET loop and the small-object scan (default 3)
  --sweep   also scan at ${SWEEP.join(", ")} in flight at +30 ms (what the default in-flight count was chosen from)
  --corpus  where corpora are kept between runs (default bench/corpus, git-ignored)
  --out     results file (default bench/results.json)
  --fresh   regenerate the corpus even if one with the same settings exists
  --json    print the results object on stdout instead of the table`;

const FLAGS = {
  mb: { type: "string" },
  days: { type: "string" },
  seed: { type: "string" },
  rounds: { type: "string" },
  "scale-rounds": { type: "string" },
  sweep: { type: "boolean" },
  corpus: { type: "string" },
  out: { type: "string" },
  fresh: { type: "boolean" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

const BENCH_DIR = __dirname;

export interface BenchArgs {
  megabytes: number;
  days: number;
  seed: number;
  rounds: number;
  scaleRounds: number;
  sweep: boolean;
  corpusDir: string;
  out: string;
  fresh: boolean;
  json: boolean;
  help: boolean;
}

function integer(flag: string, value: string | undefined, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (value.trim() === "" || !Number.isInteger(n) || n < min) throw benchUsageError(`--${flag} takes a whole number >= ${min}, not "${value}".`);
  return n;
}

export function parseBenchArgs(argv: string[]): BenchArgs {
  let values;
  try {
    values = parseArgs({ args: argv, options: FLAGS, strict: true, allowPositionals: false }).values;
  } catch (err) {
    throw benchUsageError((err as Error).message);
  }
  return {
    megabytes: integer("mb", values.mb, 300, 1),
    days: integer("days", values.days, 4, 1),
    seed: integer("seed", values.seed, 1, 0),
    rounds: integer("rounds", values.rounds, 5, 1),
    scaleRounds: integer("scale-rounds", values["scale-rounds"], 3, 1),
    sweep: values.sweep ?? false,
    corpusDir: resolve(values.corpus ?? join(BENCH_DIR, "corpus")),
    out: resolve(values.out ?? join(BENCH_DIR, "results.json")),
    fresh: values.fresh ?? false,
    json: values.json ?? false,
    help: values.help ?? false,
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

  const scale = await measureScale({ corpusDir: args.corpusDir, seed: args.seed, rounds: args.scaleRounds, sweep: args.sweep, fresh: args.fresh, say, signal });

  return buildResults({
    when: new Date(),
    machine: describeMachine(),
    view: base,
    digestFiles: manifest.digests.filter((d) => d.day < config.days).length,
    needle,
    inProcess,
    jq,
    scale,
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
  try {
    const args = parseBenchArgs(argv);
    if (args.help) {
      io.stdout(`${USAGE}\n`);
      return ExitCode.Ok;
    }
    const results = await run(args, say, io.signal);
    writeFileSync(args.out, `${JSON.stringify(results, null, 2)}\n`);
    say(`results: ${args.out}`);
    io.stdout(args.json ? `${JSON.stringify(results)}\n` : renderTable(results));
    return results.targets.some((t) => t.met === false) ? ExitCode.CheckFailed : ExitCode.Ok;
  } catch (err) {
    const error = io.signal.aborted ? new BenchInterruptedError() : err;
    if (error instanceof TrailLabError) {
      say(`${error.name}: ${error.message}`);
      return error.exitCode;
    }
    say(`Unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    return ExitCode.AwsError;
  }
}

if (require.main === module) {
  const interrupt = new AbortController();
  const onSignal = () => interrupt.abort();
  process.once("SIGINT", onSignal).once("SIGTERM", onSignal);
  void main(process.argv.slice(2), { stdout: (t) => process.stdout.write(t), stderr: (t) => process.stderr.write(t), signal: interrupt.signal }).then((code) => {
    process.exitCode = code;
    process.off("SIGINT", onSignal).off("SIGTERM", onSignal);
  });
}
