// Finding and reading the trail's log files in S3, round after round, without reading any
// object twice and without missing one delivered late.
//
// Each round lists every day folder in range with the SDK paginator, from a StartAfter key
// built from a stamp RELIST_LOOKBACK before the newest stamp already seen in that folder: a key
// delivered late can sort before keys already read (its random part has no order), so the
// lookback re-lists a window and the folder's `seen` set keeps those keys from a second download.
import { paginateListObjectsV2, type S3Client } from "@aws-sdk/client-s3";
import { toVerifyError } from "../aws-errors";
import { forEachConcurrent } from "../concurrency";
import { findAccountRoots } from "../account-roots";
import { awsLogsPrefix, dayFolders, logFileStamp, startAfterKey, type DayFolder } from "../log-keys";
import { scanLogObject, type CompiledCriteria } from "./match";
import { readObject } from "../s3-objects";
import type { CloudTrailRecord, SkippedObject } from "./types";

/** How far before the newest stamp seen a folder is listed again. */
export const RELIST_LOOKBACK_MS = 15 * 60 * 1000;
/** Objects downloaded and decoded at once; bounds memory to about this many log files. */
export const DOWNLOAD_CONCURRENCY = 8;

export interface LogScannerOptions {
  s3: S3Client;
  bucket: string;
  trailPrefix: string | null;
  account: string;
  regions: string[];
  /** Logs delivered before this instant cannot hold a matching event. */
  from: Date;
  criteria: CompiledCriteria;
  signal?: AbortSignal;
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
  private readonly folders = new Map<string, FolderState>();
  private accountRoots: string[] | null = null;

  constructor(private readonly options: LogScannerOptions) {}

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
    const pages = paginateListObjectsV2({ client: s3 }, { Bucket: bucket, Prefix: folder.prefix, StartAfter: state.startAfter }, { abortSignal: signal });
    try {
      // One page at a time: memory holds at most a page of keys and DOWNLOAD_CONCURRENCY objects.
      for await (const page of pages) {
        const fresh: string[] = [];
        for (const { Key: key } of page.Contents ?? []) {
          if (!key || state.seen.has(key)) continue;
          const stamp = logFileStamp(key);
          // Digests, Insight files and strays are not logs; they are never downloaded.
          if (!stamp) continue;
          state.newestStamp = Math.max(state.newestStamp, stamp.getTime());
          fresh.push(key);
        }
        await forEachConcurrent(fresh, DOWNLOAD_CONCURRENCY, (key) => this.readLog(key, state.seen));
      }
    } catch (err) {
      throw toVerifyError("ListObjectsV2", `s3://${bucket}/${folder.prefix}`, err);
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

  private async readLog(key: string, seen: Set<string>): Promise<void> {
    let gz: Buffer;
    try {
      gz = await readObject(this.options.s3, this.options.bucket, key, this.options.signal);
    } catch (err) {
      if ((err as { name?: string }).name === "NoSuchKey") {
        // Deleted between listing and reading (a lifecycle rule, a cleanup): nothing to read.
        seen.add(key);
        this.skipped.push({ key, reason: "deleted before it could be read" });
        return;
      }
      throw toVerifyError("GetObject", `s3://${this.options.bucket}/${key}`, err);
    }
    seen.add(key);
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
