// A loopback proxy in front of moto that rewrites the few requests moto reads otherwise than
// AWS documents them, so that the product's requests, unchanged, do in moto what they do in AWS.
// Each rule names the moto code it works around (test/moto/README.md lists them, and
// test/moto/sweep.test.ts pins moto's own answer to each, so a moto that no longer needs a rule
// shows up there). Everything else passes through byte for byte; what was rewritten is kept.
import * as http from "node:http";
import type { AddressInfo } from "node:net";

export interface Rewrite {
  /** X-Amz-Target's operation, such as `GetResources`. */
  operation: string;
  /** The request body as the product sent it, and as moto got it. */
  sent: Record<string, unknown>;
  forwarded: Record<string, unknown>;
}

export interface MotoDialect {
  endpoint: string;
  /** Requests whose body a rule changed, in order. */
  rewrites: Rewrite[];
  close(): Promise<void>;
}

type Rule = (body: Record<string, unknown>) => Record<string, unknown>;

// Keyed by X-Amz-Target (JSON protocols), so a rule can never touch another service's request.
const RULES: Record<string, Rule> = {
  // AWS: a resource type filter is spelled as in the resource's ARN, `logs:log-group`
  // (arn:aws:logs:<region>:<account>:log-group:<name>). moto 5.2.5 registers log groups with the
  // tagging API as `logs:loggroup` (moto/logs/models.py), so AWS's spelling matches none there.
  "ResourceGroupsTaggingAPI_20170126.GetResources": (body) => {
    const filters = body.ResourceTypeFilters;
    if (!Array.isArray(filters)) return body;
    return { ...body, ResourceTypeFilters: filters.map((f) => (f === "logs:log-group" ? "logs:loggroup" : f)) };
  },
  // AWS: DeleteTrail takes the trail's name or ARN. moto 5.2.5 deletes only by name and answers
  // success for anything else (moto/cloudtrail/models.py delete_trail), so a trail deleted by ARN
  // stays, logging.
  "CloudTrail_20131101.DeleteTrail": (body) => {
    const name = typeof body.Name === "string" ? /^arn:[^:]+:cloudtrail:[^:]*:[^:]*:trail\/(.+)$/.exec(body.Name)?.[1] : undefined;
    return name ? { ...body, Name: name } : body;
  },
};

const FORWARD_TIMEOUT_MS = 60_000;

function readBody(request: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => resolve(Buffer.concat(chunks)));
    request.on("error", reject);
  });
}

/** Starts the proxy on a free loopback port, forwarding to moto at `motoEndpoint`. */
export async function startMotoDialect(motoEndpoint: string): Promise<MotoDialect> {
  const target = new URL(motoEndpoint);
  const rewrites: Rewrite[] = [];

  const server = http.createServer((request, response) => {
    const fail = (error: unknown) => {
      if (!response.headersSent) response.writeHead(502, { "content-type": "text/plain" });
      response.end(`moto-dialect: ${error instanceof Error ? error.message : String(error)}`);
    };
    void readBody(request)
      .then((raw) => {
        let body = raw;
        const operation = String(request.headers["x-amz-target"] ?? "");
        const rule = RULES[operation];
        if (rule && raw.length > 0) {
          const sent = JSON.parse(raw.toString("utf8")) as Record<string, unknown>;
          const forwarded = rule(sent);
          if (JSON.stringify(forwarded) !== JSON.stringify(sent)) {
            rewrites.push({ operation: operation.split(".").pop()!, sent, forwarded });
            body = Buffer.from(JSON.stringify(forwarded));
          }
        }
        // moto checks no signature, so a rewritten body signed for the original one is accepted.
        const headers = { ...request.headers, host: target.host, "content-length": String(body.length) };
        const upstream = http.request(
          { host: target.hostname, port: target.port, method: request.method, path: request.url, headers, timeout: FORWARD_TIMEOUT_MS },
          (answer) => {
            response.writeHead(answer.statusCode ?? 502, answer.headers);
            answer.pipe(response);
            answer.on("error", fail);
          },
        );
        upstream.on("timeout", () => upstream.destroy(new Error(`moto did not answer within ${FORWARD_TIMEOUT_MS} ms`)));
        upstream.on("error", fail);
        upstream.end(body);
      })
      .catch(fail);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    rewrites,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
