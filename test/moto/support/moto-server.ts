// moto (PyPI moto[server]), an AWS emulator written by others, as a test server: found where
// .ci/moto.sh installs it, started on a free loopback port, waited for with a deadline, and
// stopped on teardown. Run through its venv's Python, the server also watches its stdin and
// exits when the pipe closes, so it dies with the test process however that ends (a failed
// test, a crash, SIGKILL): no server outlives its tests.
import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { isExecutableFile } from "../../../common/executable";
import { cachedExecutable, locatePinnedTool, pinnedVersion, type PinnedTool } from "../../support/tools/pinned-tool";

export const MOTO_REQUIREMENTS = path.resolve(__dirname, "../requirements.txt");

const MOTO: PinnedTool = {
  name: "moto",
  pin: "moto[server]",
  requirements: MOTO_REQUIREMENTS,
  executable: "moto_server",
  variable: "TRAIL_LAB_MOTO",
};

/** The moto version pinned in test/moto/requirements.txt, which .ci/moto.sh installs. */
export function pinnedMotoVersion(requirements = MOTO_REQUIREMENTS): string {
  return pinnedVersion({ ...MOTO, requirements });
}

/** Where .ci/moto.sh puts the venv's moto_server. */
export function cachedMotoServer(env: NodeJS.ProcessEnv = process.env, version = pinnedMotoVersion()): string {
  return cachedExecutable(MOTO, env, version);
}

export type MotoLocation = { found: true; server: string } | { found: false; reason: string };

/**
 * moto_server from TRAIL_LAB_MOTO, else the pinned version in the cache .ci/moto.sh fills. Not
 * from PATH: a moto installed there is whatever version someone put there, and the tests'
 * expectations hold for the pinned one. No process is started.
 */
export function locateMoto(env: NodeJS.ProcessEnv = process.env): MotoLocation {
  const at = locatePinnedTool(MOTO, env);
  return at.found ? { found: true, server: at.path } : at;
}

/** The Python a venv script runs under (its `#!` line), or null when it is not a Python script. */
export function pythonOf(script: string): string | null {
  let first: string;
  try {
    const fd = fs.openSync(script, "r");
    try {
      const head = Buffer.alloc(512);
      first = head
        .subarray(0, fs.readSync(fd, head, 0, head.length, 0))
        .toString("utf8")
        .split("\n")[0];
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return null;
  }
  const interpreter = first.startsWith("#!") ? first.slice(2).trim() : "";
  return /^\/\S*\/python[0-9.]*$/.test(interpreter) && isExecutableFile(interpreter) ? interpreter : null;
}

// Exits the server when stdin reaches end of file, that is when the test process is gone.
const LAUNCHER = [
  "import os, sys, threading",
  "def watch():",
  "    try:",
  "        while sys.stdin.buffer.read(4096): pass",
  "    finally:",
  "        os._exit(0)",
  "threading.Thread(target=watch, daemon=True).start()",
  "from moto.server import main",
  "sys.argv[0] = 'moto_server'",
  "main(sys.argv[1:])",
].join("\n");

export class MotoStartError extends Error {
  constructor(
    message: string,
    readonly output: string,
  ) {
    super(`${message}${output ? `\nmoto said:\n${output}` : ""}`);
    this.name = "MotoStartError";
  }
}

export interface MotoRequest {
  method: string;
  /** The path, percent-decoded, without a trailing slash: `/<bucket>/<key>` for S3 in path style. */
  path: string;
  query: URLSearchParams;
}

export interface MotoServer {
  endpoint: string;
  port: number;
  pid: number;
  /** Forgets every resource (POST /moto-api/reset), as a fresh server would. */
  reset(): Promise<void>;
  /** Starts moto's request recorder afresh: requests from now on are kept. */
  startRecording(): Promise<void>;
  /** The requests recorded since startRecording, in order. */
  recorded(): Promise<MotoRequest[]>;
  stop(): Promise<void>;
}

export interface StartMotoOptions {
  /** How long moto may take to answer its first request; its Python start-up is slow on a loaded machine. */
  startTimeoutMs?: number;
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

/** The server runs in a process group of its own, so whatever it started goes with it. */
function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-child.pid!, signal);
  } catch {
    // already gone
  }
}

function killOnExit(child: ChildProcess): void {
  live.add(child);
  child.once("exit", () => live.delete(child));
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Synchronous, so it runs on every exit of the test process that runs any JavaScript at all.
  process.on("exit", () => {
    for (const c of live) signalGroup(c, "SIGKILL");
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function call(endpoint: string, method: string, pathname: string, timeoutMs = 10_000): Promise<Response> {
  const response = await fetch(`${endpoint}${pathname}`, { method, signal: AbortSignal.timeout(timeoutMs) });
  if (!response.ok) throw new Error(`moto ${method} ${pathname} answered ${response.status}: ${(await response.text()).slice(0, 300)}`);
  return response;
}

function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/** Waits for the process to exit, SIGKILL after `graceMs`; resolves once it is gone. */
async function ensureStopped(child: ChildProcess, graceMs = 5_000): Promise<void> {
  if (exited(child)) return;
  const gone = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.stdin?.destroy();
  signalGroup(child, "SIGTERM");
  const timer = setTimeout(() => signalGroup(child, "SIGKILL"), graceMs);
  try {
    await Promise.race([
      gone,
      sleep(graceMs * 3).then(() => Promise.reject(new Error(`moto (pid ${child.pid}) did not exit after SIGKILL`))),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

async function startOnce(server: string, port: number, deadline: number, recording: string): Promise<ChildProcess> {
  const python = pythonOf(server);
  const args = ["-H", "127.0.0.1", "-p", String(port)];
  const [command, argv] = python ? [python, ["-c", LAUNCHER, ...args]] : [server, args];
  const child = spawn(command, argv, {
    stdio: ["pipe", "pipe", "pipe"],
    detached: true,
    env: { ...process.env, MOTO_RECORDER_FILEPATH: recording, PYTHONUNBUFFERED: "1" },
  });
  killOnExit(child);
  // Werkzeug logs every request; keep only the end, for the message when start-up fails.
  let output = "";
  const keep = (chunk: Buffer) => (output = (output + chunk.toString("utf8")).slice(-4_000));
  child.stdout.on("data", keep);
  child.stderr.on("data", keep);
  const failed = new Promise<never>((_, reject) => {
    child.once("error", (err) => reject(new MotoStartError(`could not run ${command}: ${err.message}`, output)));
    child.once("exit", (code, signal) =>
      reject(new MotoStartError(`${server} exited (${signal ?? `code ${code}`}) before answering on port ${port}`, output)),
    );
  });
  failed.catch(() => undefined);
  const endpoint = `http://127.0.0.1:${port}`;
  for (;;) {
    const attempt = call(endpoint, "GET", "/moto-api/", 2_000).then(
      () => true,
      () => false,
    );
    if (await Promise.race([attempt, failed])) return child;
    if (Date.now() > deadline) {
      await ensureStopped(child);
      throw new MotoStartError(`${server} did not answer on port ${port} by the deadline`, output);
    }
    await Promise.race([sleep(200), failed]);
  }
}

/** Starts moto on a free loopback port; a port taken between probe and bind is retried, twice. */
export async function startMoto(server: string, options: StartMotoOptions = {}): Promise<MotoServer> {
  const deadline = Date.now() + (options.startTimeoutMs ?? 90_000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "trail-lab-moto-"));
  const recording = path.join(dir, "recording.jsonl");
  let started: { child: ChildProcess; port: number } | undefined;
  try {
    for (let attempt = 1; !started; attempt++) {
      const port = await freePort();
      try {
        started = { child: await startOnce(server, port, deadline, recording), port };
      } catch (err) {
        const portTaken = err instanceof MotoStartError && /Address already in use/i.test(err.output);
        if (!portTaken || attempt >= 3) throw err;
      }
    }
  } catch (err) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const { child, port } = started;
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    port,
    pid: child.pid!,
    async reset() {
      await call(endpoint, "POST", "/moto-api/reset");
    },
    async startRecording() {
      await call(endpoint, "POST", "/moto-api/recorder/reset-recording");
      await call(endpoint, "POST", "/moto-api/recorder/start-recording");
    },
    async recorded() {
      const text = await (await call(endpoint, "GET", "/moto-api/recorder/download-recording")).text();
      return text
        .split("\n")
        .filter((line) => line.trim() !== "")
        .map((line) => {
          const entry = JSON.parse(line) as { method: string; url: string };
          const url = new URL(entry.url, endpoint);
          return { method: entry.method, path: decodeURIComponent(url.pathname).replace(/(.)\/$/, "$1"), query: url.searchParams };
        });
    },
    async stop() {
      try {
        await ensureStopped(child);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
