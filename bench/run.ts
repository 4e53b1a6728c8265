// `npm run bench`: generate (or reuse) the corpus, measure every path over it in one run, print
// the table on stdout (or with --json the results object), write bench/results.json, and exit 0
// when every target holds, 1 when one is missed. Progress goes to stderr.
import { readFileSync, writeFileSync } from "node:fs";
import { availableParallelism, cpus, platform } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { ExitCode } from "../common/exit-codes";
import { DUMMY_CREDENTIALS, startS3Server, type LocalS3 } from "../test/support/s3-server";
import { corpusConfig, corpusView, ensureCorpus, type CorpusManifest, type CorpusView } from "./corpus";
import { TrailLabError } from "../common/errors";
import { BenchInterruptedError, WrongAnswerError, benchUsageError } from "./errors";
import { inProcessCriteria, loadLogs, measureInProcess, scanThroughS3, zcatJq } from "./measure";
import { buildResults, renderTable, type Machine } from "./report";
import type { ScanJob, ScanReport } from "./scan-child";

export const USAGE = `usage: npm run -s bench -- [--mb <n>] [--days <n>] [--seed <n>] [--rounds <n>] [--corpus <dir>] [--out <file>] [--fresh] [--json]
  --mb      uncompressed log in the corpus, in MB (default 300); the doubled corpus has twice as much
  --days    days the corpus spans (default 4), over us-east-1, us-west-2, eu-west-1, ap-southeast-2
  --seed    generator seed (default 1): the same seed and size give the same corpus, byte for byte
  --rounds  in-process passes over the corpus; the median of each path is kept (default 5)
  --corpus  where corpora are kept between runs (default bench/corpus, git-ignored)
  --out     results file (default bench/results.json)
  --fresh   regenerate the corpus even if one with the same settings exists
  --json    print the results object on stdout instead of the table`;

const FLAGS = {
  mb: { type: "string" },
  days: { type: "string" },
  seed: { type: "string" },
  rounds: { type: "string" },
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

/** Every object of the doubled corpus (logs and digests) into the local S3 bucket. */
async function fillBucket(s3: LocalS3, root: string, manifest: CorpusManifest, say: (line: string) => void): Promise<void> {
  const keys = [...manifest.logs, ...manifest.digests].map((o) => o.key);
  say(`local S3: uploading ${keys.length} objects to s3://${manifest.config.bucket} (not timed)`);
  await s3.createBucket(manifest.config.bucket);
  await s3.put(
    manifest.config.bucket,
    keys.map((key) => ({ key, body: readFileSync(join(root, key)) })),
  );
}

function expectNeedle(path: string, needleId: string, found: readonly string[]): void {
  if (found.length !== 1 || found[0] !== needleId) throw new WrongAnswerError(path, needleId, found);
}

async function run(args: BenchArgs, say: (line: string) => void, signal: AbortSignal) {
  const config = corpusConfig({ seed: args.seed, megabytes: args.megabytes, days: args.days });
  const root = join(args.corpusDir, `seed${args.seed}-${args.megabytes}mb-${args.days}d`);
  if (args.fresh) say("corpus: --fresh, regenerating");
  const manifest = await ensureCorpus(root, config, 2, say, { signal, fresh: args.fresh });
  const base: CorpusView = corpusView(root, manifest, config.days);
  const doubled = corpusView(root, manifest, config.days * 2);
  const { needle } = manifest;
  say(`corpus: ${base.logs.length} log files, ${(base.bytes / 1e6).toFixed(0)} MB uncompressed; doubled: ${doubled.logs.length} files, ${(doubled.bytes / 1e6).toFixed(0)} MB`);

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

  const s3 = await startS3Server();
  let scans: { base: ScanReport; doubled: ScanReport };
  try {
    await fillBucket(s3, root, manifest, say);
    const env = { ...process.env, AWS_ENDPOINT_URL_S3: s3.endpoint, AWS_ACCESS_KEY_ID: DUMMY_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: DUMMY_CREDENTIALS.secretAccessKey, AWS_REGION: "us-east-1" };
    const job = (view: CorpusView): ScanJob => ({
      bucket: config.bucket,
      account: config.account,
      regions: config.regions.map((r) => r.name),
      from: view.from.toISOString(),
      to: view.to.toISOString(),
      eventName: "RunInstances",
      resource: needle.instanceId,
    });
    const scan = async (view: CorpusView, label: string) => {
      say(`local S3: scanning ${label} (${view.logs.length} files) in a child process`);
      const report = await scanThroughS3(job(view), env, signal);
      expectNeedle(`the S3 scan of ${label}`, needle.eventID, report.eventIds);
      say(`local S3: ${label}: ${(report.bytes / 1e3 / report.ms).toFixed(0)} MB/s, peak RSS ${(report.maxRss / 1e6).toFixed(0)} MB`);
      return report;
    };
    scans = { base: await scan(base, "the corpus"), doubled: await scan(doubled, "the doubled corpus") };
  } finally {
    await s3.close();
  }

  return buildResults({
    when: new Date(),
    machine: describeMachine(),
    view: base,
    digestFiles: manifest.digests.filter((d) => d.day < config.days).length,
    needle,
    inProcess,
    jq,
    s3: { ...scans, baseDays: config.days, doubledDays: config.days * 2 },
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
