// Digest files signed the way CloudTrail signs them, with a key pair made in the test: the
// SHA-256 of each listed log's uncompressed content, the previous digest's signature, and an
// RSA SHA-256 (PKCS#1 v1.5) signature over the documented string to sign, stored hex in the
// object's x-amz-meta-signature. The public key goes to the local CloudTrail's ListPublicKeys.
import { createHash, generateKeyPairSync, sign, type KeyObject } from "node:crypto";
import { gunzipSync, gzipSync } from "node:zlib";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import type { FixtureFactory } from "./cloudtrail-fixtures";
import type { FixturePublicKey } from "./cloudtrail-server";
import type { LocalS3 } from "./s3-server";

export interface SigningKey {
  privateKey: KeyObject;
  /** PKCS#1 DER, as ListPublicKeys returns it. */
  publicDer: Buffer;
  /** CloudTrail's fingerprints are 32 hex digits; an MD5 of the key serves. */
  fingerprint: string;
}

const sha256 = (bytes: Buffer | string) => createHash("sha256").update(bytes).digest("hex");

export function newSigningKey(): SigningKey {
  const { publicKey, privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const publicDer = publicKey.export({ format: "der", type: "pkcs1" });
  return { privateKey, publicDer, fingerprint: createHash("md5").update(publicDer).digest("hex") };
}

export function listedKey(key: SigningKey, validFrom: Date, validTo: Date): FixturePublicKey {
  return { value: key.publicDer, fingerprint: key.fingerprint, validFrom, validTo };
}

export interface StoredObject {
  bucket: string;
  key: string;
  body: Buffer;
  metadata?: Record<string, string>;
}

export interface SignedDigest extends StoredObject {
  region: string;
  content: Record<string, unknown>;
  signature: string;
}

export interface DigestOptions {
  /** Signs with this key instead of the chain's. */
  key?: SigningKey;
  /** Names no previous digest: the chain restarts here. */
  restart?: boolean;
  /** Claims this previous signature instead of the real one (and signs over the claim). */
  previousSignature?: string;
  /** Names this bucket as the previous digest's (a trail whose bucket changed), key unchanged. */
  previousBucket?: string;
}

export const iso = (at: Date) => at.toISOString().replace(/\.\d{3}Z$/, "Z");

/** One trail's digests, chained per region as CloudTrail chains them. */
export class DigestChain {
  readonly objects: StoredObject[] = [];
  private readonly last = new Map<string, SignedDigest>();

  constructor(
    private readonly f: FixtureFactory,
    private readonly key: SigningKey,
    readonly trail: { name: string; homeRegion: string; bucket: string; prefix?: string; orgId?: string },
  ) {}

  /** A log object delivered in `region` at `at`. */
  log(region: string, at: Date, body: Buffer): StoredObject {
    const log = { bucket: this.trail.bucket, key: this.f.logKey(region, at, { prefix: this.trail.prefix, orgId: this.trail.orgId }), body };
    this.objects.push(log);
    return log;
  }

  /** The digest of the hour ending at `end`, listing `logs`, signed and linked to the region's previous digest. */
  digest(region: string, end: Date, logs: StoredObject[], options: DigestOptions = {}): SignedDigest {
    const { bucket } = this.trail;
    const start = new Date(end.getTime() - 3_600_000);
    const key = this.f.digestKey(region, end, this.trail.name, { prefix: this.trail.prefix, orgId: this.trail.orgId, homeRegion: this.trail.homeRegion });
    const previous = options.restart ? undefined : this.last.get(region);
    const signingKey = options.key ?? this.key;
    const content = {
      awsAccountId: this.f.account,
      digestStartTime: iso(start),
      digestEndTime: iso(end),
      digestS3Bucket: bucket,
      digestS3Object: key,
      digestPublicKeyFingerprint: signingKey.fingerprint,
      digestSignatureAlgorithm: "SHA256withRSA",
      newestEventTime: iso(end),
      oldestEventTime: iso(start),
      previousDigestS3Bucket: previous ? (options.previousBucket ?? bucket) : null,
      previousDigestS3Object: previous ? previous.key : null,
      previousDigestHashValue: previous ? sha256(gunzipSync(previous.body)) : null,
      previousDigestHashAlgorithm: previous ? "SHA-256" : null,
      previousDigestSignature: options.previousSignature ?? (previous ? previous.signature : null),
      logFiles: logs.map((l) => ({
        s3Bucket: l.bucket,
        s3Object: l.key,
        hashValue: sha256(gunzipSync(l.body)),
        hashAlgorithm: "SHA-256",
        newestEventTime: iso(end),
        oldestEventTime: iso(start),
      })),
    };
    const json = Buffer.from(JSON.stringify(content));
    const signature = signDigest(signingKey, content.digestEndTime, bucket, key, json, content.previousDigestSignature);
    const digest: SignedDigest = { bucket, key, region, content, signature, body: gzipSync(json), metadata: { signature, "signature-algorithm": "SHA256withRSA" } };
    this.objects.push(digest);
    this.last.set(region, digest);
    return digest;
  }
}

/** The signature CloudTrail stores in x-amz-meta-signature, hex. */
export function signDigest(key: SigningKey, endTime: string, bucket: string, objectKey: string, uncompressed: Buffer, previousSignature: string | null): string {
  const signed = `${endTime}\n${bucket}/${objectKey}\n${sha256(uncompressed)}\n${previousSignature ?? "null"}`;
  return sign("sha256", Buffer.from(signed), key.privateKey).toString("hex");
}

/** Puts objects with their metadata (LocalS3.put sends none). */
export async function putObjects(s3: Pick<LocalS3, "client">, objects: StoredObject[]): Promise<void> {
  for (const o of objects) {
    await s3.client.send(new PutObjectCommand({ Bucket: o.bucket, Key: o.key, Body: o.body, Metadata: o.metadata }));
  }
}
