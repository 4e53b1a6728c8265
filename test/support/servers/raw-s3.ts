// A local S3 on raw sockets, to misbehave where node:http would not let a server: an answer whose
// body runs past its Content-Length on a kept-alive connection, the extra bytes sent with the
// answer or held back until the next request on that connection arrives (then they are the first
// thing that request reads, as when they arrive late). It answers GetObject and ListObjectsV2
// (prefix and start-after, one page), path style, HTTP/1.1 keep-alive; signatures are not checked.
import * as net from "node:net";
import type { AddressInfo } from "node:net";
import { listBucketResult } from "./faulty-s3";

export interface RawMisbehaviour {
  /** The body is followed by `extra` bytes that no Content-Length counts. */
  kind: "overrun";
  extra: Buffer;
  /** With the answer, in one write; or held until the next request on the connection arrives. */
  at: "same-write" | "next-request";
  /**
   * How many of the key's answers misbehave; the later ones are well formed.
   * @default every one
   */
  times?: number;
}

export interface RawS3 {
  endpoint: string;
  /** Keys to bodies, in one bucket whatever the path names. */
  objects: Map<string, Buffer>;
  /** How the answers to a key misbehave; absent keys are answered well. */
  misbehave: Map<string, RawMisbehaviour>;
  /** GetObject keys in arrival order, with the connection (numbered from 1) each came on. */
  gets: { key: string; connection: number }[];
  close(): Promise<void>;
}

const HEAD_END = "\r\n\r\n";

function answer(status: number, headers: Record<string, string>, body: Buffer): Buffer {
  const head = [`HTTP/1.1 ${status} ${status === 200 ? "OK" : "Not Found"}`, ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)];
  head.push(`Content-Length: ${body.length}`, "Connection: keep-alive", "", "");
  return Buffer.concat([Buffer.from(head.join("\r\n")), body]);
}

export async function startRawS3(): Promise<RawS3> {
  const objects = new Map<string, Buffer>();
  const misbehave = new Map<string, RawMisbehaviour>();
  const gets: RawS3["gets"] = [];
  const sockets = new Set<net.Socket>();
  let connections = 0;

  const respond = (socket: net.Socket, connection: number, target: string, held: { extra: Buffer | null }) => {
    const url = new URL(target, "http://localhost");
    const [, bucket = "", ...rest] = url.pathname.split("/");
    const key = decodeURIComponent(rest.join("/"));
    // Bytes a previous answer on this connection held back come first, as if they had arrived late.
    const before = held.extra ?? Buffer.alloc(0);
    held.extra = null;
    if (url.searchParams.get("list-type") === "2") {
      const prefix = url.searchParams.get("prefix") ?? "";
      const startAfter = url.searchParams.get("start-after") ?? "";
      const delimiter = url.searchParams.get("delimiter") ?? "";
      const keys: { key: string; size: number }[] = [];
      const prefixes = new Set<string>();
      for (const k of [...objects.keys()].sort()) {
        if (!k.startsWith(prefix) || k <= startAfter) continue;
        const cut = delimiter ? k.indexOf(delimiter, prefix.length) : -1;
        if (cut >= 0) prefixes.add(k.slice(0, cut + delimiter.length));
        else keys.push({ key: k, size: objects.get(k)!.length });
      }
      const page = listBucketResult(bucket, prefix, { keys, prefixes: [...prefixes], delimiter, isTruncated: false });
      const body = Buffer.from(page.kind === "reply" ? (page.body ?? "") : "");
      socket.write(Buffer.concat([before, answer(200, { "Content-Type": "application/xml" }, body)]));
      return;
    }
    gets.push({ key, connection });
    const body = objects.get(key);
    if (!body) {
      const xml = `<?xml version="1.0" encoding="UTF-8"?><Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>`;
      socket.write(Buffer.concat([before, answer(404, { "Content-Type": "application/xml" }, Buffer.from(xml))]));
      return;
    }
    let fault = misbehave.get(key);
    if (fault?.times !== undefined) {
      if (fault.times <= 0) fault = undefined;
      else fault.times -= 1;
    }
    const bytes = answer(200, { "Content-Type": "application/octet-stream" }, body);
    if (fault?.kind === "overrun" && fault.at === "same-write") socket.write(Buffer.concat([before, bytes, fault.extra]));
    else {
      socket.write(Buffer.concat([before, bytes]));
      if (fault?.kind === "overrun") held.extra = fault.extra;
    }
  };

  const server = net.createServer((socket) => {
    const connection = ++connections;
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => undefined);
    const held = { extra: null as Buffer | null };
    let pending = "";
    socket.on("data", (chunk: Buffer) => {
      pending += chunk.toString("latin1");
      for (let end = pending.indexOf(HEAD_END); end >= 0; end = pending.indexOf(HEAD_END)) {
        const [requestLine] = pending.slice(0, end).split("\r\n");
        pending = pending.slice(end + HEAD_END.length);
        const [, target = "/"] = requestLine.split(" ");
        respond(socket, connection, target, held);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    objects,
    misbehave,
    gets,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
