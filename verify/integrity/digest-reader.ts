// Reading digest objects: the gzipped JSON and the signature CloudTrail stores in the object's
// metadata (x-amz-meta-signature, x-amz-meta-signature-algorithm). Each key is read once per
// run, however many waiting rounds or chain links ask for it.
import { gunzipSync } from "node:zlib";
import type { S3Client } from "@aws-sdk/client-s3";
import { awsErrorCode } from "../../common/aws-error-code";
import { toVerifyError } from "../aws-errors";
import { MAX_UNCOMPRESSED_BYTES } from "../decode";
import { bodyBytes, withObject } from "../s3-objects";
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
    };

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
    try {
      ({ gz, metadata } = await withObject(this.s3, bucket, key, async (response) => ({ gz: await bodyBytes(response.body), metadata: response.metadata }), this.signal));
    } catch (err) {
      if (awsErrorCode(err) === "NoSuchKey") return { location, state: "missing" };
      throw toVerifyError("GetObject", `s3://${bucket}/${key}`, err);
    }
    let json: Buffer;
    try {
      json = gunzipSync(gz, { maxOutputLength: MAX_UNCOMPRESSED_BYTES });
    } catch (err) {
      return { location, state: "unreadable", reason: `corrupt gzip: ${(err as Error).message}` };
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
    };
  }
}
