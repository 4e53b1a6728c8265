// A real S3 server in-process (s3rver on a random port, in a temp dir) with a client set up for
// it, and a log of every request so that tests can count the GETs of each key. Bucket
// configuration reads are answered ahead of s3rver from a state the test sets (s3-bucket-config.ts).
import "./s3rver-fixes";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateBucketCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import S3rver from "s3rver";
import { S3ControlClient } from "@aws-sdk/client-s3-control";
import { bucketConfigResponder, type AccountConfig, type BucketConfig } from "./s3-bucket-config";

export interface S3Request {
  method: string;
  bucket: string;
  key: string;
  query: URLSearchParams;
}

export interface LocalS3 {
  endpoint: string;
  client: S3Client;
  requests: S3Request[];
  /** GetObject requests per key. */
  getCounts(bucket: string): Map<string, number>;
  createBucket(bucket: string): Promise<void>;
  /** The bucket's configuration as the configuration reads answer it; change it in place. */
  bucketConfig(bucket: string): BucketConfig;
  /** The account's Block Public Access as S3 Control answers it; change it in place. */
  accountConfig(account: string): AccountConfig;
  /** An S3 Control client for this server, as verify's createS3ControlClient makes one for an overridden endpoint. */
  controlClient: S3ControlClient;
  put(bucket: string, objects: Iterable<{ key: string; body: Buffer | string }>): Promise<void>;
  close(): Promise<void>;
}

/** Credentials s3rver accepts; any pair works, the SDK only needs one to sign. */
export const DUMMY_CREDENTIALS = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" };

/** The SDK's own defaults otherwise: no request timeouts, 3 attempts unless `maxAttempts` says. */
export function s3ClientFor(endpoint: string, options: { maxAttempts?: number } = {}): S3Client {
  return new S3Client({
    region: "us-east-1",
    endpoint,
    forcePathStyle: true,
    credentials: DUMMY_CREDENTIALS,
    ...(options.maxAttempts ? { maxAttempts: options.maxAttempts } : {}),
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
}

/** Uploads `objects`, a few at a time: a server writes each to disk, and a thousand at once only queue. */
export async function putObjects(
  client: S3Client,
  bucket: string,
  objects: Iterable<{ key: string; body: Buffer | string }>,
): Promise<void> {
  const pending = [...objects];
  const worker = async () => {
    for (let next = pending.pop(); next; next = pending.pop()) {
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: next.key, Body: next.body }));
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
}

export async function startS3Server(): Promise<LocalS3> {
  const directory = mkdtempSync(join(tmpdir(), "trail-lab-s3-"));
  const server = new S3rver({ address: "127.0.0.1", port: 0, directory, silent: true, vhostBuckets: false });
  const { port } = await server.run();
  const requests: S3Request[] = [];
  const configs = new Map<string, BucketConfig>();
  const accounts = new Map<string, AccountConfig>();
  const http = server.httpServer!;
  const answer = bucketConfigResponder(directory, configs, accounts);
  const s3rverListeners = http.listeners("request") as ((...args: unknown[]) => void)[];
  http.removeAllListeners("request");
  http.on("request", (req, res) => {
    if (!answer(req, res)) for (const listener of s3rverListeners) listener.call(http, req, res);
  });
  http.prependListener("request", (req) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const [, bucket = "", ...key] = url.pathname.split("/");
    requests.push({ method: req.method ?? "", bucket, key: decodeURIComponent(key.join("/")), query: url.searchParams });
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const client = s3ClientFor(endpoint);
  const controlClient = new S3ControlClient({
    region: "us-east-1",
    credentials: DUMMY_CREDENTIALS,
    endpointProvider: () => ({ url: new URL(endpoint) }),
  });
  return {
    endpoint,
    client,
    controlClient,
    requests,
    getCounts(bucket) {
      const counts = new Map<string, number>();
      for (const r of requests) {
        if (r.method === "GET" && r.bucket === bucket && r.key && !r.query.has("list-type"))
          counts.set(r.key, (counts.get(r.key) ?? 0) + 1);
      }
      return counts;
    },
    bucketConfig(bucket) {
      let config = configs.get(bucket);
      if (!config) configs.set(bucket, (config = {}));
      return config;
    },
    accountConfig(account) {
      let config = accounts.get(account);
      if (!config) accounts.set(account, (config = {}));
      return config;
    },
    async createBucket(bucket) {
      await client.send(new CreateBucketCommand({ Bucket: bucket }));
    },
    put: (bucket, objects) => putObjects(client, bucket, objects),
    async close() {
      client.destroy();
      controlClient.destroy();
      await server.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
