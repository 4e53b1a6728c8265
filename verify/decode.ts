// Decoding one CloudTrail log object: gunzip it whole (faster than streaming: docs/bench.md),
// check that it looks like a log file at all, then look for the needle bytes before parsing
// anything, since most objects hold none; where they are, only the records that hold them all
// are parsed, one at a time (log-records.ts), so that memory does not follow what an object holds.
import { gunzipSync } from "node:zlib";
import { lastNonSpace, readRecords, skipSpace, type RecordBounds } from "./log-records";

/** Guards against a gzip bomb: a real log file is a few MB uncompressed at most. */
export const MAX_UNCOMPRESSED_BYTES = 256 * 1024 * 1024;

export interface DecodeOptions {
  /**
   * The most uncompressed bytes to produce.
   * @default MAX_UNCOMPRESSED_BYTES
   */
  maxBytes?: number;
  /**
   * Which parsed records to keep (the others are dropped as soon as parsed).
   * @default every record that holds all the needles
   */
  keep?: (record: unknown) => boolean;
  /**
   * What one object's records may take: a parameter so that a test can reach each bound with a small object.
   * @default the product's bounds (log-records.ts, MAX_RECORD_BYTES, MAX_RECORD_VALUES, MAX_KEPT_BYTES)
   */
  bounds?: Partial<RecordBounds>;
}

export type DecodedLog =
  /** Not a readable log file; `bytes` counts what was uncompressed before giving up. */
  | { kind: "skipped"; reason: string; bytes: number }
  /** Readable, but some needle is absent, so no record can match: not parsed. */
  | { kind: "irrelevant"; bytes: number }
  /** The records that hold every needle and that `keep` accepted. */
  | { kind: "records"; bytes: number; records: unknown[] };

/** deflate cannot expand input by more than about 1032 times, whatever a trailer claims. */
const MAX_DEFLATE_RATIO = 1032;
const MIN_CHUNK = 16 * 1024;

/**
 * gunzipSync into one buffer sized from the gzip trailer (ISIZE: the uncompressed length mod 2^32),
 * so that zlib inflates in one call and nothing is concatenated (docs/bench.md measures it against
 * Node's 16 kB chunks). The trailer is only a hint: a wrong one costs more chunks, never a wrong
 * result, and maxOutputLength still bounds the output.
 */
export function gunzipLog(gz: Buffer, maxBytes = MAX_UNCOMPRESSED_BYTES): Buffer {
  const hint = gz.length >= 18 ? gz.readUInt32LE(gz.length - 4) : 0;
  // +64: when the buffer fills exactly, zlib allocates another chunk before it sees the end.
  const chunkSize = Math.max(MIN_CHUNK, Math.min(hint + 64, gz.length * MAX_DEFLATE_RATIO, maxBytes));
  return gunzipSync(gz, { chunkSize, maxOutputLength: maxBytes });
}

/** Why gunzip gave up, in words: the size cap (a bomb, or a file no log reaches), or corruption. */
export function gunzipFailure(err: unknown, maxBytes = MAX_UNCOMPRESSED_BYTES): string {
  if (isOverSizeCap(err)) return `over the size cap: more than ${formatMiB(maxBytes)} uncompressed`;
  return `corrupt gzip: ${(err as Error).message}`;
}

export function formatMiB(bytes: number): string {
  return `${Number((bytes / 1024 / 1024).toFixed(1))} MiB`;
}

/** Whether gunzip stopped at its size cap (maxOutputLength), not at corruption. */
export function isOverSizeCap(err: unknown): boolean {
  return (err as { code?: unknown } | null)?.code === "ERR_BUFFER_TOO_LARGE";
}

export function decodeLogObject(gz: Buffer, needles: readonly Buffer[], options: DecodeOptions = {}): DecodedLog {
  const maxBytes = options.maxBytes ?? MAX_UNCOMPRESSED_BYTES;
  let json: Buffer;
  try {
    json = gunzipLog(gz, maxBytes);
  } catch (err) {
    return { kind: "skipped", reason: gunzipFailure(err, maxBytes), bytes: 0 };
  }
  return readLogJson(json, needles, options.keep, options.bounds);
}

const GZIP_MAGIC = Buffer.from([0x1f, 0x8b]);
const RECORDS_KEY = Buffer.from('"Records"');
const keepAll = () => true;

/**
 * Why `json` is not a CloudTrail log file by its shape, or null: one JSON object (`{` ... `}`)
 * naming "Records". Cheap whatever the size (the ends, and the key, which a log file names first),
 * so that an HTML page or a file gzipped twice is skipped and named, not counted as a log that
 * holds no event.
 */
export function notALogFile(json: Buffer): string | null {
  const first = skipSpace(json);
  if (first === json.length) return "not CloudTrail JSON: it is empty";
  if (json[first] !== 0x7b) {
    if (json.compare(GZIP_MAGIC, 0, 2, first, first + 2) === 0) return "not CloudTrail JSON: it is gzip again (compressed twice)";
    return `not CloudTrail JSON: it starts with ${JSON.stringify(json.toString("latin1", first, first + 24))}`;
  }
  if (json[lastNonSpace(json)] !== 0x7d) return "invalid JSON: it ends before its top-level object closes (cut short?)";
  if (!json.includes(RECORDS_KEY)) return "no Records array";
  return null;
}

/** The second half of decodeLogObject, over bytes already gunzipped: the shape, the needle check, then the records that can match. */
export function readLogJson(
  json: Buffer,
  needles: readonly Buffer[],
  keep: (record: unknown) => boolean = keepAll,
  bounds: Partial<RecordBounds> = {},
): DecodedLog {
  const bytes = json.length;
  const shape = notALogFile(json);
  if (shape) return { kind: "skipped", reason: shape, bytes };
  // In the caller's order: compileCriteria puts the longest (fastest to rule out) first.
  if (!needles.every((needle) => json.includes(needle))) return { kind: "irrelevant", bytes };
  const read = readRecords(json, needles, keep, bounds);
  return read.kind === "records" ? { kind: "records", bytes, records: read.records } : { kind: "skipped", reason: read.reason, bytes };
}
