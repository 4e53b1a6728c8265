// The integrity row: `trail-lab verify --integrity` against `aws cloudtrail validate-logs` (the
// pinned AWS CLI v1 that the differential suite runs) on the same world (integrity-corpus.ts),
// served by the in-memory S3 in a process of its own and a local CloudTrail, with no added
// latency and with 30 ms added to every S3 request. Each command runs as users run it, start-up
// included: the CLI once per region (it checks one region a run; the runs are summed), trail-lab
// once for both. Wall time, CPU time and peak RSS come from the kernel's account of each command
// and everything it started (getrusage(RUSAGE_CHILDREN), read by a small Python wrapper: Python
// is there wherever the AWS CLI is). Beside them, the check alone in a process already loaded
// (integrity-child.ts), so that start-up is told apart. Without the AWS CLI the row is skipped
// with a note: install it with `bash .ci/awscli.sh`.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { startCloudTrailServer, type LocalCloudTrail } from "../test/support/servers/cloudtrail-server";
import { startMemoryS3Process, type MemoryS3Process } from "../test/support/servers/memory-s3-process";
import { locateAwsCli, pinnedAwsCliVersion } from "../test/awscli/support/aws-cli-location";
import { ChildFailedError } from "./errors";
import { ensureIntegrityWorld, METADATA_FILE, type IntegrityWorldManifest } from "./integrity-corpus";
import type { IntegrityChildReport, IntegrityJob } from "./integrity-child";
import type { Target } from "./report";

export const INTEGRITY_LATENCY_MS = 30;
/** The targets (#21), each a ratio within one run. */
export const INTEGRITY_TARGETS = { speedupAtLatency: 10, cpuVsCli: 1, wallVsCli: 0.5, maxRssMB: 150 } as const;

const ROOT = join(__dirname, "..");
const CREDENTIALS = { AWS_ACCESS_KEY_ID: "BENCH", AWS_SECRET_ACCESS_KEY: "BENCH" };

export interface CommandRun {
  wallMs: number;
  /** User + system CPU time of the command and every process it started. */
  cpuMs: number;
  /** The largest resident set of the command or any process it started. */
  maxRssMB: number;
}

export interface IntegrityResults {
  world: { regions: number; hours: number; logs: number; digests: number; gzBytes: number; bytes: number };
  latencyMs: number;
  awsCli: { version: string; runs: number; noLatency: CommandRun; atLatency: CommandRun };
  trailLab: {
    command: string;
    noLatency: CommandRun;
    atLatency: CommandRun;
    /** validateIntegrity in a process already loaded, no added latency; startupCpuMs is what loading it cost. */
    checkAlone: CommandRun & { startupCpuMs: number; rssBeforeCheckMB: number };
  };
}

export type IntegrityRow = { measured: IntegrityResults; skipped: null } | { measured: null; skipped: string };

export interface IntegrityBenchOptions {
  corpusDir: string;
  seed: number;
  fresh: boolean;
  say: (line: string) => void;
  signal: AbortSignal;
}

/** Runs a command and reports its exit, output and the kernel's account of it and its children. */
const RUSAGE = [
  "import json, resource, subprocess, sys, time",
  "started = time.monotonic()",
  "done = subprocess.run(sys.argv[2:], stdout=subprocess.PIPE, stderr=subprocess.PIPE)",
  "wall = time.monotonic() - started",
  "usage = resource.getrusage(resource.RUSAGE_CHILDREN)",
  "with open(sys.argv[1], 'w') as out:",
  "    json.dump({'code': done.returncode, 'wall': wall, 'cpu': usage.ru_utime + usage.ru_stime, 'maxrssKb': usage.ru_maxrss,",
  "               'stdout': done.stdout.decode('utf-8', 'replace'), 'stderr': done.stderr.decode('utf-8', 'replace')}, out)",
].join("\n");

interface Measured extends CommandRun {
  code: number;
  stdout: string;
  stderr: string;
}

function spawnToEnd(command: string, args: string[], env: NodeJS.ProcessEnv, signal: AbortSignal, what: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, env, signal, stdio: ["ignore", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (c: Buffer) => out.push(c));
    child.stderr.on("data", (c: Buffer) => err.push(c));
    child.on("error", reject);
    child.on("close", (code, killedBy) =>
      code === 0
        ? resolve(Buffer.concat(out).toString("utf8"))
        : reject(new ChildFailedError(what, `exit ${code ?? killedBy}: ${Buffer.concat(err).toString("utf8")}`)),
    );
  });
}

async function measureCommand(
  python: string,
  argv: string[],
  env: NodeJS.ProcessEnv,
  signal: AbortSignal,
  what: string,
): Promise<Measured> {
  const dir = mkdtempSync(join(tmpdir(), "trail-lab-rusage-"));
  try {
    const file = join(dir, "usage.json");
    await spawnToEnd(python, ["-c", RUSAGE, file, ...argv], env, signal, what);
    const u = JSON.parse(readFileSync(file, "utf8")) as {
      code: number;
      wall: number;
      cpu: number;
      maxrssKb: number;
      stdout: string;
      stderr: string;
    };
    return { code: u.code, stdout: u.stdout, stderr: u.stderr, wallMs: u.wall * 1000, cpuMs: u.cpu * 1000, maxRssMB: u.maxrssKb / 1024 };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const sum = (runs: CommandRun[]): CommandRun => ({
  wallMs: runs.reduce((n, r) => n + r.wallMs, 0),
  cpuMs: runs.reduce((n, r) => n + r.cpuMs, 0),
  maxRssMB: Math.max(...runs.map((r) => r.maxRssMB)),
});
const plain = ({ wallMs, cpuMs, maxRssMB }: CommandRun): CommandRun => ({
  wallMs: Math.round(wallMs),
  cpuMs: Math.round(cpuMs),
  maxRssMB: Math.round(maxRssMB * 10) / 10,
});

/** Both tools must find every digest and log of the world valid, or their times measure something else. */
function expectAllValid(what: string, ok: boolean, detail: string): void {
  if (!ok) throw new ChildFailedError(what, `did not find the world's every digest and log valid: ${detail}`);
}

export async function measureIntegrity(options: IntegrityBenchOptions): Promise<IntegrityRow> {
  const { say, signal } = options;
  const location = locateAwsCli();
  if (!location.found) {
    say(`integrity: skipped, ${location.reason}`);
    return { measured: null, skipped: `the AWS CLI is not installed (${location.reason})` };
  }
  const aws = location.aws;
  const python = join(dirname(aws), "python3");
  const root = join(options.corpusDir, `integrity-seed${options.seed}`);
  const manifest: IntegrityWorldManifest = await ensureIntegrityWorld(root, options.seed, say, { signal, fresh: options.fresh });
  const w = manifest.world;
  const perRegion = { digests: manifest.digests / w.regions.length, logs: manifest.logs / w.regions.length };

  say("integrity: loading the in-memory S3 server (its own process) and a local CloudTrail");
  const s3: MemoryS3Process = await startMemoryS3Process({ buckets: [{ name: w.bucket, root, metadata: join(root, METADATA_FILE) }] });
  let ct: LocalCloudTrail | null = null;
  const config = mkdtempSync(join(tmpdir(), "trail-lab-awscli-"));
  try {
    ct = await startCloudTrailServer({ region: w.homeRegion });
    ct.state.trails.push({ name: w.trail, account: w.account, homeRegion: w.homeRegion, bucket: w.bucket, isMultiRegion: true });
    ct.state.publicKeys.push({
      value: Buffer.from(manifest.publicKey.der, "base64"),
      fingerprint: manifest.publicKey.fingerprint,
      validFrom: new Date("2025-01-01T00:00:00Z"),
      validTo: new Date("2026-01-01T00:00:00Z"),
    });
    writeFileSync(join(config, "config"), "[default]\ns3 =\n  addressing_style = path\n");
    const env = {
      PATH: process.env.PATH,
      HOME: config,
      ...CREDENTIALS,
      AWS_REGION: w.homeRegion,
      AWS_ENDPOINT_URL_S3: s3.endpoint,
      AWS_ENDPOINT_URL_CLOUDTRAIL: ct.endpoint,
      AWS_CONFIG_FILE: join(config, "config"),
      AWS_SHARED_CREDENTIALS_FILE: "/dev/null",
      AWS_EC2_METADATA_DISABLED: "true",
    };
    const arn = `arn:aws:cloudtrail:${w.homeRegion}:${w.account}:trail/${w.trail}`;
    const awsCli = async (region: string) => {
      const run = await measureCommand(
        python,
        [
          aws,
          "cloudtrail",
          "validate-logs",
          "--trail-arn",
          arn,
          "--start-time",
          manifest.since,
          "--end-time",
          manifest.until,
          "--region",
          region,
          "--endpoint-url",
          ct!.endpoint,
        ],
        env,
        signal,
        "aws cloudtrail validate-logs",
      );
      expectAllValid(
        `aws cloudtrail validate-logs in ${region}`,
        run.code === 0 &&
          run.stdout.includes(`${perRegion.digests}/${perRegion.digests} digest files valid`) &&
          run.stdout.includes(`${perRegion.logs}/${perRegion.logs} log files valid`),
        `${run.stdout}${run.stderr}`,
      );
      return run;
    };
    const cliBoth = async () => sum([await awsCli(w.regions[0]), await awsCli(w.regions[1])]);
    const command = [
      "verify",
      "--trail",
      w.trail,
      "--integrity",
      "--since",
      manifest.since,
      "--until",
      manifest.until,
      "--no-event-history",
      "--json",
    ];
    const trailLab = async () => {
      const run = await measureCommand(
        python,
        [process.execPath, join(ROOT, "bin", "trail-lab.js"), ...command],
        env,
        signal,
        "trail-lab verify --integrity",
      );
      let ok = false;
      try {
        const result = JSON.parse(run.stdout) as { valid: boolean; digests: { valid: number }; logs: { valid: number } };
        ok = result.valid && result.digests.valid === manifest.digests && result.logs.valid === manifest.logs;
      } catch {
        // not JSON: the check failed; its stderr says why
      }
      expectAllValid("trail-lab verify --integrity", run.code === 0 && ok, `${run.stdout}${run.stderr}`);
      return run;
    };
    const job: IntegrityJob = { trail: w.trail, region: w.homeRegion, since: manifest.since, until: manifest.until };
    const checkAlone = async () => {
      const out = await spawnToEnd(
        process.execPath,
        ["-r", "ts-node/register/transpile-only", join(__dirname, "integrity-child.ts"), JSON.stringify(job)],
        env,
        signal,
        "the integrity check alone",
      );
      const report = JSON.parse(out) as IntegrityChildReport;
      expectAllValid("the integrity check alone", report.valid && report.logs.valid === manifest.logs, JSON.stringify(report));
      return report;
    };

    say(`integrity: no added latency: aws cloudtrail validate-logs (${w.regions.length} runs, one per region), then trail-lab`);
    const cliNone = await cliBoth();
    const oursNone = await trailLab();
    const alone = await checkAlone();
    say(
      `integrity: no added latency: the AWS CLI ${(cliNone.wallMs / 1000).toFixed(1)} s (${(cliNone.cpuMs / 1000).toFixed(1)} s CPU), trail-lab ${(oursNone.wallMs / 1000).toFixed(1)} s (${(oursNone.cpuMs / 1000).toFixed(1)} s CPU, ${oursNone.maxRssMB.toFixed(0)} MB)`,
    );
    await s3.setLatency(INTEGRITY_LATENCY_MS);
    say(
      `integrity: ${INTEGRITY_LATENCY_MS} ms added to every S3 request: trail-lab, then the AWS CLI (about a minute: one request at a time)`,
    );
    const oursSlow = await trailLab();
    const cliSlow = await cliBoth();
    say(
      `integrity: at +${INTEGRITY_LATENCY_MS} ms: the AWS CLI ${(cliSlow.wallMs / 1000).toFixed(1)} s, trail-lab ${(oursSlow.wallMs / 1000).toFixed(1)} s`,
    );
    return {
      skipped: null,
      measured: {
        world: {
          regions: w.regions.length,
          hours: w.hours,
          logs: manifest.logs,
          digests: manifest.digests,
          gzBytes: manifest.gzBytes,
          bytes: manifest.bytes,
        },
        latencyMs: INTEGRITY_LATENCY_MS,
        awsCli: {
          version: `aws-cli/${pinnedAwsCliVersion()}`,
          runs: w.regions.length,
          noLatency: plain(cliNone),
          atLatency: plain(cliSlow),
        },
        trailLab: {
          command: `trail-lab ${command.join(" ")}`,
          noLatency: plain(oursNone),
          atLatency: plain(oursSlow),
          checkAlone: {
            ...plain({ wallMs: alone.ms, cpuMs: alone.cpuMs, maxRssMB: alone.maxRss / 2 ** 20 }),
            startupCpuMs: Math.round(alone.startupCpuMs),
            rssBeforeCheckMB: Math.round((alone.maxRssBeforeCheck / 2 ** 20) * 10) / 10,
          },
        },
      },
    };
  } finally {
    rmSync(config, { recursive: true, force: true });
    await ct?.close();
    await s3.close();
  }
}

const ratio = (a: number, b: number) => Math.round((a / b) * 1000) / 1000;

/** The targets on the row; not measured (met: null) when the AWS CLI was not there. */
export function integrityTargets(row: IntegrityRow): Target[] {
  const m = row.measured;
  const speedup = m && ratio(m.awsCli.atLatency.wallMs, m.trailLab.atLatency.wallMs);
  const cpu = m && ratio(m.trailLab.noLatency.cpuMs, m.awsCli.noLatency.cpuMs);
  const wall = m && ratio(m.trailLab.noLatency.wallMs, m.awsCli.noLatency.wallMs);
  const rss = m && m.trailLab.noLatency.maxRssMB;
  const t = INTEGRITY_TARGETS;
  return [
    {
      name: `integrity +${INTEGRITY_LATENCY_MS} ms: >= ${t.speedupAtLatency}x the AWS CLI's speed`,
      value: speedup,
      threshold: t.speedupAtLatency,
      met: speedup === null ? null : speedup >= t.speedupAtLatency,
    },
    {
      name: `integrity: CPU <= ${t.cpuVsCli.toFixed(1)}x the AWS CLI's`,
      value: cpu,
      threshold: t.cpuVsCli,
      met: cpu === null ? null : cpu <= t.cpuVsCli,
    },
    {
      name: `integrity: wall <= ${t.wallVsCli}x the AWS CLI's`,
      value: wall,
      threshold: t.wallVsCli,
      met: wall === null ? null : wall <= t.wallVsCli,
    },
    {
      name: `integrity: peak RSS <= ${t.maxRssMB} MB`,
      value: rss,
      threshold: t.maxRssMB,
      met: rss === null ? null : rss <= t.maxRssMB,
      unit: "MB",
    },
  ];
}

/** The row's lines in the bench's table. */
export function renderIntegrity(row: IntegrityRow): string[] {
  const m = row.measured;
  if (!m) return ["", `integrity against aws cloudtrail validate-logs: skipped, ${row.skipped}; install it with: bash .ci/awscli.sh`];
  const w = m.world;
  const line = (label: string, r: CommandRun, against: string) =>
    `${label.padEnd(50)}${(r.wallMs / 1000).toFixed(2).padStart(8)}${(r.cpuMs / 1000).toFixed(2).padStart(8)}${r.maxRssMB.toFixed(0).padStart(9)}  ${against}`;
  const cli = m.awsCli;
  const ours = m.trailLab;
  return [
    "",
    `integrity: ${w.regions} regions x ${w.hours} h, ${w.logs} log files (${(w.gzBytes / 1e6).toFixed(0)} MB gzipped, ${(w.bytes / 1e6).toFixed(0)} MB of log), ${w.digests} digests; in-memory S3 in its own process`,
    `${"command".padEnd(50)}${"wall s".padStart(8)}${"cpu s".padStart(8)}${"RSS MB".padStart(9)}  against`,
    line(`aws cloudtrail validate-logs (${cli.version}, ${cli.runs} runs)`, cli.noLatency, "the reference"),
    line(
      "trail-lab verify --integrity",
      ours.noLatency,
      `wall ${ratio(ours.noLatency.wallMs, cli.noLatency.wallMs).toFixed(2)}x, cpu ${ratio(ours.noLatency.cpuMs, cli.noLatency.cpuMs).toFixed(2)}x the CLI's`,
    ),
    line(
      "  the check alone, in a loaded process",
      ours.checkAlone,
      `start-up cost ${(ours.checkAlone.startupCpuMs / 1000).toFixed(2)} s CPU before it (${ours.checkAlone.rssBeforeCheckMB.toFixed(0)} MB)`,
    ),
    line(`aws cloudtrail validate-logs at +${m.latencyMs} ms`, cli.atLatency, "the reference"),
    line(
      `trail-lab verify --integrity at +${m.latencyMs} ms`,
      ours.atLatency,
      `${ratio(cli.atLatency.wallMs, ours.atLatency.wallMs).toFixed(1)}x faster than the CLI`,
    ),
    "cpu and RSS: the command and every process it started (getrusage of the children); the CLI's runs summed, RSS the larger",
  ];
}
