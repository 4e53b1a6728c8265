// Reading digest objects: the gzipped JSON and the signature CloudTrail stores in the object's
// metadata (x-amz-meta-signature, x-amz-meta-signature-algorithm, and for a backfill digest
// x-amz-meta-backfill-generation-timestamp). Each key is read once per run, however many waiting
// rounds or chain links ask for it; a read whose connection drops is tried again. A digest that
// is not there (no such key, or a chain naming a bucket that no longer exists) is "missing".
import type { S3Client } from "@aws-sdk/client-s3";
import { awsErrorCode } from "../../common/aws-error-code";
import { toVerifyError } from "../aws-errors";
import { formatMiB, gunzipFailure, gunzipLog } from "../decode";
import { retryDropped } from "../pacing/retry";
import { BodyOverCapError, bodyBytes, withObject } from "../s3/s3-objects";
import type { DigestLocation } from "./digest-listing";
import { parseDigest, sha256Hex, type DigestContent } from "./digest-file";

export type FetchedDigest =
  | { location: DigestLocation; state: "missing" }
  | { location: DigestLocation; state: "unreadable"; reason: string }
  | {
      location: DigestLocation;
      state: "read";
      content: DigestContent;
      /** hex(SHA-256) of the uncompressed digest, for the string to sign. */
      contentSha256: string;
      signature: string | null;
      signatureAlgorithm: string | null;
      /** A backfill digest's x-amz-meta-backfill-generation-timestamp: when it was made and signed; null when absent. */
      backfillGeneratedAt: string | null;
    };

/** A digest lists an hour's log files: a few KB, a few hundred KB for the busiest trails. */
export const MAX_DIGEST_BYTES = 16 * 1024 * 1024;

/** A digest is not where it was looked for: no such key, or no such bucket (a chain naming the trail's old bucket). */
const MISSING = new Set(["NoSuchKey", "NoSuchBucket"]);

export class DigestReader {
  private readonly cache = new Map<string, Promise<FetchedDigest>>();

  constructor(
    private readonly s3: S3Client,
    private readonly signal?: AbortSignal,
  ) {}

  read(location: DigestLocation): Promise<FetchedDigest> {
    const id = `${location.bucket}/${location.key}`;
    let pending = this.cache.get(id);
    if (!pending) {
      pending = this.fetch(location);
      this.cache.set(id, pending);
      // A failed read (throttling, an abort) may be asked again; a result is kept.
      void pending.catch(() => this.cache.delete(id));
    }
    return pending;
  }

  private async fetch(location: DigestLocation): Promise<FetchedDigest> {
    const { bucket, key } = location;
    let gz: Buffer;
    let metadata: Record<string, string>;
    const signal = this.signal;
    try {
      ({ gz, metadata } = await retryDropped(
        () =>
          withObject(
            this.s3,
            bucket,
            key,
            async (response) => ({
              gz: await bodyBytes(response.body, { maxBytes: MAX_DIGEST_BYTES, signal }),
              metadata: response.metadata,
            }),
            signal,
          ),
        { signal },
      ));
    } catch (err) {
      if (MISSING.has(awsErrorCode(err))) return { location, state: "missing" };
      if (err instanceof BodyOverCapError)
        return {
          location,
          state: "unreadable",
          reason: `over the size cap: larger than the ${formatMiB(MAX_DIGEST_BYTES)} a digest file is read up to`,
        };
      throw toVerifyError("GetObject", `s3://${bucket}/${key}`, err);
    }
    return digestFromObject(location, gz, metadata);
  }
}

/** A digest object's bytes and user metadata (x-amz-meta-*), as read: its content, hash and signature, or why it does not read. */
export function digestFromObject(location: DigestLocation, gz: Buffer, metadata: Record<string, string>): FetchedDigest {
  let json: Buffer;
  try {
    json = gunzipLog(gz);
  } catch (err) {
    return { location, state: "unreadable", reason: gunzipFailure(err) };
  }
  const content = parseDigest(json);
  if (typeof content === "string") return { location, state: "unreadable", reason: content };
  return {
    location,
    state: "read",
    content,
    contentSha256: sha256Hex(json),
    signature: metadata.signature ?? null,
    signatureAlgorithm: metadata["signature-algorithm"] ?? null,
    backfillGeneratedAt: metadata["backfill-generation-timestamp"] ?? null,
  };
}
