// GetObject for log objects without the SDK's per-request machinery (middleware, serde, its
// handler), which costs several times the CPU of the GET itself: a scan of small objects is bound
// by that CPU (docs/bench.md, the "scan, SDK GetObject" row, has the measurement).
// Everything that decides WHERE and AS WHOM still comes from the S3 client: its endpoint resolver
// (so AWS_ENDPOINT_URL_S3, path style, FIPS and dual-stack are honoured as the SDK honours them),
// its SigV4 signer and credential chain, its clock-skew offset. A 301 naming the bucket's region
// (x-amz-bucket-region) is followed as the SDK's followRegionRedirects follows it, and the
// region is then remembered for the bucket. Errors arrive shaped as the SDK's (name = S3's
// code, $metadata.httpStatusCode), so that the callers' handling is the same on both paths.
// Only log object GETs come here; every other call stays on the SDK.
import * as http from "node:http";
import * as https from "node:https";
import type { Socket } from "node:net";
import { GetObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { getEndpointFromInstructions } from "@smithy/core/endpoints";
import { HttpRequest } from "@smithy/core/protocols";
import { DEFAULT_CONNECT_TIMEOUT_MS, DEFAULT_IDLE_TIMEOUT_MS, type HttpTimeouts } from "../../common/aws-http";
import { BodyOverCapError, readCapped, readObject, type ReadOptions } from "./s3-objects";

/** An error body past this is cut: S3's are a few hundred bytes. */
const MAX_ERROR_BODY = 64 * 1024;

export interface LeanGetOptions {
  /** Connections kept open per host: the scan's in-flight count. */
  maxSockets: number;
  /** @default DEFAULT_CONNECT_TIMEOUT_MS and DEFAULT_IDLE_TIMEOUT_MS (common/aws-http.ts), as the SDK clients' */
  timeouts?: HttpTimeouts;
}

interface RequestSigner {
  sign(request: HttpRequest, options: { signingDate: Date; signingRegion: string; signingService: string }): Promise<HttpRequest>;
}

/** Where one bucket's objects are read from, and how requests to it are signed. */
interface BucketEndpoint {
  url: URL;
  region: string;
  signingRegion: string;
  signingService: string;
  signer: RequestSigner;
}

interface AuthScheme {
  name: string;
  signingName?: string;
  signingRegion?: string;
}

/** An S3 error answer, shaped as the SDK shapes its errors (awsErrorCode and toVerifyError read it alike). */
export class S3ResponseError extends Error {
  readonly $metadata: { httpStatusCode: number; requestId?: string };
  readonly $response: { statusCode: number; headers: http.IncomingHttpHeaders };
  readonly $fault: "client" | "server";

  constructor(status: number, headers: http.IncomingHttpHeaders, body: string) {
    const code = /<Code>([^<]*)<\/Code>/.exec(body)?.[1];
    // No code: the message stays empty, so that the status names the error (a proxy's bare 404).
    super(code ? (/<Message>([^<]*)<\/Message>/.exec(body)?.[1] ?? code) : "");
    this.name = code ?? "UnknownError";
    const requestId = /<RequestId>([^<]*)<\/RequestId>/.exec(body)?.[1] ?? (headers["x-amz-request-id"] as string | undefined);
    this.$metadata = { httpStatusCode: status, ...(requestId ? { requestId } : {}) };
    this.$response = { statusCode: status, headers };
    this.$fault = status >= 500 ? "server" : "client";
  }
}

function timeoutError(what: string, ms: number): Error {
  return Object.assign(new Error(`${what} after ${ms} ms`), { name: "TimeoutError", code: "ETIMEDOUT" });
}

/** A key as a URL path: each segment percent-encoded as the SDK does (RFC 3986, `/` kept). */
export function encodeKeyPath(key: string): string {
  return key
    .split("/")
    .map((segment) => encodeURIComponent(segment).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`))
    .join("/");
}

/** Node's HTTP parser refused what arrived: it was not an HTTP answer (HPE_INVALID_CONSTANT, ...). */
function isParseError(err: unknown): boolean {
  return String((err as { code?: unknown } | null)?.code).startsWith("HPE_");
}

/**
 * What arrived on a kept-alive connection before this request's answer was not an answer: bytes
 * left over from the one before on that connection, whose body ran past its Content-Length. The
 * fault is that answer's, and this request is only to be sent again (a dropped connection).
 */
export class StrayBytesError extends Error {
  /** Node's parser code (HPE_...): a dropped connection to the retries (aws-errors.ts). */
  readonly code: string;

  constructor(
    /** `s3://bucket/key` of the answer that ran past its Content-Length. */
    readonly culprit: string,
    cause: Error & { code?: string },
  ) {
    super(
      `the answer to ${culprit}, before this request on the same kept-alive connection, ran past its Content-Length: its extra bytes reached this request (${cause.code})`,
      { cause },
    );
    this.name = "StrayBytesError";
    this.code = cause.code ?? "HPE_INVALID_CONSTANT";
  }
}

export class LeanGet {
  private readonly endpoints = new Map<string, Promise<BucketEndpoint | null>>();
  /** Whose answer each kept-alive connection carried last: bytes past its end are its fault, not the next request's. */
  private readonly lastAnswerOn = new WeakMap<Socket, string>();
  private readonly httpAgent: http.Agent;
  private readonly httpsAgent: https.Agent;
  private readonly connectMs: number;
  private readonly idleMs: number;

  constructor(
    private readonly client: S3Client,
    options: LeanGetOptions,
  ) {
    this.httpAgent = new http.Agent({ keepAlive: true, maxSockets: options.maxSockets });
    this.httpsAgent = new https.Agent({ keepAlive: true, maxSockets: options.maxSockets });
    this.connectMs = options.timeouts?.connectMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    this.idleMs = options.timeouts?.idleMs ?? DEFAULT_IDLE_TIMEOUT_MS;
  }

  /** The object's bytes in one Buffer that owns its memory (so it can be moved to a worker whole). */
  async get(bucket: string, key: string, options: ReadOptions = {}): Promise<Buffer> {
    let endpoint = await this.endpoint(bucket);
    // A scheme other than plain SigV4 (S3 Express, a multi-region access point): the SDK knows it.
    if (!endpoint) return readObject(this.client, bucket, key, options);
    try {
      return await this.send(endpoint, bucket, key, options);
    } catch (err) {
      const region = this.redirectRegion(err);
      if (!region || region === endpoint.region) throw err;
      endpoint = await this.redirect(bucket, region);
      if (!endpoint) return readObject(this.client, bucket, key, options);
      return this.send(endpoint, bucket, key, options);
    }
  }

  /** Closes the kept-alive connections. */
  destroy(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }

  private endpoint(bucket: string): Promise<BucketEndpoint | null> {
    let known = this.endpoints.get(bucket);
    if (!known) {
      known = this.resolve(bucket, null);
      // A failed resolution is not remembered: the next object asks again.
      known.catch(() => this.endpoints.delete(bucket));
      this.endpoints.set(bucket, known);
    }
    return known;
  }

  private redirect(bucket: string, region: string): Promise<BucketEndpoint | null> {
    const known = this.resolve(bucket, region);
    known.catch(() => this.endpoints.delete(bucket));
    this.endpoints.set(bucket, known);
    return known;
  }

  /** The SDK's own endpoint resolution for GetObject on this bucket, in `region` or the client's. */
  private async resolve(bucket: string, region: string | null): Promise<BucketEndpoint | null> {
    const config = this.client.config;
    const inRegion = region ?? (await config.region());
    const resolved = await getEndpointFromInstructions({ Bucket: bucket, Key: "" }, GetObjectCommand, {
      ...config,
      region: () => Promise.resolve(inRegion),
    });
    const scheme = (resolved.properties?.authSchemes as AuthScheme[] | undefined)?.[0] ?? { name: "sigv4" };
    if (scheme.name !== "sigv4") return null;
    const signingRegion = scheme.signingRegion ?? inRegion;
    const signingService = scheme.signingName ?? "s3";
    const signer = (await config.signer({
      name: "sigv4",
      signingName: signingService,
      signingRegion,
      properties: {},
    })) as unknown as RequestSigner;
    return { url: new URL(resolved.url.href), region: inRegion, signingRegion, signingService, signer };
  }

  /** The bucket's region from a redirect the SDK would follow, when the client follows them. */
  private redirectRegion(err: unknown): string | null {
    if (!(err instanceof S3ResponseError) || !this.client.config.followRegionRedirects) return null;
    const region = err.$response.headers["x-amz-bucket-region"];
    if (typeof region !== "string" || !region) return null;
    const status = err.$metadata.httpStatusCode;
    return status === 301 || (status === 400 && err.name === "IllegalLocationConstraintException") ? region : null;
  }

  private async send(endpoint: BucketEndpoint, bucket: string, key: string, options: ReadOptions): Promise<Buffer> {
    const { url } = endpoint;
    const path = `${url.pathname.replace(/\/$/, "")}/${encodeKeyPath(key)}`;
    const unsigned = new HttpRequest({
      method: "GET",
      protocol: url.protocol,
      hostname: url.hostname,
      port: url.port ? Number(url.port) : undefined,
      path,
      headers: { host: url.host },
    });
    const signed = await endpoint.signer.sign(unsigned, {
      signingDate: new Date(Date.now() + (this.client.config.systemClockOffset ?? 0)),
      signingRegion: endpoint.signingRegion,
      signingService: endpoint.signingService,
    });
    const secure = url.protocol === "https:";
    return new Promise<Buffer>((resolve, reject) => {
      const request = (secure ? https : http).request({
        host: url.hostname,
        port: url.port || (secure ? 443 : 80),
        path,
        method: "GET",
        headers: signed.headers,
        agent: secure ? this.httpsAgent : this.httpAgent,
        signal: options.signal,
      });
      let previous: string | undefined;
      let answered = false;
      request.on("socket", (socket: Socket) => {
        previous = this.lastAnswerOn.get(socket);
        if (!socket.connecting) return;
        const timer = setTimeout(() => request.destroy(timeoutError("no connection", this.connectMs)), this.connectMs);
        socket.once("connect", () => clearTimeout(timer));
        socket.once("close", () => clearTimeout(timer));
      });
      // Silence on the socket, before the answer or within its body.
      request.setTimeout(this.idleMs, () => request.destroy(timeoutError("socket idle", this.idleMs)));
      request.on("error", (err: Error) =>
        reject(!answered && request.reusedSocket && previous && isParseError(err) ? new StrayBytesError(previous, err) : err),
      );
      request.on("response", (response) => {
        answered = true;
        this.lastAnswerOn.set(response.socket, `s3://${bucket}/${key}`);
        const status = response.statusCode ?? 0;
        const read = status === 200 ? readBody(response, options.maxBytes ?? Infinity) : readError(response, status);
        read.then(resolve, (err: Error) => {
          response.destroy();
          reject(err);
        });
      });
      request.end();
    });
  }
}

/** The whole body into one buffer of its own, sized from Content-Length; over `maxBytes` it stops unread. */
async function readBody(response: http.IncomingMessage, maxBytes: number): Promise<Buffer> {
  const declared = Number(response.headers["content-length"]);
  if (Number.isFinite(declared) && declared > maxBytes) throw new BodyOverCapError(maxBytes);
  if (Number.isInteger(declared) && declared >= 0) {
    const body = Buffer.allocUnsafeSlow(declared);
    let at = 0;
    for await (const chunk of response as AsyncIterable<Buffer>) {
      if (at + chunk.length > declared)
        throw Object.assign(new Error(`the body ran past its Content-Length of ${declared} bytes`), { code: "ERR_STREAM_PREMATURE_CLOSE" });
      chunk.copy(body, at);
      at += chunk.length;
    }
    if (at !== declared)
      throw Object.assign(new Error(`the body ended after ${at} of ${declared} bytes`), { code: "ERR_STREAM_PREMATURE_CLOSE" });
    return body;
  }
  return readCapped(response as AsyncIterable<Buffer>, maxBytes);
}

async function readError(response: http.IncomingMessage, status: number): Promise<never> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of response as AsyncIterable<Buffer>) {
    if (length >= MAX_ERROR_BODY) continue;
    chunks.push(chunk);
    length += chunk.length;
  }
  throw new S3ResponseError(status, response.headers, Buffer.concat(chunks).toString("utf8"));
}
