// One digest file: its JSON fields, the string CloudTrail signs, and the signature check.
// The string to sign is CloudTrail's documented one:
//   digestEndTime \n digestS3Bucket/digestS3Object \n hex(SHA-256(uncompressed digest)) \n previousDigestSignature
// with the literal "null" when there is no previous digest.
import { createHash, createPublicKey, verify, type KeyObject } from "node:crypto";

export interface DigestLogFile {
  s3Bucket: string;
  s3Object: string;
  hashValue: string;
  hashAlgorithm: string;
}

export interface DigestContent {
  digestStartTime: string;
  digestEndTime: string;
  digestS3Bucket: string;
  digestS3Object: string;
  digestPublicKeyFingerprint: string;
  digestSignatureAlgorithm: string;
  previousDigestS3Bucket: string | null;
  previousDigestS3Object: string | null;
  previousDigestSignature: string | null;
  logFiles: DigestLogFile[];
}

export const SIGNATURE_ALGORITHM = "SHA256withRSA";

const STRING_FIELDS = ["digestStartTime", "digestEndTime", "digestS3Bucket", "digestS3Object", "digestPublicKeyFingerprint"] as const;

/** The digest's fields, or the reason it is not a digest file. */
export function parseDigest(json: Buffer): DigestContent | string {
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(json.toString("utf8")) as Record<string, unknown>;
  } catch (err) {
    return `invalid JSON: ${(err as Error).message}`;
  }
  if (typeof parsed !== "object" || parsed === null) return "not a digest file (no JSON object)";
  const missing = STRING_FIELDS.filter((f) => typeof parsed[f] !== "string");
  if (missing.length > 0) return `not a digest file (no ${missing.join(", ")})`;
  if (!Array.isArray(parsed.logFiles)) return "not a digest file (no logFiles array)";
  const untimed = (["digestStartTime", "digestEndTime"] as const).filter((f) => Number.isNaN(Date.parse(parsed[f] as string)));
  if (untimed.length > 0) return `not a digest file (${untimed.join(" and ")} not a time)`;
  const text = (field: string) => (typeof parsed[field] === "string" ? parsed[field] : null);
  return {
    digestStartTime: parsed.digestStartTime as string,
    digestEndTime: parsed.digestEndTime as string,
    digestS3Bucket: parsed.digestS3Bucket as string,
    digestS3Object: parsed.digestS3Object as string,
    digestPublicKeyFingerprint: parsed.digestPublicKeyFingerprint as string,
    digestSignatureAlgorithm: text("digestSignatureAlgorithm") ?? SIGNATURE_ALGORITHM,
    previousDigestS3Bucket: text("previousDigestS3Bucket"),
    previousDigestS3Object: text("previousDigestS3Object"),
    previousDigestSignature: text("previousDigestSignature"),
    logFiles: (parsed.logFiles as Partial<DigestLogFile>[]).map((f) => ({
      s3Bucket: String(f.s3Bucket ?? ""),
      s3Object: String(f.s3Object ?? ""),
      hashValue: String(f.hashValue ?? ""),
      hashAlgorithm: String(f.hashAlgorithm ?? "SHA-256"),
    })),
  };
}

export function sha256Hex(bytes: Buffer | string): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** `contentSha256`: hex SHA-256 of the uncompressed digest file (sha256Hex of its bytes). */
export function stringToSign(
  digestEndTime: string,
  bucket: string,
  key: string,
  contentSha256: string,
  previousSignature: string | null,
): string {
  return `${digestEndTime}\n${bucket}/${key}\n${contentSha256}\n${previousSignature ?? "null"}`;
}

/** CloudTrail's public keys are PKCS#1 DER RSA keys. */
export function rsaPublicKey(der: Uint8Array): KeyObject {
  return createPublicKey({ key: Buffer.from(der), format: "der", type: "pkcs1" });
}

/** RSA PKCS#1 v1.5 with SHA-256 over the string to sign; `signatureHex` as in x-amz-meta-signature. */
export function signatureHolds(signed: string, signatureHex: string, key: KeyObject): boolean {
  if (!/^(?:[0-9a-fA-F]{2})+$/.test(signatureHex)) return false;
  return verify("sha256", Buffer.from(signed, "utf8"), key, Buffer.from(signatureHex, "hex"));
}
