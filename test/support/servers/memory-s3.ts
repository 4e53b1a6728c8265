// A small S3 over node:http with every object in memory: ListObjectsV2 (prefix, start-after,
// continuation token, delimiter, max-keys) and GetObject, path style; for the AWS CLI's
// validate-logs also ListObjects V1 (marker), GetBucketLocation and user metadata
// (x-amz-meta-*, given at put). Nothing else. It is here to
// be cheap per request, so that a benchmark measures the client and not the server, and to answer
// as a test asks: a delay on every request, 503 SlowDown, a region redirect (301 with
// x-amz-bucket-region) to a request signed for another region than the bucket's, and, given
// credentials, a check of every request's SigV4 signature, computed here from what arrived
// (s3rver accepts any SigV4 signature), so that a request signed for other bytes than it sent fails.
import { createHash, createHmac } from "node:crypto";
import * as http from "node:http";
import type { AddressInfo, Socket } from "node:net";

export interface MemoryRequest {
  method: string;
  bucket: string;
  key: string;
  query: URLSearchParams;
  /** The region of the request's SigV4 credential scope; null when unsigned. */
  signedRegion: string | null;
}

export interface MemoryBucket {
  /** The bucket's region: a request signed for another gets a 301 PermanentRedirect. */
  region: string;
  objects: Map<string, Buffer>;
  /** User metadata of the objects that have some, without the x-amz-meta- prefix. */
  metadata: Map<string, Record<string, string>>;
  /** Every key, sorted; rebuilt lazily after a put. */
  sorted: string[] | null;
}

/** An S3 error answer instead of serving (503 SlowDown, a 500), decided per request; null serves. */
export type FaultRule = (request: MemoryRequest) => { status: number; code: string } | null;

export const SLOW_DOWN = { status: 503, code: "SlowDown" } as const;
export const INTERNAL_ERROR = { status: 500, code: "InternalError" } as const;

/** Hold the answer to a request until the promise settles; null answers at once. */
export type HoldRule = (request: MemoryRequest) => Promise<void> | null;

export interface MemoryS3 {
  endpoint: string;
  /** Every request, in arrival order (off by default: a benchmark keeps no log). */
  requests: MemoryRequest[];
  /** Added to every answer, in ms. */
  latencyMs: number;
  fault: FaultRule;
  hold: HoldRule;
  /** Requests received and not yet answered, now and at most. */
  inFlight: number;
  peakInFlight: number;
  createBucket(bucket: string, region?: string): void;
  /** `metadata`: user metadata GetObject answers as x-amz-meta-<name> headers. */
  put(bucket: string, key: string, body: Buffer, metadata?: Record<string, string>): void;
  /** GetObject requests per key that were served (a fault's answer is not counted). */
  getCounts(bucket: string): Map<string, number>;
  /** Forgets the counts (and the request log), as between two tests. */
  resetCounts(): void;
  close(): Promise<void>;
}

export interface MemoryS3Options {
  latencyMs?: number;
  /** When given, every request must carry a valid SigV4 signature by these credentials (403 otherwise). */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** Keep a log of every request (tests); off for the benchmark. */
  recordRequests?: boolean;
  port?: number;
}

const XML_ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" };
const xml = (text: string) => text.replace(/[&<>"']/g, (c) => XML_ESCAPES[c]);
const LAST_MODIFIED = "2025-03-01T10:00:00.000Z";
const LAST_MODIFIED_HTTP = new Date(LAST_MODIFIED).toUTCString();

function errorXml(code: string, message: string, extra = ""): string {
  return `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${xml(message)}</Message>${extra}<RequestId>MEMORYS3</RequestId></Error>`;
}

/** The first index whose key sorts after `key`. */
function firstAfter(sorted: readonly string[], key: string): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid] <= key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

const rfc3986 = (text: string) => encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");
const hmac = (key: Buffer | string, text: string) => createHmac("sha256", key).update(text).digest();

/**
 * Why the request's SigV4 signature is not the one these credentials make over what arrived, or
 * null when it is. S3's rules: the path as sent (no second encoding), the query re-encoded and
 * sorted, the signed headers as received, the payload hash from x-amz-content-sha256.
 */
export function sigV4Problem(req: http.IncomingMessage, credentials: { accessKeyId: string; secretAccessKey: string }): string | null {
  const auth =
    /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/.exec(
      req.headers.authorization ?? "",
    );
  if (!auth) return "no SigV4 Authorization header";
  const [, accessKeyId, day, region, service, signedHeaders, signature] = auth;
  if (accessKeyId !== credentials.accessKeyId) return `unknown access key ${accessKeyId}`;
  const amzDate = String(req.headers["x-amz-date"] ?? "");
  if (!amzDate.startsWith(day)) return "x-amz-date does not match the credential scope";
  const payload = req.headers["x-amz-content-sha256"];
  if (typeof payload !== "string") return "no x-amz-content-sha256";
  const url = req.url ?? "/";
  const at = url.indexOf("?");
  const path = at < 0 ? url : url.slice(0, at);
  const query = (at < 0 ? "" : url.slice(at + 1))
    .split("&")
    .filter(Boolean)
    .map((pair) => {
      const eq = pair.indexOf("=");
      const [k, v] = eq < 0 ? [pair, ""] : [pair.slice(0, eq), pair.slice(eq + 1)];
      return [rfc3986(decodeURIComponent(k)), rfc3986(decodeURIComponent(v))];
    })
    .sort(([a, x], [b, y]) => (a < b ? -1 : a > b ? 1 : x < y ? -1 : x > y ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join("&");
  const names = signedHeaders.split(";");
  if (!names.includes("host")) return "host is not signed";
  const headers = names
    .map(
      (name) =>
        `${name}:${String(req.headers[name] ?? "")
          .trim()
          .replace(/\s+/g, " ")}\n`,
    )
    .join("");
  const canonical = [req.method, path, query, headers, signedHeaders, payload].join("\n");
  const scope = `${day}/${region}/${service}/aws4_request`;
  const toSign = ["AWS4-HMAC-SHA256", amzDate, scope, sha256(canonical)].join("\n");
  const key = hmac(hmac(hmac(hmac(`AWS4${credentials.secretAccessKey}`, day), region), service), "aws4_request");
  return createHmac("sha256", key).update(toSign).digest("hex") === signature ? null : "the signature does not match";
}

function signedRegion(req: http.IncomingMessage): string | null {
  const auth = req.headers.authorization ?? "";
  return /Credential=[^/]+\/\d{8}\/([^/]+)\/s3\/aws4_request/.exec(auth)?.[1] ?? null;
}

/** ListObjectsV2, or with `v1` ListObjects (Marker, NextMarker), as the AWS CLI's validate-logs lists digests. */
function listObjects(bucket: string, store: MemoryBucket, query: URLSearchParams, v1 = false): string {
  store.sorted ??= [...store.objects.keys()].sort();
  const prefix = query.get("prefix") ?? "";
  const delimiter = query.get("delimiter") ?? "";
  const maxKeys = Math.min(1000, Number(query.get("max-keys") ?? 1000) || 1000);
  const token = v1 ? null : query.get("continuation-token");
  const startAfter = (v1 ? query.get("marker") : query.get("start-after")) ?? "";
  const after = token ? Buffer.from(token, "base64").toString("utf8") : startAfter;
  // The first key at or after the prefix, and after StartAfter (or the token's last key).
  let at = firstAfter(store.sorted, prefix) - (store.objects.has(prefix) ? 1 : 0);
  if (after) at = Math.max(at, firstAfter(store.sorted, after));
  const contents: string[] = [];
  const prefixes: string[] = [];
  let last = "";
  let truncated = false;
  for (; at < store.sorted.length; at++) {
    const key = store.sorted[at];
    if (!key.startsWith(prefix)) break;
    if (contents.length + prefixes.length >= maxKeys) {
      truncated = true;
      break;
    }
    const cut = delimiter ? key.indexOf(delimiter, prefix.length) : -1;
    if (cut >= 0) {
      const common = key.slice(0, cut + delimiter.length);
      prefixes.push(`<CommonPrefixes><Prefix>${xml(common)}</Prefix></CommonPrefixes>`);
      // Skip every key under that common prefix.
      at = firstAfter(store.sorted, `${common}\uffff`) - 1;
      last = store.sorted[at];
      continue;
    }
    const size = store.objects.get(key)!.length;
    contents.push(
      `<Contents><Key>${xml(key)}</Key><LastModified>${LAST_MODIFIED}</LastModified><ETag>&quot;${size.toString(16)}&quot;</ETag><Size>${size}</Size><StorageClass>STANDARD</StorageClass></Contents>`,
    );
    last = key;
  }
  if (v1)
    return (
      `<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>${xml(bucket)}</Name><Prefix>${xml(prefix)}</Prefix>` +
      `<Marker>${xml(startAfter)}</Marker>${delimiter ? `<Delimiter>${xml(delimiter)}</Delimiter>` : ""}<MaxKeys>${maxKeys}</MaxKeys><IsTruncated>${truncated}</IsTruncated>` +
      (truncated ? `<NextMarker>${xml(last)}</NextMarker>` : "") +
      `${contents.join("")}${prefixes.join("")}</ListBucketResult>`
    );
  return (
    `<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>${xml(bucket)}</Name><Prefix>${xml(prefix)}</Prefix>` +
    (delimiter ? `<Delimiter>${xml(delimiter)}</Delimiter>` : "") +
    (startAfter ? `<StartAfter>${xml(startAfter)}</StartAfter>` : "") +
    (token ? `<ContinuationToken>${xml(token)}</ContinuationToken>` : "") +
    `<KeyCount>${contents.length + prefixes.length}</KeyCount><MaxKeys>${maxKeys}</MaxKeys><IsTruncated>${truncated}</IsTruncated>` +
    (truncated ? `<NextContinuationToken>${Buffer.from(last).toString("base64")}</NextContinuationToken>` : "") +
    `${contents.join("")}${prefixes.join("")}</ListBucketResult>`
  );
}

export async function startMemoryS3(options: MemoryS3Options = {}): Promise<MemoryS3> {
  const buckets = new Map<string, MemoryBucket>();
  const served = new Map<string, Map<string, number>>();
  const sockets = new Set<Socket>();
  const state = {
    latencyMs: options.latencyMs ?? 0,
    fault: (() => null) as FaultRule,
    hold: (() => null) as HoldRule,
    inFlight: 0,
    peakInFlight: 0,
  };
  const requests: MemoryRequest[] = [];

  const answer = (req: http.IncomingMessage, res: http.ServerResponse, request: MemoryRequest) => {
    const send = (status: number, body: string | Buffer, headers: Record<string, string> = {}) => {
      state.inFlight -= 1;
      res.writeHead(status, { "content-length": String(Buffer.byteLength(body)), "x-amz-request-id": "MEMORYS3", ...headers });
      res.end(req.method === "HEAD" ? undefined : body);
    };
    const problem = options.credentials ? sigV4Problem(req, options.credentials) : null;
    if (problem)
      return send(
        403,
        errorXml("SignatureDoesNotMatch", `The request signature we calculated does not match the signature you provided: ${problem}.`),
        { "content-type": "application/xml" },
      );
    const store = buckets.get(request.bucket);
    if (!store) return send(404, errorXml("NoSuchBucket", "The specified bucket does not exist"), { "content-type": "application/xml" });
    const fault = state.fault(request);
    if (fault)
      return send(
        fault.status,
        errorXml(
          fault.code,
          fault.code === "SlowDown" ? "Please reduce your request rate." : "We encountered an internal error. Please try again.",
        ),
        { "content-type": "application/xml" },
      );
    // GetBucketLocation answers whichever region it was signed for: it is how a client learns the bucket's.
    const locating = !request.key && request.query.has("location");
    if (request.signedRegion && request.signedRegion !== store.region && !locating) {
      return send(
        301,
        errorXml(
          "PermanentRedirect",
          "The bucket you are attempting to access must be addressed using the specified endpoint.",
          `<Bucket>${xml(request.bucket)}</Bucket>`,
        ),
        {
          "content-type": "application/xml",
          "x-amz-bucket-region": store.region,
        },
      );
    }
    if (req.method !== "GET" && req.method !== "HEAD")
      return send(405, errorXml("MethodNotAllowed", `${req.method} is not served here`), { "content-type": "application/xml" });
    if (!request.key) {
      if (locating)
        return send(
          200,
          `<?xml version="1.0" encoding="UTF-8"?><LocationConstraint xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${store.region === "us-east-1" ? "" : xml(store.region)}</LocationConstraint>`,
          { "content-type": "application/xml" },
        );
      return send(200, listObjects(request.bucket, store, request.query, request.query.get("list-type") !== "2"), {
        "content-type": "application/xml",
      });
    }
    const body = store.objects.get(request.key);
    if (!body) return send(404, errorXml("NoSuchKey", "The specified key does not exist."), { "content-type": "application/xml" });
    let counts = served.get(request.bucket);
    if (!counts) served.set(request.bucket, (counts = new Map()));
    counts.set(request.key, (counts.get(request.key) ?? 0) + 1);
    const metadata = Object.entries(store.metadata.get(request.key) ?? {}).map(([name, value]) => [`x-amz-meta-${name}`, value]);
    return send(200, body, {
      "content-type": "application/octet-stream",
      etag: `"${body.length.toString(16)}"`,
      "last-modified": LAST_MODIFIED_HTTP,
      ...Object.fromEntries(metadata),
    });
  };

  const server = http.createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const [, bucket = "", ...key] = url.pathname.split("/");
    const request: MemoryRequest = {
      method: req.method ?? "",
      bucket: decodeURIComponent(bucket),
      key: decodeURIComponent(key.join("/")),
      query: url.searchParams,
      signedRegion: signedRegion(req),
    };
    if (options.recordRequests) requests.push(request);
    state.inFlight += 1;
    state.peakInFlight = Math.max(state.peakInFlight, state.inFlight);
    req.resume();
    req.on("end", () => {
      const go = () => (state.latencyMs > 0 ? setTimeout(() => answer(req, res, request), state.latencyMs) : answer(req, res, request));
      const held = state.hold(request);
      if (held) void held.finally(go);
      else go();
    });
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    get latencyMs() {
      return state.latencyMs;
    },
    set latencyMs(ms: number) {
      state.latencyMs = ms;
    },
    get fault() {
      return state.fault;
    },
    set fault(rule: FaultRule) {
      state.fault = rule;
    },
    get hold() {
      return state.hold;
    },
    set hold(rule: HoldRule) {
      state.hold = rule;
    },
    get inFlight() {
      return state.inFlight;
    },
    get peakInFlight() {
      return state.peakInFlight;
    },
    set peakInFlight(value: number) {
      state.peakInFlight = value;
    },
    createBucket(bucket, region = "us-east-1") {
      if (!buckets.has(bucket)) buckets.set(bucket, { region, objects: new Map(), metadata: new Map(), sorted: null });
    },
    put(bucket, key, body, metadata) {
      const store = buckets.get(bucket);
      if (!store) throw new Error(`memory S3: no bucket ${bucket}; createBucket first`);
      store.objects.set(key, body);
      if (metadata) store.metadata.set(key, metadata);
      else store.metadata.delete(key);
      store.sorted = null;
    },
    getCounts: (bucket) => new Map(served.get(bucket) ?? []),
    resetCounts() {
      served.clear();
      requests.length = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
