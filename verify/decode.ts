// Decoding one CloudTrail log object: gunzip it whole (several times faster than streaming),
// then look for the needle bytes before paying for JSON.parse, since most objects hold none.
import { gunzipSync } from "node:zlib";

/** Guards against a gzip bomb: a real log file is a few MB uncompressed at most. */
export const MAX_UNCOMPRESSED_BYTES = 256 * 1024 * 1024;

export type DecodedLog =
  /** Not a readable log file; `bytes` counts what was uncompressed before giving up. */
  | { kind: "skipped"; reason: string; bytes: number }
  /** Readable, but some needle is absent, so no record can match: not parsed. */
  | { kind: "irrelevant"; bytes: number }
  | { kind: "records"; bytes: number; records: unknown[] };

export function decodeLogObject(gz: Buffer, needles: readonly Buffer[]): DecodedLog {
  let json: Buffer;
  try {
    json = gunzipSync(gz, { maxOutputLength: MAX_UNCOMPRESSED_BYTES });
  } catch (err) {
    return { kind: "skipped", reason: `corrupt gzip: ${(err as Error).message}`, bytes: 0 };
  }
  const bytes = json.length;
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
