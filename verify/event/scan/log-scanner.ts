// Finding and reading the trail's log files in S3, round after round, without reading any
// object twice and without missing one delivered late.
//
// Each round lists every day folder in range with the SDK paginator, from a StartAfter key
// built from a stamp RELIST_LOOKBACK before the newest stamp already seen in that folder: a key
// delivered late can sort before keys already read (its random part has no order), so the
// lookback re-lists a window and the folder's `seen` set keeps those keys from a second download.
//
// A round is a pipeline: up to LIST_CONCURRENCY (32) folders are listed side by side, and each key
// listed starts its download as soon as one of the `concurrency` slots is free, whichever folder
// it came from, so that no folder's end is a barrier. A slot is held until the object is decoded:
// at most `concurrency` objects are held at once, however many the bucket has. Decoding runs on a
// pool of worker threads (decode-pool.ts), off the thread that does the I/O, once a scan has
// enough objects to pay for starting them (POOL_AFTER_OBJECTS); before, on this thread.
//
// Memory is bounded by bytes too: each download first reserves its listed size from a byte budget
// (byte-budget.ts) and gives it back once decoded, and an object listed larger than any log file
// is skipped, named, without being read. A connection that drops mid-body is read again
// (pacing/retry.ts), and so is an answer of 503 SlowDown or a 5xx, later and with fewer requests in
// flight (in-flight.ts); only one that keeps failing fails the scan, and the first failure of a
// round aborts the rest of it.
import { setMaxListeners } from "node:events";
import type { S3Client } from "@aws-sdk/client-s3";
import { awsErrorCode } from "../../../common/aws-error-code";
import { isBusy, isThrottling, toVerifyError } from "../../aws-errors";
import { ByteBudget } from "./byte-budget";
import { forEachConcurrent } from "../../pacing/concurrency";
import { findAccountRoots } from "../../s3/account-roots";
import { formatMiB } from "../../decode";
import { InFlightLimit, type Slot } from "./in-flight";
import { LeanGet, StrayBytesError } from "../../s3/lean-get";
import { listPages } from "../../s3/listing";
import { awsLogsPrefix, dayFolders, logFileStamp, startAfterKey, type DayFolder } from "../../s3/log-keys";
import { DecodePool } from "./decode-pool";
import { scanLogObject, type CompiledCriteria, type ScanOutcome } from "../match";
import { retryDropped, retryWhile } from "../../pacing/retry";
import type { Clock } from "../../pacing/clock";
import { BodyOverCapError, readObject } from "../../s3/s3-objects";
import type { S3Match, SkippedObject } from "../types";
import { DEFAULT_CONCURRENCY, MAX_CONCURRENCY } from "../defaults";

/** How far before the newest stamp seen a folder is listed again. */
export const RELIST_LOOKBACK_MS = 15 * 60 * 1000;
// In defaults.ts, which verify --help reads without loading the scanner.
export { DEFAULT_CONCURRENCY, MAX_CONCURRENCY };
/**
 * Day folders listed side by side, so that a month of every region does not pay each folder's
 * latency in turn (docs/bench.md, the listing row); each listing is its own prefix for S3's rates.
 */
export const LIST_CONCURRENCY = 32;
/**
 * The largest object read as a log file. CloudTrail's are 1-100 KB gzipped, rarely a few MB; JSON
 * this large would uncompress past the decoder's cap (MAX_UNCOMPRESSED_BYTES) anyway.
 */
export const MAX_LOG_OBJECT_BYTES = 64 * 1024 * 1024;
/** Compressed bytes downloaded and not yet decoded, over all downloads in flight. */
export const BYTES_IN_FLIGHT = 2 * MAX_LOG_OBJECT_BYTES;
/**
 * Objects a round starts before the decode workers are started: a scan of a few dozen files (the
 * lab's, most rounds) decodes them on this thread rather than pay the workers' start-up
 * (docs/verify.md); a larger one starts them and decodes here only until they are ready.
 */
export const POOL_AFTER_OBJECTS = 200;
/** A read answered 503 SlowDown (or another 5xx) is tried this many times in all, within the retry deadline. */
export const BUSY_ATTEMPTS = 8;

/** Which code path sends the log objects' GETs: "lean" (s3/lean-get.ts) or "sdk" (the SDK's GetObject). */
export type GetPath = "lean" | "sdk";

export interface LogScannerOptions {
  s3: S3Client;
  bucket: string;
  trailPrefix: string | null;
  account: string;
  regions: string[];
  /** Logs delivered before this instant cannot hold a matching event. */
  from: Date;
  criteria: CompiledCriteria;
  /**
   * Objects downloaded and decoded at once.
   * @default DEFAULT_CONCURRENCY
   */
  concurrency?: number;
  /**
   * Day folders listed at once.
   * @default LIST_CONCURRENCY
   */
  listConcurrency?: number;
  /** @default "lean" */
  getPath?: GetPath;
  /**
   * Decode worker threads; 0 decodes on this thread.
   * @default the decode pool's size (DecodePoolOptions.size)
   */
  decodeWorkers?: number;
  /**
   * A pool of the caller's, used instead of one of the scanner's own (and not closed by it).
   * @default none: the scanner's own
   */
  pool?: DecodePool;
  /**
   * Bounds the bytes held by downloads in flight.
   * @default a budget of BYTES_IN_FLIGHT (or of maxObjectBytes, if larger)
   */
  budget?: ByteBudget;
  /**
   * Objects listed larger are skipped, named, and never read.
   * @default MAX_LOG_OBJECT_BYTES
   */
  maxObjectBytes?: number;
  /**
   * A line for each read tried again.
   * @default none
   */
  onRetry?: (line: string) => void;
  /**
   * The clock retries wait on (tests pass one that does not).
   * @default systemClock
   */
  clock?: Clock;
  /** @default none */
  signal?: AbortSignal;
}

interface ListedLog {
  key: string;
  /** As listed; what the download reserves from the budget. */
  size: number;
}

interface FolderState {
  folder: DayFolder;
  startAfter: string;
  seen: Set<string>;
  newestStamp: number;
}

/** One round's downloads: started as slots free up, awaited together, the first failure kept. */
class RoundWork {
  private readonly running = new Set<Promise<void>>();
  private readonly stop = new AbortController();
  private failure: { error: unknown } | null = null;
  readonly signal: AbortSignal;

  constructor(parent: AbortSignal | undefined, listeners: number) {
    this.signal = parent ? AbortSignal.any([parent, this.stop.signal]) : this.stop.signal;
    // Every request, budget wait and slot wait in flight listens here: many more than Node's 10.
    setMaxListeners(listeners, this.signal);
  }

  /** Ends the round at its first failure: what is still in flight is aborted, not waited out. */
  fail(error: unknown): void {
    if (this.failure) return;
    this.failure = { error };
    this.stop.abort(new DOMException("Another part of the round failed.", "AbortError"));
  }

  throwIfFailed(): void {
    if (this.failure) throw this.failure.error;
  }

  /** Starts `task` in the background once `limit` gives a slot. */
  async start(limit: InFlightLimit, task: (slot: Slot) => Promise<void>): Promise<void> {
    this.throwIfFailed();
    const slot = await limit.acquire(this.signal);
    const run = task(slot).then(
      () => undefined,
      (err: unknown) => this.fail(err),
    );
    const tracked = run.finally(() => {
      slot.release();
      this.running.delete(tracked);
    });
    this.running.add(tracked);
  }

  /** Waits for every task started; then the round's first failure, if any, is thrown. */
  async finish(): Promise<void> {
    while (this.running.size > 0) await Promise.all(this.running);
    this.throwIfFailed();
  }
}

export class LogScanner {
  objectsScanned = 0;
  bytesScanned = 0;
  bytesDownloaded = 0;
  readonly skipped: SkippedObject[] = [];
  /** Matching records by eventID: a record delivered twice counts once. */
  readonly matches = new Map<string, S3Match>();
  /** The bytes in flight, reserved from the listing's sizes. */
  readonly budget: ByteBudget;
  /** Requests (and objects held) in flight; below its max for a while after a SlowDown. */
  readonly inFlight: InFlightLimit;
  /** Objects downloaded and not yet decoded, now and at most: never more than `concurrency`. */
  objectsHeld = 0;
  peakObjectsHeld = 0;
  readonly concurrency: number;
  readonly getPath: GetPath;
  private readonly listConcurrency: number;
  private readonly maxObjectBytes: number;
  private readonly folders = new Map<string, FolderState>();
  private readonly lean: LeanGet | null;
  private pool: DecodePool | null;
  private readonly ownsPool: boolean;
  private accountRoots: string[] | null = null;

  constructor(private readonly options: LogScannerOptions) {
    this.concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
    if (!(Number.isInteger(this.concurrency) && this.concurrency >= 1 && this.concurrency <= MAX_CONCURRENCY)) {
      throw new RangeError(`concurrency must be a whole number from 1 to ${MAX_CONCURRENCY}, not ${options.concurrency}.`);
    }
    this.listConcurrency = options.listConcurrency ?? LIST_CONCURRENCY;
    this.maxObjectBytes = options.maxObjectBytes ?? MAX_LOG_OBJECT_BYTES;
    this.budget = options.budget ?? new ByteBudget(Math.max(BYTES_IN_FLIGHT, this.maxObjectBytes));
    this.inFlight = new InFlightLimit(this.concurrency);
    this.getPath = options.getPath ?? "lean";
    this.lean = this.getPath === "lean" ? new LeanGet(options.s3, { maxSockets: this.concurrency }) : null;
    this.ownsPool = !options.pool;
    this.pool =
      options.pool ?? (options.decodeWorkers === 0 ? null : new DecodePool({ criteria: options.criteria, size: options.decodeWorkers }));
  }

  /**
   * Starts the decode workers without waiting for them: they take a moment to load, and objects
   * are decoded on this thread meanwhile. A worker that cannot start is reported by the first
   * object it was to decode, not here.
   */
  warmUp(): void {
    this.pool?.start().catch(() => undefined);
  }

  /** Starts the decode workers now and waits until they are loaded (the bench starts its clock after this). */
  async ready(): Promise<void> {
    await this.pool?.start();
  }

  /** Ends the decode workers and the kept-alive connections; call it on every way out. */
  async close(): Promise<void> {
    this.lean?.destroy();
    const pool = this.pool;
    this.pool = null;
    if (pool && this.ownsPool) await pool.close();
  }

  /**
   * Lists every day folder from `from` to `now` and reads the log files not read before. Reads
   * that S3 asks to slow down are tried again until `retryDeadline` (epoch ms) at the latest.
   */
  async scanRound(now: Date, retryDeadline = Infinity): Promise<void> {
    const folders: FolderState[] = [];
    for (const root of await this.roots()) {
      for (const folder of dayFolders(root, this.options.account, this.options.regions, this.options.from, now))
        folders.push(this.folderState(folder));
    }
    const round = new RoundWork(this.options.signal, 4 * this.concurrency + 4 * this.listConcurrency + 16);
    // A listing that fails fails the round there and then, so the listings and downloads still in
    // flight are aborted, not waited out (forEachConcurrent settles every task before it throws).
    const listOrFail = (state: FolderState) =>
      this.listFolder(state, round, retryDeadline).catch((err: unknown) => {
        round.fail(err);
        throw err;
      });
    try {
      await forEachConcurrent(folders, this.listConcurrency, listOrFail);
    } catch (err) {
      round.fail(err);
    }
    await round.finish();
    for (const state of folders) this.advance(state);
  }

  /** The folders scanned so far, for messages. */
  folderPrefixes(): string[] {
    return [...this.folders.keys()];
  }

  /** The account roots, found once; looked for again while nothing is there. */
  private async roots(): Promise<string[]> {
    if (this.accountRoots) return this.accountRoots;
    const { s3, bucket, trailPrefix, account, signal } = this.options;
    const found = await findAccountRoots(s3, bucket, trailPrefix, account, signal);
    if (found.length > 0) this.accountRoots = found;
    return found.length > 0 ? found : [`${awsLogsPrefix(trailPrefix)}${account}/`];
  }

  private folderState(folder: DayFolder): FolderState {
    let state = this.folders.get(folder.prefix);
    if (!state) {
      state = { folder, startAfter: startAfterKey(folder, this.options.from), seen: new Set(), newestStamp: 0 };
      this.folders.set(folder.prefix, state);
    }
    return state;
  }

  private started = 0;

  private async listFolder(state: FolderState, round: RoundWork, retryDeadline: number): Promise<void> {
    const { s3, bucket } = this.options;
    // One page at a time: a page of keys per listing in memory, and each key waits for a slot.
    for await (const page of listPages(
      s3,
      { Bucket: bucket, Prefix: state.folder.prefix, StartAfter: state.startAfter },
      { signal: round.signal },
    )) {
      for (const { Key: key, Size: size } of page.Contents ?? []) {
        if (!key || state.seen.has(key)) continue;
        const stamp = logFileStamp(key);
        // Digests, Insight files and strays are not logs; they are never downloaded.
        if (!stamp) continue;
        state.newestStamp = Math.max(state.newestStamp, stamp.getTime());
        if (size !== undefined && size > this.maxObjectBytes) {
          state.seen.add(key);
          this.skipped.push({
            key,
            reason: `over the size cap: ${formatMiB(size)} listed, more than the ${formatMiB(this.maxObjectBytes)} a log file is read up to; not downloaded`,
          });
          continue;
        }
        // An endpoint that lists no size gets the cap reserved: the read stops there anyway.
        const log = { key, size: size ?? this.maxObjectBytes };
        if (++this.started === POOL_AFTER_OBJECTS) this.warmUp();
        await round.start(this.inFlight, (slot) => this.readLog(log, state.seen, slot, round.signal, retryDeadline));
      }
    }
  }

  /** Once a round is over: the next lists the folder from just before its newest stamp. */
  private advance(state: FolderState): void {
    if (state.newestStamp === 0) return;
    const relistFrom = startAfterKey(state.folder, new Date(state.newestStamp - RELIST_LOOKBACK_MS));
    if (relistFrom <= state.startAfter) return;
    state.startAfter = relistFrom;
    // Keys at or before StartAfter are never listed again, so they need no memory.
    for (const key of state.seen) if (key <= relistFrom) state.seen.delete(key);
  }

  private async readLog(
    { key, size }: ListedLog,
    seen: Set<string>,
    slot: Slot,
    signal: AbortSignal,
    retryDeadline: number,
  ): Promise<void> {
    const { bucket } = this.options;
    const grant = await this.budget.reserve(size, signal);
    try {
      const gz = await this.download(key, slot, signal, retryDeadline);
      seen.add(key);
      if (gz) {
        // Counted first: decoding moves the bytes to a worker, and `gz` is empty afterwards.
        const gzBytes = gz.length;
        this.objectsHeld += 1;
        this.peakObjectsHeld = Math.max(this.peakObjectsHeld, this.objectsHeld);
        try {
          this.record(key, gzBytes, await this.decode(key, gz, signal));
        } finally {
          this.objectsHeld -= 1;
        }
      }
    } catch (err) {
      if (awsErrorCode(err) === "NoSuchKey") {
        // Deleted between listing and reading (a lifecycle rule, a cleanup): nothing to read.
        seen.add(key);
        this.skipped.push({ key, reason: "deleted before it could be read" });
        return;
      }
      throw toVerifyError("GetObject", `s3://${bucket}/${key}`, err);
    } finally {
      grant.release();
    }
  }

  private decode(key: string, gz: Buffer, signal: AbortSignal): Promise<ScanOutcome> {
    // Until a worker has loaded (a moment, under ts-node), this thread decodes, as it did before the pool.
    if (!this.pool?.hasReadyWorker) return Promise.resolve(scanLogObject(gz, this.options.criteria));
    return this.pool.scan(gz, `s3://${this.options.bucket}/${key}`, signal);
  }

  /**
   * The object's bytes, read again if its connection drops or S3 is busy; null when it is
   * skipped for its size.
   */
  private async download(key: string, slot: Slot, signal: AbortSignal, retryDeadline: number): Promise<Buffer | null> {
    const { s3, bucket, clock } = this.options;
    const target = `GetObject s3://${bucket}/${key}`;
    const read = { maxBytes: this.maxObjectBytes, signal };
    const once = () => (this.lean ? this.lean.get(bucket, key, read) : readObject(s3, bucket, key, read));
    const whenBusy = () =>
      retryWhile(once, isBusy, {
        deadline: retryDeadline,
        maxAttempts: BUSY_ATTEMPTS,
        baseMs: 200,
        maxMs: 5000,
        signal,
        clock,
        onRetry: (attempt, delayMs, err) => {
          if (isThrottling(err)) this.inFlight.slowDown(slot);
          this.options.onRetry?.(
            `${target}: S3 is busy (${awsErrorCode(err)}), try ${attempt}; reading it again in ${(delayMs / 1000).toFixed(1)}s with fewer requests in flight`,
          );
        },
      });
    try {
      const gz = await retryDropped(whenBusy, {
        signal,
        clock,
        onRetry: (attempt, delayMs, err) =>
          this.options.onRetry?.(
            `${target}: connection dropped (${err instanceof StrayBytesError ? err.message : awsErrorCode(err)}), try ${attempt}; reading it again in ${(delayMs / 1000).toFixed(1)}s`,
          ),
      });
      this.inFlight.succeeded();
      return gz;
    } catch (err) {
      if (!(err instanceof BodyOverCapError)) throw err;
      this.skipped.push({
        key,
        reason: `over the size cap: the body runs past the ${formatMiB(this.maxObjectBytes)} a log file is read up to (more than listed); not read further`,
      });
      return null;
    }
  }

  private record(key: string, gzBytes: number, outcome: ScanOutcome): void {
    this.objectsScanned += 1;
    this.bytesDownloaded += gzBytes;
    this.bytesScanned += outcome.bytesScanned;
    if (outcome.skippedReason) this.skipped.push({ key, reason: outcome.skippedReason });
    for (const record of outcome.matches) {
      // Delivered twice: keep the earlier-stamped copy, whichever download finished first.
      const known = this.matches.get(record.eventID);
      if (!known || key < known.key) this.matches.set(record.eventID, { key, record });
    }
  }
}
