// A fault-injecting proxy in front of the local S3 (s3rver): each request passes through unless
// the test's rule answers it with a fault: no answer at all, the headers and part of the body
// followed by silence or a reset, or a reply of the test's own (a listing that never ends, a 404
// without a body). Requests are signed for the proxy's host, which is forwarded unchanged, so
// s3rver checks them as it checks any other. close() ends every socket, hung ones included.
import * as http from "node:http";
import type { AddressInfo, Socket } from "node:net";

export interface ProxiedRequest {
  method: string;
  bucket: string;
  key: string;
  query: URLSearchParams;
}

export type Fault =
  /** Accept the request and never answer it. */
  | { kind: "hang" }
  /** Send the upstream headers and the first `afterBytes` of the body, then nothing more. */
  | { kind: "stall"; afterBytes: number }
  /** Send the upstream headers and the first `afterBytes` of the body, then reset the connection. */
  | { kind: "reset"; afterBytes: number }
  /** Answer with this instead of asking upstream. */
  | { kind: "reply"; status: number; body?: string; headers?: Record<string, string> };

export type FaultRule = (request: ProxiedRequest) => Fault | null;

export interface FaultyS3 {
  endpoint: string;
  /** Every request, faulted or not, in arrival order. */
  requests: ProxiedRequest[];
  /** Decides each request's fate; null passes it through. Replace it at will. */
  rule: FaultRule;
  /** GetObject requests per key. */
  getCounts(): Map<string, number>;
  /** ListObjectsV2 requests whose prefix is `prefix`. */
  listsOf(prefix: string): ProxiedRequest[];
  close(): Promise<void>;
}

function parse(req: http.IncomingMessage): ProxiedRequest {
  const url = new URL(req.url ?? "/", "http://localhost");
  const [, bucket = "", ...key] = url.pathname.split("/");
  return { method: req.method ?? "", bucket, key: decodeURIComponent(key.join("/")), query: url.searchParams };
}

/** `upstream`: the real local S3's endpoint. */
export async function startFaultyS3(upstream: string): Promise<FaultyS3> {
  const target = new URL(upstream);
  const requests: ProxiedRequest[] = [];
  const sockets = new Set<Socket>();
  const state = { rule: (() => null) as FaultRule };

  const server = http.createServer((req, res) => {
    const request = parse(req);
    requests.push(request);
    const fault = state.rule(request);
    if (fault?.kind === "hang") {
      req.resume();
      return;
    }
    if (fault?.kind === "reply") {
      req.resume();
      res.writeHead(fault.status, { "content-length": String(Buffer.byteLength(fault.body ?? "")), ...fault.headers });
      res.end(fault.body ?? "");
      return;
    }
    const forward = http.request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        const chunks: Buffer[] = [];
        answer.on("data", (c: Buffer) => chunks.push(c));
        answer.on("end", () => {
          const body = Buffer.concat(chunks);
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          if (!fault) {
            res.end(body);
            return;
          }
          // Flushed before the fault, so that the client has the headers and the part in hand.
          res.write(body.subarray(0, Math.min(fault.afterBytes, body.length)), () => {
            if (fault.kind === "reset") res.socket?.resetAndDestroy();
          });
        });
      },
    );
    forward.on("error", () => res.destroy());
    req.pipe(forward);
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    get rule() {
      return state.rule;
    },
    set rule(rule: FaultRule) {
      state.rule = rule;
    },
    getCounts() {
      const counts = new Map<string, number>();
      for (const r of requests)
        if (r.method === "GET" && r.key && !r.query.has("list-type")) counts.set(r.key, (counts.get(r.key) ?? 0) + 1);
      return counts;
    },
    listsOf: (prefix) => requests.filter((r) => r.query.get("list-type") === "2" && (r.query.get("prefix") ?? "") === prefix),
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A ListObjectsV2 answer (ListBucketResult) with the keys, truncation flag and token given. */
export function listBucketResult(
  bucket: string,
  prefix: string,
  page: {
    keys: { key: string; size: number }[];
    prefixes?: string[];
    delimiter?: string;
    isTruncated: boolean;
    nextToken?: string;
    token?: string;
  },
): Fault {
  const common = (page.prefixes ?? []).map((p) => `<CommonPrefixes><Prefix>${p}</Prefix></CommonPrefixes>`).join("");
  const contents = page.keys
    .map(
      (k) =>
        `<Contents><Key>${k.key}</Key><LastModified>2025-03-01T10:00:00.000Z</LastModified><ETag>&quot;0&quot;</ETag><Size>${k.size}</Size><StorageClass>STANDARD</StorageClass></Contents>`,
    )
    .join("");
  const body =
    `<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>${bucket}</Name><Prefix>${prefix}</Prefix>` +
    (page.delimiter ? `<Delimiter>${page.delimiter}</Delimiter>` : "") +
    `<KeyCount>${page.keys.length + (page.prefixes?.length ?? 0)}</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>${page.isTruncated}</IsTruncated>` +
    (page.token ? `<ContinuationToken>${page.token}</ContinuationToken>` : "") +
    (page.nextToken ? `<NextContinuationToken>${page.nextToken}</NextContinuationToken>` : "") +
    `${contents}${common}</ListBucketResult>`;
  return { kind: "reply", status: 200, body, headers: { "content-type": "application/xml" } };
}
