// The SHA-256 of a log object's uncompressed content, streamed: the body flows through inflate
// into the hash, so no whole file is ever held, compressed or not. CloudTrail writes one gzip
// member; what follows it is not part of the log, so, as the AWS CLI does since aws/aws-cli#10326,
// anything after the member's end (a second member, zeros, any bytes) makes the log invalid
// rather than being read as more log (Node's gunzip would inflate a second member and skip
// trailing zeros without a word). So the gzip header and trailer are read here, the deflate
// stream between them is inflated raw, and the trailer's CRC-32 and length are checked.
// A connection that drops mid-body starts the hash again from a new GET.
import { createHash } from "node:crypto";
import { finished } from "node:stream/promises";
import { crc32, createInflateRaw, type InflateRaw } from "node:zlib";
import type { S3Client } from "@aws-sdk/client-s3";
import { awsErrorCode } from "../../common/aws-error-code";
import { toVerifyError } from "../aws-errors";
import { retryDropped } from "../pacing/retry";
import { withObject } from "../s3/s3-objects";

export type LogHash = { found: true; sha256: string } | { found: true; unreadable: string } | { found: false };

/** The AWS CLI's words for bytes after the end of the gzip member. */
export const TRAILING_DATA = "unexpected data after end of compressed stream";
const TRAILER_BYTES = 8;

export async function hashLogObject(s3: S3Client, bucket: string, key: string, signal?: AbortSignal): Promise<LogHash> {
  try {
    return await retryDropped(
      () =>
        withObject(
          s3,
          bucket,
          key,
          async ({ body }): Promise<LogHash> => ({ found: true, ...(await hashGzipMember(body ?? [], signal)) }),
          signal,
        ),
      { signal },
    );
  } catch (err) {
    if (awsErrorCode(err) === "NoSuchKey") return { found: false };
    throw toVerifyError("GetObject", `s3://${bucket}/${key}`, err);
  }
}

/** The length of the gzip header (RFC 1952) at the start of `bytes`; null when more bytes are needed; why it is not one. */
export function gzipHeaderLength(bytes: Buffer): number | null | string {
  if (bytes.length < 10) return null;
  if (bytes[0] !== 0x1f || bytes[1] !== 0x8b) return "incorrect header check";
  if (bytes[2] !== 8) return "unknown compression method";
  const flags = bytes[3];
  if (flags & 0xe0) return "unknown header flags set";
  let at = 10;
  if (flags & 0x04) {
    if (bytes.length < at + 2) return null;
    at += 2 + bytes.readUInt16LE(at);
  }
  // FNAME and FCOMMENT: zero-terminated.
  for (const bit of [0x08, 0x10]) {
    if (!(flags & bit)) continue;
    const end = bytes.indexOf(0, at);
    if (end < 0) return null;
    at = end + 1;
  }
  if (flags & 0x02) at += 2;
  return bytes.length < at ? null : at;
}

/** Hands `chunk` to inflate and resolves once it has been inflated (or rejects with inflate's error). */
function inflateChunk(inflate: InflateRaw, chunk: Buffer, failed: Promise<never>): Promise<void> {
  return Promise.race([failed, new Promise<void>((resolve, reject) => inflate.write(chunk, (err) => (err ? reject(err) : resolve())))]);
}

/**
 * SHA-256 of the first gzip member of `body`, or why it is not a valid one. Inflate stops at the
 * deflate stream's end: whatever it left unread is the trailer, and must be exactly 8 bytes.
 */
export async function hashGzipMember(
  body: AsyncIterable<Buffer> | Buffer[],
  signal?: AbortSignal,
): Promise<{ sha256: string } | { unreadable: string }> {
  const hash = createHash("sha256");
  const inflate = createInflateRaw();
  let crc = 0;
  let size = 0;
  inflate.on("data", (chunk: Buffer) => {
    hash.update(chunk);
    crc = crc32(chunk, crc);
    size += chunk.length;
  });
  const failed = new Promise<never>((_, reject) => inflate.once("error", reject));
  failed.catch(() => undefined);
  let head: Buffer | null = Buffer.alloc(0);
  let fed = 0;
  /** What follows the deflate stream: its first bytes (the trailer) and how many in all. */
  const after = { first: Buffer.alloc(0), total: 0 };
  const keepAfter = (bytes: Buffer) => {
    if (after.first.length < TRAILER_BYTES)
      after.first = Buffer.concat([after.first, bytes.subarray(0, TRAILER_BYTES - after.first.length)]);
    after.total += bytes.length;
  };
  try {
    for await (const chunk of body) {
      let data = chunk;
      if (head) {
        head = Buffer.concat([head, chunk]);
        const length = gzipHeaderLength(head);
        if (length === null) continue;
        if (typeof length === "string") return { unreadable: `corrupt gzip: ${length}` };
        data = head.subarray(length);
        head = null;
      }
      if (after.total > 0 || inflate.writableEnded) {
        keepAfter(data);
        continue;
      }
      fed += data.length;
      await inflateChunk(inflate, data, failed);
      // Inflate left input unread: the deflate stream ended inside this chunk.
      const unread = fed - inflate.bytesWritten;
      if (unread > 0) {
        keepAfter(data.subarray(data.length - unread));
        inflate.end();
      }
    }
    if (head) return { unreadable: "corrupt gzip: unexpected end of file" };
    if (!inflate.writableEnded) inflate.end();
    await Promise.race([failed, finished(inflate)]);
  } catch (err) {
    if (signal?.aborted || awsErrorCode(err) === "AbortError") throw err;
    if ((err as { code?: string }).code?.startsWith("Z_")) return { unreadable: `corrupt gzip: ${(err as Error).message}` };
    throw err;
  } finally {
    inflate.destroy();
  }
  if (after.total > TRAILER_BYTES) return { unreadable: TRAILING_DATA };
  if (after.total < TRAILER_BYTES) return { unreadable: "corrupt gzip: unexpected end of file" };
  if (after.first.readUInt32LE(0) !== crc >>> 0 || after.first.readUInt32LE(4) !== size % 2 ** 32)
    return { unreadable: "corrupt gzip: incorrect data check" };
  return { sha256: hash.digest("hex") };
}
