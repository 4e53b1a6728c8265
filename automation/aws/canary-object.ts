// The lab's own calls on the data events' canary bucket: one small object written (PutObject) and
// read back (GetObject), so that the trail has two data events to record. Each call runs under
// the lab's S3 client (its connect and idle timeouts, its retries) and the run's signal; the
// body is read whole, compared with what was written, and destroyed if reading it stops early.
import { createHash } from "node:crypto";
import { GetObjectCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { awsErrorCode } from "../../common/aws-error-code";
import { TrailLabError } from "../../common/errors";
import { ExitCode } from "../../common/exit-codes";

/** The canary object stays tiny: a longer answer is not the object the lab wrote. */
export const CANARY_MAX_BYTES = 4096;

export interface CanaryRequest {
  bucket: string;
  key: string;
  body: Buffer;
  signal: AbortSignal;
}

/** What S3 answered to the write and the read, for the evidence. */
export interface CanaryObject {
  bucket: string;
  key: string;
  bytes: number;
  /** SHA-256 (hex) of the body written, which the read returned byte for byte. */
  sha256: string;
  etag: string | null;
  /** The object's version (the canary bucket is versioned); null when S3 gave none. */
  versionId: string | null;
  /** When the lab sent PutObject, and GetObject (its own clock): the calls the trail must record. */
  writtenAt: string;
  readAt: string;
}

export class CanaryObjectError extends TrailLabError {
  constructor(
    readonly bucket: string,
    readonly key: string,
    readonly operation: "PutObject" | "GetObject",
    reason: string,
    cause?: unknown,
  ) {
    super(
      `Could not ${operation === "PutObject" ? "write" : "read back"} the data events' canary object s3://${bucket}/${key} ` +
        `(s3:${operation}): ${reason}. The lab's credentials need s3:PutObject and s3:GetObject on the canary bucket (docs/iam.md); ` +
        `'aws s3api ${operation === "PutObject" ? "put-object" : "get-object"} --bucket ${bucket} --key ${key}${operation === "GetObject" ? " /dev/null" : ""}' tries it by hand.`,
      ExitCode.AwsError,
      { cause },
    );
  }
}

type Body = AsyncIterable<Uint8Array> & { destroy?: () => void; readableEnded?: boolean };

/** The whole body, at most CANARY_MAX_BYTES; destroyed when reading stops before its end. */
async function readBody(body: Body | undefined, bucket: string, key: string): Promise<Buffer> {
  if (!body) return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  let length = 0;
  try {
    for await (const chunk of body) {
      length += chunk.length;
      if (length > CANARY_MAX_BYTES)
        throw new CanaryObjectError(bucket, key, "GetObject", `the body is longer than ${CANARY_MAX_BYTES} bytes`);
      chunks.push(Buffer.from(chunk));
    }
  } finally {
    if (body.readableEnded === false) body.destroy?.();
  }
  return Buffer.concat(chunks);
}

function failure(request: CanaryRequest, operation: "PutObject" | "GetObject", error: unknown): unknown {
  if (error instanceof TrailLabError || request.signal.aborted) return error;
  return new CanaryObjectError(request.bucket, request.key, operation, awsErrorCode(error), error);
}

/** Writes the object, then reads it back and checks it is the same bytes. */
export async function writeAndReadCanary(s3: S3Client, request: CanaryRequest, now: () => number): Promise<CanaryObject> {
  const { bucket, key, body, signal } = request;
  const writtenAt = new Date(now()).toISOString();
  const put = await s3
    .send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: "text/plain" }), { abortSignal: signal })
    .catch((error: unknown) => {
      throw failure(request, "PutObject", error);
    });
  const readAt = new Date(now()).toISOString();
  const read = await s3
    .send(new GetObjectCommand({ Bucket: bucket, Key: key }), { abortSignal: signal })
    .then((answer) => readBody(answer.Body as Body | undefined, bucket, key))
    .catch((error: unknown) => {
      throw failure(request, "GetObject", error);
    });
  if (!read.equals(body)) {
    throw new CanaryObjectError(bucket, key, "GetObject", `it returned ${read.length} bytes other than the ${body.length} written`);
  }
  return {
    bucket,
    key,
    bytes: body.length,
    sha256: createHash("sha256").update(body).digest("hex"),
    etag: put.ETag ?? null,
    versionId: put.VersionId ?? null,
    writtenAt,
    readAt,
  };
}
