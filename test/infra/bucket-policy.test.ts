// The bucket policy's statements as the program renders them, and their meaning as IAM evaluates
// them (the AGPL IAM simulator is a test-only dependency).
import { expect } from "chai";
import { runSimulation } from "@cloud-copilot/iam-simulate";
import { runProgram, ACCOUNT } from "../support/pulumi-program";

const REGION = "eu-west-1";
const TRAIL_ARN = `arn:aws:cloudtrail:${REGION}:${ACCOUNT}:trail/my-logs-trail`;

type Decision = "Allowed" | "ExplicitlyDenied" | "ImplicitlyDenied";

interface Request {
  principal: string;
  action: string;
  resource: string;
  context: Record<string, string>;
}

async function decide(policy: object, req: Request): Promise<Decision> {
  const result = await runSimulation(
    {
      identityPolicies: [],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: policy as never,
      request: {
        principal: req.principal,
        action: req.action,
        resource: { resource: req.resource, accountId: ACCOUNT },
        contextVariables: req.context,
      },
    },
    {},
  );
  if (result.resultType !== "single") throw new Error(`simulation failed: ${JSON.stringify(result)}`);
  return result.overallResult;
}

for (const logPrefix of [undefined, "org/audit"]) {
  describe(`infra: bucket policy${logPrefix ? ` with key prefix ${logPrefix}` : ""}`, function () {
    let policy: any;
    let bucket: string;
    let logKey: string;
    const delivery = (over: Partial<Request> & { context?: Record<string, string> } = {}): Request => ({
      principal: "cloudtrail.amazonaws.com",
      action: "s3:PutObject",
      resource: `arn:aws:s3:::${bucket}/${logKey}`,
      ...over,
      context: {
        "aws:SourceArn": TRAIL_ARN,
        "aws:SecureTransport": "true",
        "s3:x-amz-acl": "bucket-owner-full-control",
        ...over.context,
      },
    });

    before(async function () {
      const run = await runProgram(logPrefix ? { logPrefix } : {}, logPrefix ? "policy-prefixed" : "policy");
      policy = JSON.parse(run.named("audit-logs-policy").inputs.policy);
      bucket = run.outputs.bucketName;
      const root = `${logPrefix ? `${logPrefix}/` : ""}AWSLogs/${ACCOUNT}`;
      logKey = `${root}/CloudTrail/${REGION}/2026/11/25/${ACCOUNT}_CloudTrail_${REGION}_20261125T2215Z_AbCdEfGhIjKlMnOp.json.gz`;
    });

    it("has exactly CloudTrail's two documented statements, scoped to the trail, plus a TLS deny", function () {
      const bucketArn = `arn:aws:s3:::${bucket}`;
      expect(policy.Version).to.equal("2012-10-17");
      expect(policy.Statement).to.have.length(3);
      const [acl, write, tls] = policy.Statement;
      expect(acl).to.deep.equal({
        Sid: "AWSCloudTrailAclCheck20150319",
        Effect: "Allow",
        Principal: { Service: "cloudtrail.amazonaws.com" },
        Action: "s3:GetBucketAcl",
        Resource: bucketArn,
        Condition: { StringEquals: { "aws:SourceArn": TRAIL_ARN } },
      });
      expect(write).to.deep.equal({
        Sid: "AWSCloudTrailWrite20150319",
        Effect: "Allow",
        Principal: { Service: "cloudtrail.amazonaws.com" },
        Action: "s3:PutObject",
        Resource: `${bucketArn}/${logPrefix ? `${logPrefix}/` : ""}AWSLogs/${ACCOUNT}/*`,
        Condition: { StringEquals: { "s3:x-amz-acl": "bucket-owner-full-control", "aws:SourceArn": TRAIL_ARN } },
      });
      expect(tls).to.deep.equal({
        Sid: "DenyInsecureTransport",
        Effect: "Deny",
        Principal: "*",
        Action: "s3:*",
        Resource: [bucketArn, `${bucketArn}/*`],
        Condition: { Bool: { "aws:SecureTransport": "false" } },
      });
    });

    it("allows this trail's delivery of a log and a digest", async function () {
      expect(await decide(policy, delivery())).to.equal("Allowed");
      const digest = logKey.replace("/CloudTrail/", "/CloudTrail-Digest/");
      expect(await decide(policy, delivery({ resource: `arn:aws:s3:::${bucket}/${digest}` }))).to.equal("Allowed");
    });

    it("allows this trail's bucket ACL check", async function () {
      const req = delivery({ action: "s3:GetBucketAcl", resource: `arn:aws:s3:::${bucket}` });
      expect(await decide(policy, req)).to.equal("Allowed");
    });

    it("denies another trail's delivery and its ACL check", async function () {
      const other = `arn:aws:cloudtrail:${REGION}:999999999999:trail/someone-elses-trail`;
      expect(await decide(policy, delivery({ context: { "aws:SourceArn": other } }))).to.not.equal("Allowed");
      const acl = delivery({ action: "s3:GetBucketAcl", resource: `arn:aws:s3:::${bucket}`, context: { "aws:SourceArn": other } });
      expect(await decide(policy, acl)).to.not.equal("Allowed");
    });

    it("denies a delivery without the bucket-owner-full-control ACL", async function () {
      expect(await decide(policy, delivery({ context: { "s3:x-amz-acl": "private" } }))).to.not.equal("Allowed");
    });

    it("explicitly denies this trail's delivery over plain HTTP", async function () {
      expect(await decide(policy, delivery({ context: { "aws:SecureTransport": "false" } }))).to.equal("ExplicitlyDenied");
    });

    it("denies a write outside AWSLogs/<account>/", async function () {
      const outside = [`arn:aws:s3:::${bucket}/elsewhere/x.json.gz`, `arn:aws:s3:::${bucket}/AWSLogs/999999999999/CloudTrail/x.json.gz`];
      if (logPrefix) outside.push(`arn:aws:s3:::${bucket}/AWSLogs/${ACCOUNT}/CloudTrail/x.json.gz`);
      for (const resource of outside) {
        expect(await decide(policy, delivery({ resource })), resource).to.not.equal("Allowed");
      }
    });

    it("explicitly denies anyone, even the account itself, reading logs without TLS", async function () {
      const req: Request = {
        principal: `arn:aws:iam::${ACCOUNT}:role/auditor`,
        action: "s3:GetObject",
        resource: `arn:aws:s3:::${bucket}/${logKey}`,
        context: { "aws:SecureTransport": "false" },
      };
      expect(await decide(policy, req)).to.equal("ExplicitlyDenied");
    });

    it("grants nobody else anything", async function () {
      const req: Request = {
        principal: "arn:aws:iam::999999999999:root",
        action: "s3:GetObject",
        resource: `arn:aws:s3:::${bucket}/${logKey}`,
        context: { "aws:SecureTransport": "true" },
      };
      expect(await decide(policy, req)).to.equal("ImplicitlyDenied");
    });
  });
}

describe("infra: access-log bucket policy", function () {
  let policy: any;
  let target: string;
  let source: string;
  const put = (sourceArn: string, secure = "true"): Request => ({
    principal: "logging.s3.amazonaws.com",
    action: "s3:PutObject",
    resource: `arn:aws:s3:::${target}/audit-bucket/2026-11-25-22-15-00-0123456789ABCDEF`,
    context: { "aws:SourceArn": sourceArn, "aws:SourceAccount": ACCOUNT, "aws:SecureTransport": secure },
  });

  before(async function () {
    const run = await runProgram({}, "access-log-policy");
    policy = JSON.parse(run.named("audit-logs-access-logs-policy").inputs.policy);
    target = run.outputs.accessLogBucketName;
    source = run.outputs.bucketName;
  });

  it("allows S3 log delivery for the audit bucket", async function () {
    expect(await decide(policy, put(`arn:aws:s3:::${source}`))).to.equal("Allowed");
  });

  it("denies log delivery for any other bucket, and any delivery without TLS", async function () {
    expect(await decide(policy, put("arn:aws:s3:::someone-elses-bucket"))).to.not.equal("Allowed");
    expect(await decide(policy, put(`arn:aws:s3:::${source}`, "false"))).to.equal("ExplicitlyDenied");
  });
});
