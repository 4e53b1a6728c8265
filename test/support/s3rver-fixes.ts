// s3rver seals its ListObjectsV2 continuation tokens with DES, which OpenSSL 3 only offers
// behind --openssl-legacy-provider. The token only has to round-trip through the client, so
// in the test process DES becomes the identity: listings past 1000 keys work without a flag.
import crypto from "node:crypto";

type Sealer = { update(data: Buffer | string, encoding?: BufferEncoding): Buffer; final(): Buffer };

const identity: Sealer = {
  update: (data, encoding) => (typeof data === "string" ? Buffer.from(data, encoding ?? "utf8") : data),
  final: () => Buffer.alloc(0),
};

const cryptoModule = crypto as unknown as Record<"createCipheriv" | "createDecipheriv", (...args: unknown[]) => unknown>;
for (const name of ["createCipheriv", "createDecipheriv"] as const) {
  const original = cryptoModule[name];
  if ((original as { desShim?: boolean }).desShim) continue;
  const shimmed = (algorithm: unknown, ...rest: unknown[]) => (algorithm === "des" ? identity : original(algorithm, ...rest));
  cryptoModule[name] = Object.assign(shimmed, { desShim: true });
}
