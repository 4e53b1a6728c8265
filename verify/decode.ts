// Decoding one CloudTrail log object: gunzip it whole (faster than streaming: docs/bench.md),
// then look for the needle bytes before paying for JSON.parse, since most objects hold none.
import { gunzipSync } from "node:zlib";

/** Guards against a gzip bomb: a real log file is a few MB uncompressed at most. */
export const MAX_UNCOMPRESSED_BYTES = 256 * 1024 * 1024;

export interface DecodeOptions {
  /**
   * The most uncompressed bytes to produce.
   * @default MAX_UNCOMPRESSED_BYTES
   */
  maxBytes?: number;
}

export type DecodedLog =
  /** Not a readable log file; `bytes` counts what was uncompressed before giving up. */
  | { kind: "skipped"; reason: string; bytes: number }
  /** Readable, but some needle is absent, so no record can match: not parsed. */
  | { kind: "irrelevant"; bytes: number }
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
  return readLogJson(json, needles);
}

/** The second half of decodeLogObject: the needle check, then JSON.parse, over bytes already gunzipped. */
export function readLogJson(json: Buffer, needles: readonly Buffer[]): DecodedLog {
  const bytes = json.length;
  // In the caller's order: compileCriteria puts the longest (fastest to rule out) first.
  if (!needles.every((needle) => json.includes(needle))) return { kind: "irrelevant", bytes };
  let parsed: unknown;
  try {
    parsed = JSON.parse(json.toString("utf8"));
  } catch (err) {
    return { kind: "skipped", reason: `invalid JSON: ${(err as Error).message}`, bytes };
  }
  const records = (parsed as { Records?: unknown } | null)?.Records;
  if (!Array.isArray(records)) return { kind: "skipped", reason: "no Records array", bytes };
  return { kind: "records", bytes, records };
}
