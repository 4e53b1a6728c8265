// Finding and reading the trail's log files in S3, round after round, without reading any
// object twice and without missing one delivered late.
//
// Each round lists every day folder in range with the SDK paginator, from a StartAfter key
// built from a stamp RELIST_LOOKBACK before the newest stamp already seen in that folder: a key
// delivered late can sort before keys already read (its random part has no order), so the
// lookback re-lists a window and the folder's `seen` set keeps those keys from a second download.
//
// Memory is bounded by bytes, not by objects: each download first reserves its listed size from
// a byte budget (byte-budget.ts) and gives it back once decoded, and an object listed larger than
// any log file is skipped, named, without being read. A connection that drops mid-body is
// retried (retry.ts); only one that keeps dropping fails the scan.
import type { S3Client } from "@aws-sdk/client-s3";
import { awsErrorCode } from "../../common/aws-error-code";
import { toVerifyError } from "../aws-errors";
import { ByteBudget } from "../byte-budget";
import { forEachConcurrent } from "../concurrency";
import { findAccountRoots } from "../account-roots";
import { formatMiB } from "../decode";
import { listPages } from "../listing";
import { awsLogsPrefix, dayFolders, logFileStamp, startAfterKey, type DayFolder } from "../log-keys";
import { scanLogObject, type CompiledCriteria } from "./match";
import { retryDropped } from "../retry";
import { BodyOverCapError, readObject } from "../s3-objects";
import type { CloudTrailRecord, SkippedObject } from "./types";

/** How far before the newest stamp seen a folder is listed again. */
export const RELIST_LOOKBACK_MS = 15 * 60 * 1000;
/** Objects downloaded and decoded at once: bounds the connections. */
export const DOWNLOAD_CONCURRENCY = 8;
/**
 * The largest object read as a log file. CloudTrail's are 1-100 KB gzipped, rarely a few MB; JSON
 * this large would uncompress past the decoder's cap (MAX_UNCOMPRESSED_BYTES) anyway.
 */
export const MAX_LOG_OBJECT_BYTES = 64 * 1024 * 1024;
/** Compressed bytes downloaded and not yet decoded, over all downloads in flight. */
export const BYTES_IN_FLIGHT = 2 * MAX_LOG_OBJECT_BYTES;

export interface LogScannerOptions {
  s3: S3Client;
  bucket: string;
  trailPrefix: string | null;
  account: string;
  regions: string[];
  /** Logs delivered before this instant cannot hold a matching event. */
  from: Date;
  criteria: CompiledCriteria;
  /** Bounds the bytes held by downloads in flight; defaults to a budget of BYTES_IN_FLIGHT. */
  budget?: ByteBudget;
  /** Objects listed larger are skipped, named, and never read; defaults to MAX_LOG_OBJECT_BYTES. */
  maxObjectBytes?: number;
  /** A line for each read tried again. */
  onRetry?: (line: string) => void;
  signal?: AbortSignal;
}

interface ListedLog {
  key: string;
  /** As listed; what the download reserves from the budget. */
  size: number;
}

export interface S3Match {
  key: string;
  record: CloudTrailRecord;
}

interface FolderState {
  startAfter: string;
  seen: Set<string>;
  newestStamp: number;
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
  private readonly maxObjectBytes: number;
  private readonly folders = new Map<string, FolderState>();
  private accountRoots: string[] | null = null;

  constructor(private readonly options: LogScannerOptions) {
    this.maxObjectBytes = options.maxObjectBytes ?? MAX_LOG_OBJECT_BYTES;
    this.budget = options.budget ?? new ByteBudget(Math.max(BYTES_IN_FLIGHT, this.maxObjectBytes));
  }

  /** Lists every day folder from `from` to `now` and reads the log files not read before. */
  async scanRound(now: Date): Promise<void> {
    for (const root of await this.roots()) {
      for (const folder of dayFolders(root, this.options.account, this.options.regions, this.options.from, now)) {
        await this.scanFolder(folder);
      }
    }
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

  private async scanFolder(folder: DayFolder): Promise<void> {
    const { s3, bucket, signal } = this.options;
    let state = this.folders.get(folder.prefix);
    if (!state) {
      state = { startAfter: startAfterKey(folder, this.options.from), seen: new Set(), newestStamp: 0 };
      this.folders.set(folder.prefix, state);
    }
    // One page at a time: memory holds at most a page of keys and the budget's bytes of objects.
    for await (const page of listPages(s3, { Bucket: bucket, Prefix: folder.prefix, StartAfter: state.startAfter }, { signal })) {
      const fresh: ListedLog[] = [];
      for (const { Key: key, Size: size } of page.Contents ?? []) {
        if (!key || state.seen.has(key)) continue;
        const stamp = logFileStamp(key);
        // Digests, Insight files and strays are not logs; they are never downloaded.
        if (!stamp) continue;
        state.newestStamp = Math.max(state.newestStamp, stamp.getTime());
        if (size !== undefined && size > this.maxObjectBytes) {
          state.seen.add(key);
          this.skipped.push({ key, reason: `over the size cap: ${formatMiB(size)} listed, more than the ${formatMiB(this.maxObjectBytes)} a log file is read up to; not downloaded` });
          continue;
        }
        // An endpoint that lists no size gets the cap reserved: the read stops there anyway.
        fresh.push({ key, size: size ?? this.maxObjectBytes });
      }
      await forEachConcurrent(fresh, DOWNLOAD_CONCURRENCY, (log) => this.readLog(log, state.seen));
    }
    if (state.newestStamp > 0) {
      const relistFrom = startAfterKey(folder, new Date(state.newestStamp - RELIST_LOOKBACK_MS));
      if (relistFrom > state.startAfter) {
        state.startAfter = relistFrom;
        // Keys at or before StartAfter are never listed again, so they need no memory.
        for (const key of state.seen) if (key <= relistFrom) state.seen.delete(key);
      }
    }
  }

  private async readLog({ key, size }: ListedLog, seen: Set<string>): Promise<void> {
    const { bucket, signal } = this.options;
    const grant = await this.budget.reserve(size, signal);
    try {
      const gz = await this.download(key);
      seen.add(key);
      if (gz) this.record(key, gz);
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

  /** The object's bytes, read again if its connection drops; null when it is skipped for its size. */
  private async download(key: string): Promise<Buffer | null> {
    const { s3, bucket, signal } = this.options;
    try {
      return await retryDropped(() => readObject(s3, bucket, key, { maxBytes: this.maxObjectBytes, signal }), {
        signal,
        onRetry: (attempt, delayMs, err) => this.options.onRetry?.(`GetObject s3://${bucket}/${key}: connection dropped (${awsErrorCode(err)}), try ${attempt}; reading it again in ${(delayMs / 1000).toFixed(1)}s`),
      });
    } catch (err) {
      if (!(err instanceof BodyOverCapError)) throw err;
      this.skipped.push({ key, reason: `over the size cap: the body runs past the ${formatMiB(this.maxObjectBytes)} a log file is read up to (more than listed); not read further` });
      return null;
    }
  }

  private record(key: string, gz: Buffer): void {
    const outcome = scanLogObject(gz, this.options.criteria);
    this.objectsScanned += 1;
    this.bytesDownloaded += gz.length;
    this.bytesScanned += outcome.bytesScanned;
    if (outcome.skippedReason) this.skipped.push({ key, reason: outcome.skippedReason });
    for (const record of outcome.matches) {
      // Delivered twice: keep the earlier-stamped copy, whichever download finished first.
      const known = this.matches.get(record.eventID);
      if (!known || key < known.key) this.matches.set(record.eventID, { key, record });
    }
  }
}
