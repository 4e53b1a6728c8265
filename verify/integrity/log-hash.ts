// The SHA-256 of a log object's uncompressed content, streamed: the body flows through gunzip
// into the hash, so no whole file is ever held, compressed or not. A connection that drops
// mid-body starts the hash again from a new GET.
import { createHash } from "node:crypto";
import { pipeline } from "node:stream/promises";
import { createGunzip } from "node:zlib";
import type { S3Client } from "@aws-sdk/client-s3";
import { awsErrorCode } from "../../common/aws-error-code";
import { toVerifyError } from "../aws-errors";
import { retryDropped } from "../pacing/retry";
import { withObject, type ObjectResponse } from "../s3/s3-objects";

export type LogHash = { found: true; sha256: string } | { found: true; unreadable: string } | { found: false };

export async function hashLogObject(s3: S3Client, bucket: string, key: string, signal?: AbortSignal): Promise<LogHash> {
  try {
    return await retryDropped(() => hashOnce(s3, bucket, key, signal), { signal });
  } catch (err) {
    if (awsErrorCode(err) === "NoSuchKey") return { found: false };
    throw toVerifyError("GetObject", `s3://${bucket}/${key}`, err);
  }
}

function hashOnce(s3: S3Client, bucket: string, key: string, signal: AbortSignal | undefined): Promise<LogHash> {
  const hashBody = async ({ body }: ObjectResponse): Promise<LogHash> => {
    const hash = createHash("sha256");
    try {
      // pipeline destroys the body and gunzip when either fails.
      await pipeline(
        body ?? [],
        createGunzip(),
        async (chunks: AsyncIterable<Buffer>) => {
          for await (const chunk of chunks) hash.update(chunk);
        },
        { signal },
      );
    } catch (err) {
      if (signal?.aborted || awsErrorCode(err) === "AbortError") throw err;
      if ((err as { code?: string }).code?.startsWith("Z_")) return { found: true, unreadable: `corrupt gzip: ${(err as Error).message}` };
      throw err;
    }
    return { found: true, sha256: hash.digest("hex") };
  };
  return withObject(s3, bucket, key, hashBody, signal);
}
