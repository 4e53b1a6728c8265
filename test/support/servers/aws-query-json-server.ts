// A local HTTP server that speaks the AWS wire protocols the lab's own calls use: the query
// protocol with XML answers (STS, EC2) and JSON 1.1 selected by X-Amz-Target (CloudTrail).
// Tests give each operation a handler and read back what was asked, and by whom: the access key and
// the region each request was signed with (SigV4's credential scope), so that a test can answer a
// different account per access key and see which region a client chose.
import * as http from "node:http";
import type { AddressInfo } from "node:net";

export interface AwsReply {
  status?: number;
  body: string;
  json?: boolean;
  /** Never answer: the request hangs until the client gives up or the server closes. */
  hang?: boolean;
}

/** Who signed a request: `Credential=<key>/<date>/<region>/<service>/aws4_request`; null parts when unsigned. */
export interface Signer {
  accessKeyId: string | null;
  region: string | null;
  service: string | null;
}

/** `signer` is always given by the server; optional so that a test can call a handler it wraps with the params alone. */
export type AwsHandler = (params: Record<string, string>, signer?: Signer) => AwsReply;

function signerOf(authorization: string | undefined): Signer {
  const m = /Credential=([^/]+)\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request/.exec(authorization ?? "");
  return { accessKeyId: m?.[1] ?? null, region: m?.[2] ?? null, service: m?.[3] ?? null };
}

export interface AwsServer {
  endpoint: string;
  requests: { operation: string; params: Record<string, string>; signer: Signer }[];
  handlers: Record<string, AwsHandler>;
  close(): Promise<void>;
}

export function xmlError(code: string, message: string, status = 400): AwsReply {
  return {
    status,
    body: `<ErrorResponse><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>4c0f1e2d</RequestId></ErrorResponse>`,
  };
}

export function ec2Error(code: string, message: string, status = 400): AwsReply {
  return {
    status,
    body: `<Response><Errors><Error><Code>${code}</Code><Message>${message}</Message></Error></Errors><RequestID>4c0f1e2d</RequestID></Response>`,
  };
}

export function jsonError(type: string, message: string, status = 400): AwsReply {
  return { status, json: true, body: JSON.stringify({ __type: type, message }) };
}

export async function startAwsServer(handlers: Record<string, AwsHandler> = {}): Promise<AwsServer> {
  const requests: AwsServer["requests"] = [];
  const hung = new Set<http.ServerResponse>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const raw = Buffer.concat(chunks).toString("utf8");
      const target = req.headers["x-amz-target"];
      let operation: string;
      let params: Record<string, string>;
      if (typeof target === "string") {
        operation = target.split(".").pop() ?? "";
        params = Object.fromEntries(
          Object.entries((raw ? JSON.parse(raw) : {}) as Record<string, unknown>).map(([k, v]) => [k, JSON.stringify(v)]),
        );
      } else {
        params = Object.fromEntries(new URLSearchParams(raw));
        operation = params.Action ?? "";
      }
      const signer = signerOf(req.headers.authorization);
      requests.push({ operation, params, signer });
      const handler = server.handlers[operation];
      const reply = handler
        ? handler(params, signer)
        : {
            status: 400,
            body: `<ErrorResponse><Error><Code>InvalidAction</Code><Message>no handler for ${operation}</Message></Error></ErrorResponse>`,
          };
      if (reply.hang) {
        hung.add(res);
        return;
      }
      res.writeHead(reply.status ?? 200, {
        "content-type": reply.json ? "application/x-amz-json-1.1" : "text/xml",
        "x-amzn-requestid": "4c0f1e2d",
      });
      res.end(reply.body);
    });
  }) as http.Server & { handlers: Record<string, AwsHandler> };
  server.handlers = handlers;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    handlers: server.handlers,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const res of hung) res.destroy();
      }),
  };
}

export function callerIdentity(account = "123456789012", arn = `arn:aws:iam::${account}:user/lab`): AwsReply {
  return {
    body: `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult><Arn>${arn}</Arn><UserId>AIDAEXAMPLE</UserId><Account>${account}</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>4c0f1e2d</RequestId></ResponseMetadata></GetCallerIdentityResponse>`,
  };
}

export function vpcs(list: { id: string; isDefault: boolean }[]): AwsReply {
  const items = list
    .map(
      (v) =>
        `<item><vpcId>${v.id}</vpcId><state>available</state><cidrBlock>172.31.0.0/16</cidrBlock><isDefault>${v.isDefault}</isDefault></item>`,
    )
    .join("");
  return {
    body: `<DescribeVpcsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>4c0f1e2d</requestId><vpcSet>${items}</vpcSet></DescribeVpcsResponse>`,
  };
}
