// The in-memory S3 (memory-s3.ts) in a process of its own, as a remote S3 is: the benchmark's
// scanner then competes with it for the cores as it would with the network stack, never for its
// event loop. The child loads folders from disk into buckets, prints its endpoint, and takes one
// command per stdin line (`{"latencyMs": 30}`); it exits when stdin closes, so that it never
// outlives the process that started it.
import { spawn, type ChildProcess } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { extname, join, relative, sep } from "node:path";
import { createInterface } from "node:readline";
import { startMemoryS3 } from "./memory-s3";

export interface BucketSource {
  name: string;
  /** A folder whose files become the bucket's objects, keyed by their path below it; none for an empty bucket. */
  root?: string;
  /** Only files whose key starts with one of these (all when absent). */
  prefixes?: string[];
  /** A JSON file of `{ "<key>": { "<name>": "<value>" } }`: user metadata of those objects (a digest's signature). */
  metadata?: string;
}

export interface MemoryS3ProcessSpec {
  buckets: BucketSource[];
  latencyMs?: number;
}

export interface MemoryS3Process {
  endpoint: string;
  /** Objects and bytes the child holds. */
  objects: number;
  bytes: number;
  setLatency(ms: number): Promise<void>;
  close(): Promise<void>;
}

function* files(root: string, dir = root): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* files(root, path);
    else if (entry.isFile()) yield relative(root, path).split(sep).join("/");
  }
}

async function child(spec: MemoryS3ProcessSpec): Promise<void> {
  const s3 = await startMemoryS3({ latencyMs: spec.latencyMs ?? 0 });
  let objects = 0;
  let bytes = 0;
  for (const bucket of spec.buckets) {
    s3.createBucket(bucket.name);
    if (!bucket.root) continue;
    const metadata = bucket.metadata ? (JSON.parse(readFileSync(bucket.metadata, "utf8")) as Record<string, Record<string, string>>) : {};
    for (const key of files(bucket.root)) {
      if (!key.startsWith("AWSLogs/")) continue;
      if (bucket.prefixes && !bucket.prefixes.some((p) => key.startsWith(p))) continue;
      const body = readFileSync(join(bucket.root, key));
      s3.put(bucket.name, key, body, metadata[key]);
      objects += 1;
      bytes += body.length;
    }
  }
  process.stdout.write(`${JSON.stringify({ endpoint: s3.endpoint, objects, bytes })}\n`);
  const lines = createInterface({ input: process.stdin });
  lines.on("line", (line) => {
    const command = JSON.parse(line) as { latencyMs?: number };
    if (typeof command.latencyMs === "number") s3.latencyMs = command.latencyMs;
    process.stdout.write(`${JSON.stringify({ ok: true })}\n`);
  });
  lines.on("close", () => void s3.close());
}

/** ts-node for the child when this runs from the sources (the tests); none from build/ (the bench). */
const tsHook = extname(__filename) === ".ts" ? ["-r", "ts-node/register/transpile-only"] : [];

/** Starts the child and waits for its endpoint; close() ends it (and so does this process exiting). */
export async function startMemoryS3Process(spec: MemoryS3ProcessSpec): Promise<MemoryS3Process> {
  const proc: ChildProcess = spawn(process.execPath, [...tsHook, __filename, JSON.stringify(spec)], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  const lines = createInterface({ input: proc.stdout! });
  const replies: ((line: string) => void)[] = [];
  const exited = new Promise<void>((resolve) => proc.once("exit", () => resolve()));
  const first = new Promise<string>((resolve, reject) => {
    replies.push(resolve);
    proc.once("exit", (code) => reject(new Error(`the memory S3 process exited (${code}) before it listened`)));
    proc.once("error", reject);
  });
  lines.on("line", (line) => replies.shift()?.(line));
  const ready = JSON.parse(await first) as { endpoint: string; objects: number; bytes: number };
  return {
    ...ready,
    setLatency: (ms) =>
      new Promise<void>((resolve) => {
        replies.push(() => resolve());
        proc.stdin!.write(`${JSON.stringify({ latencyMs: ms })}\n`);
      }),
    close: async () => {
      proc.stdin!.end();
      const timer = setTimeout(() => proc.kill(), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}

if (require.main === module) {
  child(JSON.parse(process.argv[2] ?? "{}") as MemoryS3ProcessSpec).catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  });
}
