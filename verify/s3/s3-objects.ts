// Reading single S3 objects. Every GetObject body is consumed or destroyed, even on error,
// so that no socket is left held by a half-read response.
import { createHash } from "node:crypto";
import { createWriteStream } from "node:fs";
import type { Readable } from "node:stream";
import { addAbortSignal } from "node:stream";
import { pipeline } from "node:stream/promises";
import { GetObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { toVerifyError } from "../aws-errors";
import { createAwsClients, resolveRegion } from "../clients";

type Body = Readable;

/** What a GetObject response gives the consumer: the body to read, and the user metadata. */
export interface ObjectResponse {
  body: Body | undefined;
  /** `x-amz-meta-*` headers, keyed without the prefix and in lower case, as the SDK gives them. */
  metadata: Record<string, string>;
}

/**
 * Sends GetObject and hands the response to `consume`; the body is destroyed afterwards whether
 * `consume` read it all, read part of it, or threw.
 */
export async function withObject<T>(
  client: S3Client,
  bucket: string,
  key: string,
  consume: (response: ObjectResponse) => Promise<T>,
  signal?: AbortSignal,
): Promise<T> {
  let body: Body | undefined;
  try {
    const response = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }), { abortSignal: signal });
    body = response.Body as Body | undefined;
    return await consume({ body, metadata: response.Metadata ?? {} });
  } finally {
    // A body read to its end has released its socket for reuse; only a half-read one holds it.
    if (body && !body.readableEnded) body.destroy();
  }
}

/** A body that went on past the most bytes its reader would hold; nothing past that was kept. */
export class BodyOverCapError extends Error {
  constructor(readonly maxBytes: number) {
    super(`the body is larger than ${maxBytes} bytes`);
    this.name = "BodyOverCapError";
  }
}

export interface ReadOptions {
  /**
   * The most bytes to hold: a longer body stops with BodyOverCapError.
   * @default Infinity: no cap
   */
  maxBytes?: number;
  /** @default none */
  signal?: AbortSignal;
}

/** The whole object in memory; the caller bounds how many, and how large (`maxBytes`). */
export async function readObject(client: S3Client, bucket: string, key: string, options: ReadOptions = {}): Promise<Buffer> {
  return withObject(client, bucket, key, ({ body }) => bodyBytes(body, options), options.signal);
}

/**
 * The whole body in memory, read chunk by chunk so that a body past `maxBytes` is stopped there
 * instead of held, and an abort ends a body that stalled after its headers.
 */
export async function bodyBytes(body: Body | undefined, options: ReadOptions = {}): Promise<Buffer> {
  if (!body) return Buffer.alloc(0);
  const maxBytes = options.maxBytes ?? Infinity;
  if (options.signal) addAbortSignal(options.signal, body);
  return readCapped(body as AsyncIterable<Buffer>, maxBytes);
}

/** Every chunk of `stream` in one buffer, stopped with BodyOverCapError as soon as it passes `maxBytes`. */
export async function readCapped(stream: AsyncIterable<Buffer>, maxBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of stream) {
    length += chunk.length;
    if (length > maxBytes) throw new BodyOverCapError(maxBytes);
    chunks.push(chunk);
  }
  return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, length);
}

export interface CopyLogObjectOptions {
  bucket: string;
  key: string;
  /** Destination path; overwritten if it exists. */
  file: string;
  /** @default a client from the standard AWS environment (createAwsClients) */
  client?: S3Client;
  /** @default none */
  signal?: AbortSignal;
}

/** Downloads one object byte for byte to a file (the raw .json.gz, kept as evidence); returns its size and SHA-256 (hex). */
export async function copyLogObject(options: CopyLogObjectOptions): Promise<{ bytes: number; sha256: string }> {
  const client = options.client ?? createAwsClients({ region: await resolveRegion(undefined) }).s3;
  const target = `s3://${options.bucket}/${options.key}`;
  let body: Readable | undefined;
  try {
    const response = await client.send(new GetObjectCommand({ Bucket: options.bucket, Key: options.key }), { abortSignal: options.signal });
    body = response.Body as Readable | undefined;
    let bytes = 0;
    const hash = createHash("sha256");
    const source = body ?? [];
    // The bytes written are the bytes counted and hashed: the hash is of the copy as kept.
    const counted = async function* (chunks: AsyncIterable<Buffer> | Iterable<Buffer>) {
      for await (const chunk of chunks) {
        bytes += chunk.length;
        hash.update(chunk);
        yield chunk;
      }
    };
    // pipeline destroys the body and the file stream when either side fails.
    await pipeline(source, counted, createWriteStream(options.file), { signal: options.signal });
    body = undefined;
    return { bytes, sha256: hash.digest("hex") };
  } catch (err) {
    throw toVerifyError("GetObject", target, err);
  } finally {
    body?.destroy();
  }
}
