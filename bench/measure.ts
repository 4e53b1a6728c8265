// The measurements, each over the same log files: the scanner's decode-and-match in process, gunzip
// alone (the limit), the `zcat | jq` pipeline people run today, and a whole scan through S3 in a
// child process. Speeds are only ever compared within one run: this machine is shared and noisy.
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { extname, join } from "node:path";
import { setImmediate } from "node:timers/promises";
import { gunzipSync } from "node:zlib";
import { compileCriteria, gunzipLog, scanLogObject, type CompiledCriteria } from "../verify";
// The very gunzip the scanner uses, so that the limit is measured on the same call.
import type { CorpusView } from "./corpus";
import { ChildFailedError } from "./errors";
import type { ScanJob, ScanReport } from "./scan-child";
import { TOOL_ROOT } from "../common/provenance";

export interface Timing {
  ms: number;
  /** Uncompressed log bytes the path went through. */
  bytes: number;
}

export function loadLogs(view: CorpusView): Buffer[] {
  return view.logs.map((log) => readFileSync(join(view.root, log.key)));
}

function clock<T>(run: () => T): { ms: number; value: T } {
  const started = process.hrtime.bigint();
  const value = run();
  return { ms: Number(process.hrtime.bigint() - started) / 1e6, value };
}

function sumBytes(objects: readonly Buffer[], gunzip: (gz: Buffer) => Buffer): Timing {
  const { ms, value } = clock(() => objects.reduce((bytes, gz) => bytes + gunzip(gz).length, 0));
  return { ms, bytes: value };
}

/** The limit: every object gunzipped exactly as decode.ts does it, and nothing else. */
export function gunzipAlone(objects: readonly Buffer[]): Timing {
  return sumBytes(objects, gunzipLog);
}

/** gunzipSync with Node's defaults (16 kB chunks, concatenated): what decode.ts did before. */
export function gunzipDefaults(objects: readonly Buffer[]): Timing {
  return sumBytes(objects, (gz) => gunzipSync(gz));
}

/** The scanner's per-object path (scanLogObject): gunzip, needle check, parse and match when needed. */
export function decodeAndMatch(objects: readonly Buffer[], criteria: CompiledCriteria): Timing & { eventIds: string[] } {
  const { ms, value } = clock(() => {
    let bytes = 0;
    const eventIds: string[] = [];
    for (const gz of objects) {
      const outcome = scanLogObject(gz, criteria);
      bytes += outcome.bytesScanned;
      for (const record of outcome.matches) eventIds.push(record.eventID);
    }
    return { bytes, eventIds };
  });
  return { ms, ...value };
}

export function inProcessCriteria(view: CorpusView, needle: { instanceId: string }): InProcessCriteria {
  const since = view.from;
  return {
    needle: compileCriteria({ eventName: "RunInstances", resource: needle.instanceId, since }),
    eventNameOnly: compileCriteria({ eventName: "RunInstances", since }),
    common: compileCriteria({ eventName: "AssumeRole", since }),
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export interface InProcessCriteria {
  /** The needle: RunInstances of one instance id (what the lab asks). */
  needle: CompiledCriteria;
  /** RunInstances without a resource: only the shorter event-name needle to rule objects out. */
  eventNameOnly: CompiledCriteria;
  /** An event in nearly every file, so that nearly every file is parsed. */
  common: CompiledCriteria;
}

export interface InProcessResult {
  gunzip: Timing;
  gunzipDefaults: Timing;
  decodeAndMatch: Timing & { eventIds: string[] };
  eventNameOnly: Timing & { eventIds: string[] };
  everyObjectParsed: Timing & { matches: number };
  /** Median over rounds of each path's speed over gunzip's in the same round. */
  vsGunzip: { decodeAndMatch: number; gunzipDefaults: number; eventNameOnly: number };
  rounds: number;
}

type Pass = { ms: number; bytes: number; eventIds: string[] };

/**
 * Each path `rounds` times, interleaved, so that a burst of noise on the shared machine hits
 * all of them alike; the median time of each is kept.
 */
export async function measureInProcess(
  objects: readonly Buffer[],
  criteria: InProcessCriteria,
  rounds: number,
  progress: (line: string) => void,
  signal: AbortSignal,
): Promise<InProcessResult> {
  // decode-and-match runs right after its gunzip, so that each pair shares the machine's mood.
  const paths: Record<Exclude<keyof InProcessResult, "rounds" | "vsGunzip" | "everyObjectParsed">, () => Pass> = {
    gunzip: () => ({ ...gunzipAlone(objects), eventIds: [] }),
    decodeAndMatch: () => decodeAndMatch(objects, criteria.needle),
    gunzipDefaults: () => ({ ...gunzipDefaults(objects), eventIds: [] }),
    eventNameOnly: () => decodeAndMatch(objects, criteria.eventNameOnly),
  };
  const runs = new Map<keyof typeof paths, Pass[]>();
  // One untimed pass over a few objects warms the JIT before anything is timed.
  decodeAndMatch(objects.slice(0, 50), criteria.common);
  for (let round = 1; round <= rounds; round++) {
    await setImmediate();
    signal.throwIfAborted();
    const line: string[] = [];
    for (const [name, pass] of Object.entries(paths) as [keyof typeof paths, () => Pass][]) {
      const result = pass();
      runs.set(name, [...(runs.get(name) ?? []), result]);
      line.push(`${name} ${mbps(result)}`);
    }
    progress(`in process: round ${round}/${rounds} (MB/s): ${line.join(", ")}`);
  }
  // No target rides on it, so one pass: it is the slowest path by far.
  await setImmediate();
  signal.throwIfAborted();
  const parsed = decodeAndMatch(objects, criteria.common);
  progress(`in process: every object parsed: ${mbps(parsed)} MB/s`);
  const pick = (name: keyof typeof paths): Pass => {
    const list = runs.get(name) ?? [];
    return { ...list[0], ms: median(list.map((t) => t.ms)) };
  };
  // Each path against the gunzip of its own round: passes a second apart share the noise.
  const gunzips = runs.get("gunzip") ?? [];
  const vsGunzip = (name: keyof typeof paths) => median((runs.get(name) ?? []).map((t, i) => gunzips[i].ms / t.ms));
  return {
    vsGunzip: {
      decodeAndMatch: vsGunzip("decodeAndMatch"),
      gunzipDefaults: vsGunzip("gunzipDefaults"),
      eventNameOnly: vsGunzip("eventNameOnly"),
    },
    gunzip: pick("gunzip"),
    gunzipDefaults: pick("gunzipDefaults"),
    decodeAndMatch: pick("decodeAndMatch"),
    eventNameOnly: pick("eventNameOnly"),
    everyObjectParsed: { ms: parsed.ms, bytes: parsed.bytes, matches: parsed.eventIds.length },
    rounds,
  };
}

export function mbps(t: Timing): string {
  return (t.bytes / 1e3 / t.ms).toFixed(0);
}

export interface PipelineResult extends Timing {
  eventIds: string[];
  command: string;
}

/** The jq program people write: every record of every file, keep the launch of that instance. */
export const JQ_FILTER =
  '.Records[] | select(.eventName == "RunInstances" and any(.responseElements.instancesSet.items[]?; .instanceId == $id)) | .eventID';

/**
 * `zcat | jq` over the corpus's log files (digests excluded, as a user's glob would), fed by
 * find | xargs so that thousands of files fit on the command line. Null when a tool is missing.
 */
export async function zcatJq(view: CorpusView, days: number, instanceId: string, signal: AbortSignal): Promise<PipelineResult | null> {
  if (!(await hasCommand("jq", signal)) || !(await hasCommand("zcat", signal))) return null;
  const dirs = view.config.regions.flatMap((r) =>
    Array.from({ length: days }, (_, d) => join("AWSLogs", view.config.account, "CloudTrail", r.name, dayPath(view, d))),
  );
  const command = `find ${dirs.join(" ")} -name '*.json.gz' -print0 | xargs -0 zcat | jq -r --arg id "$1" '${JQ_FILTER}'`;
  const started = process.hrtime.bigint();
  const { stdout } = await run("sh", ["-c", command, "sh", instanceId], view.root, signal, "zcat | jq");
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  return {
    ms,
    bytes: view.bytes,
    eventIds: stdout.split("\n").filter(Boolean),
    command: command.replace(/find .* -name/, "find <day folders> -name").replace('"$1"', instanceId),
  };
}

function dayPath(view: CorpusView, day: number): string {
  const at = new Date(view.from.getTime() + day * 24 * 3600 * 1000);
  return at.toISOString().slice(0, 10).replace(/-/g, "/");
}

async function hasCommand(name: string, signal: AbortSignal): Promise<boolean> {
  try {
    await run("sh", ["-c", `command -v ${name}`], undefined, signal, `command -v ${name}`);
    return true;
  } catch (err) {
    if (signal.aborted) throw err;
    return false;
  }
}

/** One whole scan through S3 in a child process (bench/scan-child.ts). */
export async function scanThroughS3(job: ScanJob, env: NodeJS.ProcessEnv, signal: AbortSignal): Promise<ScanReport> {
  // Beside this file: scan-child.js when the bench runs from build/, scan-child.ts (through ts-node) from the sources.
  const child = join(__dirname, `scan-child${extname(__filename)}`);
  const hook = extname(__filename) === ".ts" ? ["-r", "ts-node/register/transpile-only"] : [];
  const { stdout } = await run(process.execPath, [...hook, child, JSON.stringify(job)], TOOL_ROOT, signal, "the S3 scan", env);
  return JSON.parse(stdout) as ScanReport;
}

function run(
  command: string,
  args: string[],
  cwd: string | undefined,
  signal: AbortSignal,
  what: string,
  env = process.env,
): Promise<{ stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, signal, stdio: ["ignore", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (chunk: Buffer) => out.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => err.push(chunk));
    child.on("error", reject);
    child.on("close", (code, killedBy) => {
      if (code === 0) resolve({ stdout: Buffer.concat(out).toString("utf8") });
      else reject(new ChildFailedError(what, `exit ${code ?? killedBy}: ${Buffer.concat(err).toString("utf8")}`));
    });
  });
}
