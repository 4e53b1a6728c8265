// One digest file on its own (verify/integrity/digest-file.ts): its fields read from a digest
// signed as CloudTrail signs it, every way it is refused as not a digest, and the signature check
// over the documented string to sign, against the key that signed it and against any other.
import { expect } from "chai";
import { gunzipSync } from "node:zlib";
import { parseDigest, rsaPublicKey, sha256Hex, signatureHolds, stringToSign } from "../../../verify/integrity/digest-file";
import { FixtureFactory, logFile } from "../../support/fixtures/cloudtrail-fixtures";
import { DigestChain, newSigningKey } from "../../support/fixtures/signed-digests";

describe("verify: one digest file (parseDigest, signatureHolds)", () => {
  const f = new FixtureFactory("111122223333", 21);
  const key = newSigningKey();
  const stranger = newSigningKey();
  const chain = new DigestChain(f, key, { name: "lab-trail", homeRegion: "us-east-1", bucket: "lab-trail-logs" });
  const end = new Date("2026-12-07T10:00:00Z");
  const logs = [chain.log("us-east-1", new Date("2026-12-07T09:20:00Z"), logFile([f.noise("us-east-1", end)]))];
  const first = chain.digest("us-east-1", end, logs);
  const second = chain.digest("us-east-1", new Date(end.getTime() + 3_600_000), []);
  const json = (d: { body: Buffer }) => gunzipSync(d.body);
  const edited = (change: (c: Record<string, unknown>) => void) => {
    const content = JSON.parse(json(first).toString("utf8")) as Record<string, unknown>;
    change(content);
    return Buffer.from(JSON.stringify(content));
  };

  it("reads a CloudTrail digest's fields, the first of a chain (previous: null) and the next", () => {
    const c = first.content;
    expect(parseDigest(json(first))).to.deep.equal({
      digestStartTime: c.digestStartTime,
      digestEndTime: c.digestEndTime,
      digestS3Bucket: "lab-trail-logs",
      digestS3Object: first.key,
      digestPublicKeyFingerprint: key.fingerprint,
      digestSignatureAlgorithm: "SHA256withRSA",
      previousDigestS3Bucket: null,
      previousDigestS3Object: null,
      previousDigestSignature: null,
      logFiles: [
        { s3Bucket: "lab-trail-logs", s3Object: logs[0].key, hashValue: sha256Hex(gunzipSync(logs[0].body)), hashAlgorithm: "SHA-256" },
      ],
    });
    expect(parseDigest(json(second))).to.deep.include({
      previousDigestS3Bucket: "lab-trail-logs",
      previousDigestS3Object: first.key,
      previousDigestSignature: first.signature,
      logFiles: [],
    });
  });

  it("fills what an older digest leaves out: the algorithm CloudTrail uses, SHA-256, empty names", () => {
    const parsed = parseDigest(
      edited((c) => {
        delete c.digestSignatureAlgorithm;
        c.logFiles = [{ s3Bucket: "lab-trail-logs", s3Object: "AWSLogs/x.json.gz", hashValue: "ab" }, {}];
      }),
    );
    expect(parsed).to.have.property("digestSignatureAlgorithm", "SHA256withRSA");
    expect(parsed).to.have.deep.property("logFiles", [
      { s3Bucket: "lab-trail-logs", s3Object: "AWSLogs/x.json.gz", hashValue: "ab", hashAlgorithm: "SHA-256" },
      { s3Bucket: "", s3Object: "", hashValue: "", hashAlgorithm: "SHA-256" },
    ]);
    expect(parseDigest(edited((c) => (c.digestSignatureAlgorithm = "SHA1withRSA")))).to.have.property(
      "digestSignatureAlgorithm",
      "SHA1withRSA",
    );
  });

  it("names why a file is not a digest: invalid JSON, no object, each missing field, no logFiles, times that are not times", () => {
    expect(parseDigest(json(first).subarray(0, 40))).to.match(/^invalid JSON: /);
    expect(parseDigest(Buffer.from("null"))).to.equal("not a digest file (no JSON object)");
    expect(parseDigest(Buffer.from('"digest"'))).to.equal("not a digest file (no JSON object)");
    expect(
      parseDigest(
        edited((c) => {
          delete c.digestEndTime;
          c.digestS3Object = 7;
        }),
      ),
    ).to.equal("not a digest file (no digestEndTime, digestS3Object)");
    expect(parseDigest(edited((c) => delete c.digestPublicKeyFingerprint))).to.equal("not a digest file (no digestPublicKeyFingerprint)");
    expect(parseDigest(edited((c) => (c.logFiles = { s3Object: "x" })))).to.equal("not a digest file (no logFiles array)");
    expect(parseDigest(edited((c) => (c.digestStartTime = "yesterday")))).to.equal("not a digest file (digestStartTime not a time)");
    expect(
      parseDigest(
        edited((c) => {
          c.digestStartTime = "";
          c.digestEndTime = "later";
        }),
      ),
    ).to.equal("not a digest file (digestStartTime and digestEndTime not a time)");
  });

  it("holds a signature over the documented string only with the key that made it, and only as hex bytes", () => {
    const content = first.content;
    const signed = stringToSign(content.digestEndTime as string, first.bucket, first.key, sha256Hex(json(first)), null);
    const publicKey = rsaPublicKey(key.publicDer);
    expect(signatureHolds(signed, first.signature, publicKey)).to.equal(true);
    expect(signatureHolds(signed, first.signature.toUpperCase(), publicKey)).to.equal(true);
    expect(signatureHolds(signed, first.signature, rsaPublicKey(stranger.publicDer))).to.equal(false);
    expect(signatureHolds(signed.replace(/null$/, "00"), first.signature, publicKey)).to.equal(false);
    // The next digest signs its predecessor's signature in, not the literal "null".
    const next = stringToSign(second.content.digestEndTime as string, second.bucket, second.key, sha256Hex(json(second)), first.signature);
    expect(next.endsWith(`\n${first.signature}`)).to.equal(true);
    expect(signatureHolds(next, second.signature, publicKey)).to.equal(true);
    // Not hex bytes: Buffer.from(x, "hex") would drop the odd digit or stop at the first non-hex, never say so.
    expect(signatureHolds(signed, "", publicKey)).to.equal(false);
    expect(signatureHolds(signed, `${first.signature}0`, publicKey)).to.equal(false);
    expect(signatureHolds(signed, `${first.signature}zz`, publicKey)).to.equal(false);
    expect(signatureHolds(signed, `zz${first.signature}`, publicKey)).to.equal(false);
  });
});
