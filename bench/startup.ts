// The start-up row (#22): what a command costs before it does anything, as a user starts it: the
// launcher (bin/trail-lab.js) on the project's Node, loading the JavaScript built at install time
// (build/, bin/build.js). Three commands, each `rounds` times in a fresh process: `--version`,
// `verify --help`, and a verify of a one-object trail (a local S3 and CloudTrail in this process,
// one log file holding the event, Event History off). Each child records its own CPU time and peak
// RSS when it exits (a --require preload: process.resourceUsage() covers the whole process, Node's
// own start included); wall time is from spawn to exit, seen from here. Medians are kept.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { FixtureFactory, logFile } from "../test/support/fixtures/cloudtrail-fixtures";
import { startCloudTrailServer } from "../test/support/servers/cloudtrail-server";
import { DUMMY_CREDENTIALS, startS3Server } from "../test/support/servers/s3-server";
import { TOOL_ROOT } from "../common/provenance";
import { ChildFailedError } from "./errors";
import type { Target } from "./report";

/** The targets of #22: wall time of the two answers, CPU of the one-object verify, peak RSS of --version. */
export const STARTUP_TARGETS = { answerWallMs: 300, verifyCpuMs: 1_000, versionRssMB: 80 } as const;
/** A child that has not ended by then is killed and the row fails: a start-up is seconds at worst. */
const CHILD_DEADLINE_MS = 60_000;

export type StartupId = "version" | "verify-help" | "verify-one-object";

export interface StartupRow {
  id: StartupId;
  command: string;
  /** Medians over the rounds. */
  wallMs: number;
  cpuMs: number;
  maxRssMB: number;
  rounds: number;
}

export interface StartupResults {
  /** The Node the commands ran on (the project's, node_modules/.bin/node, when the bench runs on it). */
  node: string;
  rows: StartupRow[];
  /** Load average (1, 5, 15 min) at the start and the end: wall time on a loaded machine is CPU time waiting for a core. */
  load: { start: number[]; end: number[] };
  targets: Target[];
}

interface Sample {
  wallMs: number;
  cpuMs: number;
  maxRssMB: number;
}

/** Preloaded into each child: one JSON line of its own resource use when it exits. */
const PROBE = `"use strict";
const fs = require("node:fs");
process.on("exit", () => {
  const u = process.resourceUsage();
  fs.appendFileSync(process.env.TRAIL_LAB_STARTUP_PROBE, JSON.stringify({ cpuMs: (u.userCPUTime + u.systemCPUTime) / 1000, maxRssKB: u.maxRSS }) + "\\n");
});
`;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** One start of the launcher with `args`; its stdout must satisfy `check` (the answer is the point, not only the speed). */
function runOnce(args: string[], env: NodeJS.ProcessEnv, probeDir: string, check: (stdout: string) => boolean, signal: AbortSignal) {
  const record = join(probeDir, `run-${Date.now()}-${Math.random().toString(36).slice(2)}.jsonl`);
  return new Promise<Sample>((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, [join(TOOL_ROOT, "bin", "trail-lab.js"), ...args], {
      cwd: TOOL_ROOT,
      env: {
        ...process.env,
        ...env,
        TRAIL_LAB_STARTUP_PROBE: record,
        NODE_OPTIONS: [process.env.NODE_OPTIONS, `--require ${JSON.stringify(join(probeDir, "probe.js"))}`].filter(Boolean).join(" "),
      },
      stdio: ["ignore", "pipe", "pipe"],
      signal,
      timeout: CHILD_DEADLINE_MS,
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code, killedBy) => {
      const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
      if (code !== 0 || !check(stdout)) {
        reject(new ChildFailedError(`trail-lab ${args.join(" ")}`, `exit ${code ?? killedBy}; ${stderr || stdout}`));
        return;
      }
      const lines = readFileSync(record, "utf8").trim().split("\n");
      // One process: the launcher ran the command itself (the bench runs on the project's Node, so nothing relaunches).
      const usage = lines.map((line) => JSON.parse(line) as { cpuMs: number; maxRssKB: number });
      resolve({
        wallMs,
        cpuMs: usage.reduce((sum, u) => sum + u.cpuMs, 0),
        maxRssMB: Math.max(...usage.map((u) => u.maxRssKB)) / 1024,
      });
    });
  });
}

/** A trail whose bucket holds one log file, the event in it; the two servers answer from this process. */
async function oneObjectTrail() {
  const s3 = await startS3Server();
  const ct = await startCloudTrailServer();
  const f = new FixtureFactory("123456789012", 22);
  const now = new Date();
  const instanceId = f.instanceId();
  const target = f.runInstances("us-east-1", new Date(now.getTime() - 10 * 60_000), instanceId);
  const bucket = "startup-one-object";
  await s3.createBucket(bucket);
  await s3.put(bucket, [{ key: f.logKey("us-east-1", new Date(now.getTime() - 5 * 60_000)), body: logFile([target]) }]);
  ct.state.trails.push({
    name: "startup-trail",
    account: f.account,
    homeRegion: "us-east-1",
    bucket,
    isMultiRegion: false,
    latestDeliveryTime: now,
  });
  const args = [
    "verify",
    "--trail",
    "startup-trail",
    "--region",
    "us-east-1",
    "--regions",
    "us-east-1",
    "--since",
    new Date(now.getTime() - 60 * 60_000).toISOString(),
    "--resource",
    instanceId,
    "--no-event-history",
    "--timeout",
    "0",
    "--json",
  ];
  const env: NodeJS.ProcessEnv = {
    AWS_ENDPOINT_URL_S3: s3.endpoint,
    AWS_ENDPOINT_URL_CLOUDTRAIL: ct.endpoint,
    AWS_ACCESS_KEY_ID: DUMMY_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: DUMMY_CREDENTIALS.secretAccessKey,
    AWS_REGION: "us-east-1",
    AWS_CONFIG_FILE: "/dev/null",
    AWS_SHARED_CREDENTIALS_FILE: "/dev/null",
    AWS_EC2_METADATA_DISABLED: "true",
  };
  const found = (stdout: string) => {
    const evidence = JSON.parse(stdout) as { verified?: boolean; event?: { eventID?: string } };
    return evidence.verified === true && evidence.event?.eventID === target.eventID;
  };
  return { args, env, found, close: async () => Promise.all([s3.close(), ct.close()]) };
}

export interface StartupOptions {
  rounds: number;
  say: (line: string) => void;
  signal: AbortSignal;
}

/** The three commands, interleaved round by round so that a burst of load hits each alike; medians kept. */
export async function measureStartup({ rounds, say, signal }: StartupOptions): Promise<StartupResults> {
  const loadAtStart = loadavg();
  const probeDir = mkdtempSync(join(tmpdir(), "trail-lab-startup-"));
  writeFileSync(join(probeDir, "probe.js"), PROBE);
  const trail = await oneObjectTrail();
  try {
    const commands: { id: StartupId; args: string[]; env: NodeJS.ProcessEnv; check: (stdout: string) => boolean }[] = [
      { id: "version", args: ["--version"], env: {}, check: (out) => out.startsWith("trail-lab ") },
      { id: "verify-help", args: ["verify", "--help"], env: {}, check: (out) => out.includes("--trail") },
      { id: "verify-one-object", args: trail.args, env: trail.env, check: trail.found },
    ];
    // One untimed start of each: the first builds nothing (prepare did) but fills the OS cache and V8's compile cache.
    for (const c of commands) await runOnce(c.args, c.env, probeDir, c.check, signal);
    const samples = new Map<StartupId, Sample[]>(commands.map((c) => [c.id, []]));
    for (let round = 1; round <= rounds; round++) {
      for (const c of commands) samples.get(c.id)!.push(await runOnce(c.args, c.env, probeDir, c.check, signal));
      say(`start-up: round ${round}/${rounds}`);
    }
    const rows: StartupRow[] = commands.map((c) => {
      const s = samples.get(c.id)!;
      return {
        id: c.id,
        command: c.id === "verify-one-object" ? "trail-lab verify (one-object trail, --no-event-history)" : `trail-lab ${c.args.join(" ")}`,
        wallMs: Math.round(median(s.map((x) => x.wallMs))),
        cpuMs: Math.round(median(s.map((x) => x.cpuMs))),
        maxRssMB: Math.round(median(s.map((x) => x.maxRssMB)) * 10) / 10,
        rounds,
      };
    });
    const load = { start: loadAtStart.map((l) => Math.round(l * 100) / 100), end: loadavg().map((l) => Math.round(l * 100) / 100) };
    return { node: process.version, rows, load, targets: startupTargets(rows) };
  } finally {
    await trail.close();
    rmSync(probeDir, { recursive: true, force: true });
  }
}

export function startupTargets(rows: readonly StartupRow[]): Target[] {
  const row = (id: StartupId) => rows.find((r) => r.id === id)!;
  const target = (name: string, value: number, threshold: number): Target => ({ name, value, threshold, met: value <= threshold });
  return [
    target(`start-up: --version <= ${STARTUP_TARGETS.answerWallMs} ms wall`, row("version").wallMs, STARTUP_TARGETS.answerWallMs),
    target(`start-up: verify --help <= ${STARTUP_TARGETS.answerWallMs} ms wall`, row("verify-help").wallMs, STARTUP_TARGETS.answerWallMs),
    target(
      `start-up: one-object verify <= ${STARTUP_TARGETS.verifyCpuMs} ms CPU`,
      row("verify-one-object").cpuMs,
      STARTUP_TARGETS.verifyCpuMs,
    ),
    target(`start-up: --version peak RSS <= ${STARTUP_TARGETS.versionRssMB} MB`, row("version").maxRssMB, STARTUP_TARGETS.versionRssMB),
  ];
}

export function renderStartup(r: StartupResults): string {
  const lines = [
    `start-up (launcher on node ${r.node}, from build/; median of ${r.rows[0]?.rounds ?? 0} fresh processes each):`,
    `${"command".padEnd(56)}${"wall ms".padStart(9)}${"cpu ms".padStart(9)}${"peak MB".padStart(9)}`,
    ...r.rows.map(
      (row) =>
        `${row.command.padEnd(56)}${String(row.wallMs).padStart(9)}${String(row.cpuMs).padStart(9)}${row.maxRssMB.toFixed(1).padStart(9)}`,
    ),
    `load average (1, 5, 15 min): ${r.load.start.join(", ")} at the start, ${r.load.end.join(", ")} at the end`,
    "start-up targets:",
    ...r.targets.map((t) => `  ${t.name.padEnd(50)} ${String(t.value).padEnd(10)} ${t.met ? "met" : "MISSED"}`),
  ];
  return `${lines.join("\n")}\n`;
}
