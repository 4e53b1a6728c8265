// Two fixes to s3rver, applied in the test process only, so that it behaves like S3 where the
// verify tests lean on it:
// - It seals ListObjectsV2 continuation tokens with DES, which OpenSSL 3 only offers behind
//   --openssl-legacy-provider. The token only has to round-trip through the client, so DES
//   becomes the identity here: listings past 1000 keys work without a flag.
// - With a Delimiter it never descends below one level, so `AWSLogs/o-id/<account>/...` yields no
//   CommonPrefixes. Here delimited listings are computed from the full listing, as S3 does.
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

interface ListOptions {
  delimiter?: string;
  prefix?: string;
  startAfter?: string;
  maxKeys?: number;
}
interface ListResult {
  objects: { key: string }[];
  commonPrefixes: string[];
  isTruncated: boolean;
}
type ListObjects = (this: unknown, bucket: string, options: ListOptions) => Promise<ListResult>;

// eslint-disable-next-line @typescript-eslint/no-require-imports
const FilesystemStore = require("s3rver/lib/stores/filesystem") as { prototype: { listObjects: ListObjects & { delimiterFix?: boolean } } };
const listObjects = FilesystemStore.prototype.listObjects;
if (!listObjects.delimiterFix) {
  const fixed: ListObjects = async function (this: unknown, bucket, options) {
    const { delimiter, prefix = "", maxKeys = Infinity } = options;
    if (!delimiter) return listObjects.call(this, bucket, options);
    const all = await listObjects.call(this, bucket, { ...options, delimiter: "", maxKeys: Infinity });
    const objects: { key: string }[] = [];
    const commonPrefixes: string[] = [];
    let isTruncated = false;
    for (const object of all.objects) {
      const cut = object.key.indexOf(delimiter, prefix.length);
      const common = cut === -1 ? null : object.key.slice(0, cut + delimiter.length);
      if (common && commonPrefixes.at(-1) === common) continue;
      if (objects.length + commonPrefixes.length >= maxKeys) {
        isTruncated = true;
        break;
      }
      if (common) commonPrefixes.push(common);
      else objects.push(object);
    }
    return { objects, commonPrefixes, isTruncated };
  };
  FilesystemStore.prototype.listObjects = Object.assign(fixed, { delimiterFix: true });
}
