// The limit a scan of small objects is held to: a bare keep-alive GET loop against the same S3
// server, with the same number of requests in flight, and nothing else: no SDK, no signing, no
// listing, no decoding. Each body is read whole into memory, as the scan reads it.
import * as http from "node:http";

export interface GetLoopResult {
  ms: number;
  objects: number;
  gzBytes: number;
}

/** GETs every key of `bucket` once, `inFlight` at a time, over keep-alive connections. */
export async function bareGetLoop(endpoint: string, bucket: string, keys: readonly string[], inFlight: number): Promise<GetLoopResult> {
  const url = new URL(endpoint);
  const agent = new http.Agent({ keepAlive: true, maxSockets: inFlight });
  const get = (key: string) =>
    new Promise<number>((resolve, reject) => {
      http
        .get({ host: url.hostname, port: url.port, path: `/${bucket}/${key}`, agent }, (response) => {
          const chunks: Buffer[] = [];
          response.on("data", (chunk: Buffer) => chunks.push(chunk));
          response.on("end", () =>
            response.statusCode === 200
              ? resolve(Buffer.concat(chunks).length)
              : reject(new Error(`GET ${key}: HTTP ${response.statusCode}`)),
          );
          response.on("error", reject);
        })
        .on("error", reject);
    });
  let next = 0;
  let gzBytes = 0;
  const started = process.hrtime.bigint();
  try {
    await Promise.all(
      Array.from({ length: inFlight }, async () => {
        while (next < keys.length) {
          const bytes = await get(keys[next++]);
          gzBytes += bytes;
        }
      }),
    );
  } finally {
    agent.destroy();
  }
  return { ms: Number(process.hrtime.bigint() - started) / 1e6, objects: keys.length, gzBytes };
}
