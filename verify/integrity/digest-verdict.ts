// A digest's own verdict, before any chain: it was found, it reads as a digest, it is where it
// says it is, it carries a signature by one of its region's public keys over the documented string
// to sign. Each digest is judged once, however many chain links and waiting rounds ask. The
// reasons are the AWS CLI's words where it has them ("not found", "has been moved from its
// original location", "signature verification failed").
import type { FetchedDigest } from "./digest-reader";
import { SIGNATURE_ALGORITHM, signatureHolds, stringToSign } from "./digest-file";
import type { PublicKeyRing } from "./public-keys";

export type DigestVerdict =
  | { status: "valid" }
  | { status: "invalid"; reason: string }
  /** Its region refused ListPublicKeys: neither valid nor invalid. */
  | { status: "unchecked"; refused: Error };

const VALID: DigestVerdict = { status: "valid" };
const invalid = (reason: string): DigestVerdict => ({ status: "invalid", reason });

export class DigestJudge {
  private readonly verdicts = new Map<string, Promise<DigestVerdict>>();

  /** Only the ring's lookup is used: a test may hand it a ring of its own keys. */
  constructor(private readonly keys: Pick<PublicKeyRing, "find">) {}

  judge(digest: FetchedDigest): Promise<DigestVerdict> {
    const id = `${digest.location.bucket}/${digest.location.key}`;
    let verdict = this.verdicts.get(id);
    if (!verdict) {
      verdict = this.check(digest);
      this.verdicts.set(id, verdict);
      // A failed check (a throttled key listing past its deadline, an abort) is not remembered.
      verdict.catch(() => this.verdicts.delete(id));
    }
    return verdict;
  }

  private async check(digest: FetchedDigest): Promise<DigestVerdict> {
    if (digest.state === "missing") return invalid("not found");
    if (digest.state === "unreadable") return invalid(digest.reason);
    const { content, location } = digest;
    if (content.digestS3Bucket !== location.bucket || content.digestS3Object !== location.key) {
      return invalid(`has been moved from its original location s3://${content.digestS3Bucket}/${content.digestS3Object}`);
    }
    if (!digest.signature) return invalid("no signature: the object has no x-amz-meta-signature metadata");
    const algorithm = digest.signatureAlgorithm ?? content.digestSignatureAlgorithm;
    if (algorithm !== SIGNATURE_ALGORITHM) return invalid(`unsupported signature algorithm ${algorithm}`);
    const signedAt = signingTime(digest);
    if (typeof signedAt === "string") return invalid(signedAt);
    const lookup = await this.keys.find(location.region, content.digestPublicKeyFingerprint, signedAt);
    if ("refused" in lookup) return { status: "unchecked", refused: lookup.refused };
    const { key } = lookup;
    if (!key) return invalid(`public key not found in region ${location.region} for fingerprint ${content.digestPublicKeyFingerprint}`);
    const signed = stringToSign(
      content.digestEndTime,
      location.bucket,
      location.key,
      digest.contentSha256,
      content.previousDigestSignature,
    );
    return signatureHolds(signed, digest.signature, key) ? VALID : invalid("signature verification failed");
  }
}

/** When the digest was signed, about: its end time, or a backfill digest's generation time; else why it is not a digest. */
function signingTime(digest: Extract<FetchedDigest, { state: "read" }>): Date | string {
  const { location, content, backfillGeneratedAt } = digest;
  const at = new Date(location.backfill ? (backfillGeneratedAt ?? "") : content.digestEndTime);
  if (!Number.isNaN(at.getTime())) return at;
  return location.backfill
    ? "invalid format: a backfill digest without a valid x-amz-meta-backfill-generation-timestamp"
    : `invalid format: digestEndTime ${JSON.stringify(content.digestEndTime)} is not a time`;
}
