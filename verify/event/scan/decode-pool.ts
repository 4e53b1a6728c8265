// Decoding log objects off the I/O thread: a small pool of worker threads (one per core unless
// told otherwise) fed by the thread that downloads. Each object's bytes are transferred to a
// worker, not copied, and its outcome (the matching records, or why it was skipped) comes back.
//
// Memory is bounded whatever the bucket holds: at most `maxQueued` objects wait for a worker
// (scan() waits for room), at most `size` are being decoded, and the decoded bytes of those are
// reserved first from a byte budget, by the size the gzip trailer gives (a worker whose output
// would pass that hands the object back, and it is decoded again with the whole cap reserved).
//
// A worker that dies (an uncaught error, out of memory, an exit) fails the one object it held
// with DecodeWorkerError, never a hang; the next object gets a new worker. An abort ends a queued
// object's wait and terminates the worker of a running one; close() terminates every worker.
// Workers that are loaded and idle are unref'd, so that a pool nobody closed still lets the process exit.
import { availableParallelism } from "node:os";
import { extname, join } from "node:path";
import { Worker } from "node:worker_threads";
import { ByteBudget, type BudgetGrant } from "./byte-budget";
import { MAX_UNCOMPRESSED_BYTES } from "../../decode";
import { DecodeWorkerError } from "../../errors";
import type { DecodeJob, DecodeReply, DecodeWorkerData } from "./decode-worker";
import type { CompiledCriteria, ScanOutcome } from "../match";
import { abortReason } from "../../pacing/abort-reason";

/** Objects that may wait for each worker, by default. */
export const QUEUED_PER_WORKER = 4;

export interface DecodePoolOptions {
  criteria: CompiledCriteria;
  /**
   * Worker threads.
   * @default os.availableParallelism()
   */
  size?: number;
  /**
   * Objects waiting for a worker at most; scan() waits for room beyond.
   * @default QUEUED_PER_WORKER per worker
   */
  maxQueued?: number;
  /**
   * The uncompressed size cap of one object.
   * @default MAX_UNCOMPRESSED_BYTES
   */
  maxBytes?: number;
  /**
   * Uncompressed bytes being decoded at once.
   * @default a budget of `maxBytes` (one object at the cap, or many small)
   */
  decodedBudget?: ByteBudget;
  /**
   * The worker module (exporting main()); tests pass entries of their own.
   * @default DEFAULT_ENTRY (decode-worker, beside this file)
   */
  entry?: string;
}

interface Job {
  id: number;
  key: string;
  gz: ArrayBuffer;
  limit: number;
  grant: BudgetGrant;
  /** The job's place among the queued; given back when it reaches a worker. */
  room: BudgetGrant | null;
  resolve: (outcome: ScanOutcome) => void;
  reject: (err: Error) => void;
  signal?: AbortSignal;
  onAbort?: () => void;
  worker?: PoolWorker;
}

interface PoolWorker {
  thread: Worker;
  job: Job | null;
  ready: Promise<void>;
  isReady: boolean;
  gone: boolean;
}

/** A whole ArrayBuffer holding exactly `bytes`: the buffer's own when it has one, else a copy. */
export function ownArrayBuffer(bytes: Buffer): ArrayBuffer {
  const { buffer, byteOffset, byteLength } = bytes;
  // A slice of Node's shared pool or of a socket's read must never be transferred: that would detach it for everyone.
  if (buffer instanceof ArrayBuffer && byteOffset === 0 && byteLength === buffer.byteLength) return buffer;
  const copy = new ArrayBuffer(byteLength);
  new Uint8Array(copy).set(bytes);
  return copy;
}

/** What decoding is reserved: the gzip trailer's size (mod 2^32, and only a hint), capped. */
export function decodedEstimate(gz: Buffer, cap: number): number {
  const hint = gz.length >= 18 ? gz.readUInt32LE(gz.length - 4) : 0;
  // +64, as gunzipLog sizes its buffer: an output that fills it exactly still fits.
  return Math.min(cap, hint + 64);
}

const DEFAULT_ENTRY = join(__dirname, `decode-worker${extname(__filename)}`);
// Loads the hook when the pool runs from TypeScript (ts-node), then the entry, then its main().
const BOOTSTRAP = `const { workerData } = require("node:worker_threads");
if (workerData.register) require(workerData.register);
require(workerData.entry).main();
require("node:worker_threads").parentPort.postMessage({ ready: true });`;

export class DecodePool {
  readonly size: number;
  readonly maxQueued: number;
  readonly maxBytes: number;
  /** Uncompressed bytes reserved by objects being decoded (or waiting to be, with their reservation). */
  readonly decodedBudget: ByteBudget;
  /** Objects accepted and not yet in a worker; `peak` is what the memory tests read. */
  readonly queueRoom: ByteBudget;
  /** Workers started over the pool's life, replacements included. */
  workersStarted = 0;
  private readonly workers = new Set<PoolWorker>();
  private readonly queue: Job[] = [];
  private readonly entry: string;
  private readonly data: Omit<DecodeWorkerData, "entry">;
  private nextId = 1;
  private closed = false;

  constructor(options: DecodePoolOptions) {
    this.size = options.size ?? availableParallelism();
    if (!(Number.isInteger(this.size) && this.size >= 1))
      throw new RangeError(`A decode pool needs a whole number of workers >= 1, not ${options.size}.`);
    this.maxQueued = options.maxQueued ?? QUEUED_PER_WORKER * this.size;
    this.maxBytes = options.maxBytes ?? MAX_UNCOMPRESSED_BYTES;
    this.decodedBudget = options.decodedBudget ?? new ByteBudget(this.maxBytes);
    this.queueRoom = new ByteBudget(this.maxQueued);
    this.entry = options.entry ?? DEFAULT_ENTRY;
    const { eventName, resource, sinceMs } = options.criteria;
    this.data = {
      register: extname(__filename) === ".ts" ? require.resolve("ts-node/register/transpile-only") : null,
      criteria: { eventName, resource, sinceMs },
      maxBytes: this.maxBytes,
    };
  }

  /** Workers running now. */
  get running(): number {
    return this.workers.size;
  }

  /** Whether some worker has loaded and can decode now (not only queue). */
  get hasReadyWorker(): boolean {
    for (const w of this.workers) if (w.isReady) return true;
    return false;
  }

  /**
   * Starts every worker and resolves once each is ready to decode. Optional: scan() starts them
   * as needed, but a worker takes a moment to load, which a caller may rather spend beside its
   * first requests.
   */
  async start(): Promise<void> {
    this.ensureOpen();
    while (this.workers.size < this.size) this.spawn();
    await Promise.all([...this.workers].map((w) => w.ready));
  }

  /**
   * The decode-and-match outcome of one object, as scanLogObject gives it. `gz` is handed over:
   * its memory moves to a worker, and the caller must not read it afterwards.
   */
  async scan(gz: Buffer, key: string, signal?: AbortSignal): Promise<ScanOutcome> {
    this.ensureOpen();
    const room = await this.queueRoom.reserve(1, signal);
    let grant: BudgetGrant | undefined;
    try {
      grant = await this.decodedBudget.reserve(decodedEstimate(gz, this.maxBytes), signal);
      this.ensureOpen();
    } catch (err) {
      // Closed while this waited: what was reserved goes back, or a shared budget shrinks for good.
      grant?.release();
      room.release();
      throw err;
    }
    return new Promise<ScanOutcome>((resolve, reject) => {
      const job: Job = {
        id: this.nextId++,
        key,
        gz: ownArrayBuffer(gz),
        limit: grant.bytes,
        grant,
        room,
        signal,
        resolve: (outcome) => {
          this.settle(job);
          resolve(outcome);
        },
        reject: (err) => {
          this.settle(job);
          reject(err);
        },
      };
      if (signal) {
        job.onAbort = () => this.abort(job);
        signal.addEventListener("abort", job.onAbort, { once: true });
      }
      this.queue.push(job);
      this.pump();
    });
  }

  /** Terminates every worker; objects still queued or decoding reject. Safe to call twice. */
  async close(): Promise<void> {
    this.closed = true;
    const closing = new DOMException("The decode pool was closed with objects still to decode.", "AbortError");
    for (const job of this.queue.splice(0)) job.reject(closing);
    const threads = [...this.workers];
    for (const w of threads) {
      w.gone = true;
      w.job?.reject(closing);
      w.job = null;
    }
    this.workers.clear();
    await Promise.all(threads.map((w) => w.thread.terminate()));
  }

  private ensureOpen(): void {
    if (this.closed) throw new DOMException("The decode pool is closed.", "AbortError");
  }

  private settle(job: Job): void {
    job.room?.release();
    job.room = null;
    job.grant.release();
    if (job.signal && job.onAbort) job.signal.removeEventListener("abort", job.onAbort);
    job.onAbort = undefined;
  }

  private spawn(): PoolWorker {
    const data: DecodeWorkerData = { entry: this.entry, ...this.data };
    const thread = new Worker(BOOTSTRAP, { eval: true, workerData: data });
    this.workersStarted += 1;
    let markReady: () => void = () => undefined;
    let failReady: (err: unknown) => void = () => undefined;
    const worker: PoolWorker = {
      thread,
      job: null,
      isReady: false,
      gone: false,
      ready: new Promise<void>((resolve, reject) => {
        markReady = resolve;
        failReady = reject;
      }),
    };
    // Nobody may await readiness; an unawaited rejection must not surface as unhandled.
    worker.ready.catch(() => undefined);
    thread.on("message", (message: DecodeReply | { ready: true }) => {
      if ("ready" in message) {
        // Read after close() or an abort let it go (a large object decoded on the I/O thread keeps
        // messages unread): terminate() has ref'd it so that the process waits for its exit, and an
        // unref here would let the process end, exit code 0, with close() still awaited (#20).
        if (worker.gone) return;
        worker.isReady = true;
        if (!worker.job) thread.unref();
        markReady();
      } else this.reply(worker, message);
    });
    thread.on("error", (err) => {
      failReady(err);
      this.crash(worker, `${(err as { code?: string }).code ?? err.name}: ${err.message}`);
    });
    thread.on("exit", (code) => {
      failReady(new Error(`exit code ${code}`));
      this.crash(worker, `it exited with code ${code}`);
    });
    // Referenced while it loads (someone may be waiting for it), unreferenced once ready and idle.
    this.workers.add(worker);
    return worker;
  }

  private pump(): void {
    while (this.queue.length > 0 && !this.closed) {
      let worker = [...this.workers].find((w) => w.job === null);
      if (!worker) {
        if (this.workers.size >= this.size) return;
        worker = this.spawn();
      }
      const job = this.queue.shift()!;
      job.room?.release();
      job.room = null;
      worker.job = job;
      job.worker = worker;
      worker.thread.ref();
      const message: DecodeJob = { id: job.id, gz: job.gz, limit: job.limit };
      worker.thread.postMessage(message, [job.gz]);
    }
  }

  private reply(worker: PoolWorker, reply: DecodeReply): void {
    const job = worker.job;
    if (!job || job.id !== reply.id) return;
    worker.job = null;
    job.worker = undefined;
    worker.thread.unref();
    if ("overLimit" in reply) {
      // Larger than its trailer said (several gzip members, or a lie): again, with the whole cap reserved.
      job.gz = reply.gz;
      job.grant.release();
      this.decodedBudget.reserve(this.maxBytes, job.signal).then(
        (grant) => {
          job.grant = grant;
          job.limit = grant.bytes;
          if (this.closed) return job.reject(new DOMException("The decode pool was closed with objects still to decode.", "AbortError"));
          this.queue.unshift(job);
          this.pump();
        },
        (err: unknown) => job.reject(err as Error),
      );
    } else job.resolve(reply.outcome);
    this.pump();
  }

  private crash(worker: PoolWorker, detail: string): void {
    if (worker.gone) return;
    worker.gone = true;
    this.workers.delete(worker);
    const job = worker.job;
    worker.job = null;
    if (job) job.reject(new DecodeWorkerError(job.key, detail));
    if (!worker.isReady) {
      // It died loading: so would a replacement. The queued objects fail too, instead of a respawn loop.
      for (const queued of this.queue.splice(0))
        queued.reject(new DecodeWorkerError(queued.key, `the decode worker could not start: ${detail}`));
      return;
    }
    // The objects behind it get a new worker.
    this.pump();
  }

  private abort(job: Job): void {
    const reason = abortReason(job.signal!, "The decode");
    const queued = this.queue.indexOf(job);
    if (queued >= 0) {
      this.queue.splice(queued, 1);
      job.reject(reason);
      return;
    }
    const worker = job.worker;
    if (worker && !worker.gone) {
      // A decode cannot be interrupted: its worker goes, and the objects behind get a new one.
      worker.gone = true;
      this.workers.delete(worker);
      worker.job = null;
      void worker.thread.terminate();
      job.reject(reason);
      this.pump();
    }
  }
}
