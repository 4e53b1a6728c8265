// S3.5 by meaning: which bucket policies refuse every request sent without TLS. The lab's own
// policy (infra/bucket-policy.ts) is the first case; each other case changes one thing about it.
import { expect } from "chai";
import { auditBucketPolicy } from "../../../infra/bucket-policy";
import { tlsOnlyVerdict } from "../../../verify/posture/controls/tls-policy";

const BUCKET = "audit-logs-bucket-1";
const ARN = `arn:aws:s3:::${BUCKET}`;
const TLS_DENY = {
  Sid: "DenyInsecureTransport",
  Effect: "Deny",
  Principal: "*",
  Action: "s3:*",
  Resource: [ARN, `${ARN}/*`],
  Condition: { Bool: { "aws:SecureTransport": "false" } },
};
const labPolicy = () =>
  auditBucketPolicy({
    partition: "aws",
    bucketName: BUCKET,
    accountId: "123456789012",
    trailArn: "arn:aws:cloudtrail:us-east-1:123456789012:trail/t",
  });
const withDeny = (change: Record<string, unknown>, remove: string[] = []) => {
  const statement: Record<string, unknown> = { ...TLS_DENY, ...change };
  for (const key of remove) delete statement[key];
  return JSON.stringify({ Version: "2012-10-17", Statement: [statement] });
};
const enforced = (policy: string | null) => tlsOnlyVerdict(policy, ARN).enforced;

describe("verify: posture reads a bucket policy's TLS deny by its meaning", () => {
  it("credits the lab's own policy, naming the statement that enforces it", () => {
    const verdict = tlsOnlyVerdict(JSON.stringify(labPolicy()), ARN);
    expect(verdict).to.deep.equal({ enforced: true, statement: TLS_DENY });
  });

  it("credits equivalent spellings: a lone statement, BoolIfExists, boolean false, Principal AWS *, Action *, a wildcard resource", () => {
    expect(enforced(JSON.stringify({ Version: "2012-10-17", Statement: TLS_DENY }))).to.equal(true);
    expect(enforced(withDeny({ Condition: { BoolIfExists: { "aws:SecureTransport": "false" } } }))).to.equal(true);
    expect(enforced(withDeny({ Condition: { Bool: { "aws:securetransport": false } } }))).to.equal(true);
    expect(enforced(withDeny({ Condition: { Bool: { "aws:SecureTransport": ["false"] } } }))).to.equal(true);
    expect(enforced(withDeny({ Principal: { AWS: "*" } }))).to.equal(true);
    expect(enforced(withDeny({ Action: ["s3:GetObject", "*"] }))).to.equal(true);
    expect(enforced(withDeny({ Resource: `${ARN}*` }))).to.equal(true);
    expect(enforced(withDeny({ Resource: "*" }))).to.equal(true);
  });

  it("does not credit a statement that looks alike but means less", () => {
    expect(enforced(withDeny({ Effect: "Allow" })), "Allow").to.equal(false);
    expect(enforced(withDeny({ Condition: { Bool: { "aws:SecureTransport": "true" } } })), "denies TLS instead").to.equal(false);
    expect(enforced(withDeny({}, ["Condition"])), "no condition: denies everything, not a TLS rule").to.equal(false);
    expect(enforced(withDeny({ Resource: `${ARN}/*` })), "objects only").to.equal(false);
    expect(enforced(withDeny({ Resource: ARN })), "bucket only").to.equal(false);
    expect(enforced(withDeny({ Resource: [`arn:aws:s3:::other`, `arn:aws:s3:::other/*`] })), "another bucket").to.equal(false);
    expect(enforced(withDeny({ Action: ["s3:GetObject", "s3:PutObject"] })), "some actions").to.equal(false);
    expect(enforced(withDeny({ Principal: { AWS: "arn:aws:iam::123456789012:root" } })), "one principal").to.equal(false);
    expect(enforced(withDeny({ NotPrincipal: { AWS: "arn:aws:iam::123456789012:root" } }, ["Principal"])), "NotPrincipal").to.equal(false);
    expect(
      enforced(
        withDeny({ Condition: { Bool: { "aws:SecureTransport": "false" }, StringEquals: { "aws:PrincipalAccount": "123456789012" } } }),
      ),
      "narrowed by another condition",
    ).to.equal(false);
    expect(enforced(withDeny({ Condition: { StringEquals: { "aws:SecureTransport": "false" } } })), "not a Bool operator").to.equal(false);
  });

  it("does not credit text: a Sid or an Allow that mentions aws:SecureTransport is not a deny", () => {
    const policy = {
      Version: "2012-10-17",
      Statement: [{ ...TLS_DENY, Sid: "Deny aws:SecureTransport false s3:*", Effect: "Allow" }],
    };
    expect(JSON.stringify(policy)).to.include('"aws:SecureTransport":"false"');
    expect(enforced(JSON.stringify(policy))).to.equal(false);
  });

  it("says why when nothing enforces it: no policy, or a policy that is not JSON", () => {
    expect(tlsOnlyVerdict(null, ARN)).to.deep.equal({ enforced: false, reason: "the bucket has no policy" });
    expect(tlsOnlyVerdict("{not json", ARN)).to.deep.equal({ enforced: false, reason: "the bucket policy is not valid JSON" });
  });
});
