// The parts callers reach directly: the client factory, copyLogObject, the selector check, and the evidence object.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createHash } from "node:crypto";
import { GetQueryExecutionCommand } from "@aws-sdk/client-athena";
import { CloudTrailClient, GetTrailCommand } from "@aws-sdk/client-cloudtrail";
import { GetObjectCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import { expect } from "chai";
import { AwsCallError, UsageError, copyLogObject, createAwsClients } from "../../verify";
import { createAthenaClient, resolveRegion } from "../../verify/clients";
import { eventTraits, selectorGap } from "../../verify/trail/event-selectors";
import { describeTrail } from "../../verify/trail/trail-status";
import { buildEvidence } from "../../verify/event/evidence";
import { FixtureFactory, logFile } from "../support/cloudtrail-fixtures";
import { DUMMY_CREDENTIALS, startS3Server, type LocalS3 } from "../support/s3-server";
import { startSilentServer, type SilentServer } from "../support/silent-server";

describe("verify: client factory", () => {
  it("honours AWS_ENDPOINT_URL_S3 / _CLOUDTRAIL with path-style S3 and region redirects", async () => {
    const { s3, cloudTrail } = createAwsClients({ region: "eu-west-1", env: { AWS_ENDPOINT_URL_S3: "http://127.0.0.1:9", AWS_ENDPOINT_URL: "http://127.0.0.1:8" } });
    expect(await s3.config.region()).to.equal("eu-west-1");
    expect(s3.config.forcePathStyle).to.equal(true);
    expect(s3.config.followRegionRedirects).to.equal(true);
    expect((await s3.config.endpoint!()).port).to.equal(9);
    expect((await cloudTrail.config.endpoint!()).port).to.equal(8);
    expect(await cloudTrail.config.maxAttempts()).to.equal(5);
  });

  it("gives the Athena engine its own endpoint override, else the shared one", async () => {
    const own = createAthenaClient({ region: "eu-west-1", env: { AWS_ENDPOINT_URL_ATHENA: "http://127.0.0.1:7", AWS_ENDPOINT_URL: "http://127.0.0.1:8" } });
    expect((await own.config.endpoint!()).port).to.equal(7);
    const shared = createAthenaClient({ region: "eu-west-1", env: { AWS_ENDPOINT_URL: "http://127.0.0.1:8" } });
    expect((await shared.config.endpoint!()).port).to.equal(8);
    expect(await shared.config.region()).to.equal("eu-west-1");
  });

  it("leaves endpoints and addressing to the SDK when nothing is overridden", async () => {
    const { s3 } = createAwsClients({ region: "us-east-1", env: {} });
    expect(s3.config.forcePathStyle).to.not.equal(true);
    const nowhere = { AWS_CONFIG_FILE: "/dev/null", AWS_SHARED_CREDENTIALS_FILE: "/dev/null" };
    const error = await resolveRegion(undefined, undefined, nowhere).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(UsageError).with.property("message").that.matches(/No AWS region: pass --region/);
  });
});

function restore(name: string, value: string | undefined): void {
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
}

describe("verify: every client's requests are bounded in time", function () {
  this.timeout(15_000);
  let silent: SilentServer;
  before(async () => (silent = await startSilentServer()));
  after(() => silent.close());

  it("a request the endpoint accepts and never answers fails with TimeoutError: S3 (GET and LIST), CloudTrail, Athena", async () => {
    const settings = { region: "us-east-1", maxAttempts: 1, timeouts: { idleMs: 250 }, env: { AWS_ENDPOINT_URL: silent.endpoint } };
    const { s3, cloudTrail } = createAwsClients(settings);
    const athena = createAthenaClient(settings);
    // The default credential chain, from the environment as a user sets it.
    const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };
    process.env.AWS_ACCESS_KEY_ID = DUMMY_CREDENTIALS.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = DUMMY_CREDENTIALS.secretAccessKey;
    try {
      const failures = await Promise.all([
        s3.send(new GetObjectCommand({ Bucket: "audit-logs-main", Key: "AWSLogs/123456789012/CloudTrail/us-east-1/2026/11/25/x.json.gz" })).catch((e: unknown) => e),
        s3.send(new ListObjectsV2Command({ Bucket: "audit-logs-main", Prefix: "AWSLogs/", Delimiter: "/" })).catch((e: unknown) => e),
        cloudTrail.send(new GetTrailCommand({ Name: "my-logs-trail" })).catch((e: unknown) => e),
        athena.send(new GetQueryExecutionCommand({ QueryExecutionId: "9f3c1a2e-0000-4000-8000-000000000000" })).catch((e: unknown) => e),
      ]);
      expect(failures.map((e) => (e as Error).name)).to.deep.equal(["TimeoutError", "TimeoutError", "TimeoutError", "TimeoutError"]);
      expect((failures[0] as Error).message).to.match(/socket timed out after 250 ms of inactivity/);
      expect(silent.connections()).to.be.at.least(4);
    } finally {
      restore("AWS_ACCESS_KEY_ID", saved.id);
      restore("AWS_SECRET_ACCESS_KEY", saved.secret);
      s3.destroy();
      cloudTrail.destroy();
      athena.destroy();
    }
  });
});

describe("verify: describeTrail", () => {
  it("takes the home region from the trail's ARN when the answer leaves HomeRegion out (as moto's GetTrail does)", async () => {
    const client = new CloudTrailClient({ region: "eu-west-1", credentials: DUMMY_CREDENTIALS });
    client.send = (() =>
      Promise.resolve({ Trail: { Name: "my-logs-trail", TrailARN: "arn:aws:cloudtrail:us-east-2:123456789012:trail/my-logs-trail", S3BucketName: "b", IsMultiRegionTrail: true } })) as never;
    const trail = await describeTrail(client, "my-logs-trail", "eu-west-1");
    expect(trail.homeRegion).to.equal("us-east-2");
  });
});

describe("verify: copyLogObject", () => {
  let s3: LocalS3;
  let dir: string;
  before(async () => {
    s3 = await startS3Server();
    dir = mkdtempSync(join(tmpdir(), "trail-lab-copy-"));
  });
  after(async () => {
    await s3.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("saves the raw .json.gz byte for byte, with its size and the SHA-256 of the file as written, and names a missing object", async () => {
    const f = new FixtureFactory();
    const key = f.logKey("us-east-1", new Date());
    const body = logFile(f.noiseRecords("us-east-1", new Date(), 200));
    await s3.createBucket("evidence-src");
    await s3.put("evidence-src", [{ key, body }]);
    const file = join(dir, "matched.json.gz");
    const { bytes, sha256 } = await copyLogObject({ bucket: "evidence-src", key, file, client: s3.client });
    expect(bytes).to.equal(body.length);
    expect(readFileSync(file).equals(body)).to.equal(true);
    expect(sha256).to.equal(createHash("sha256").update(readFileSync(file)).digest("hex"));

    const err = await copyLogObject({ bucket: "evidence-src", key: `${key}.missing`, file: join(dir, "x"), client: s3.client }).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(AwsCallError);
    expect((err as AwsCallError).awsCode).to.equal("NoSuchKey");
  });
});

describe("verify: event selectors", () => {
  const run = eventTraits("RunInstances");
  it("knows RunInstances is a management write event from EC2", () => {
    expect(run).to.deep.equal({ eventName: "RunInstances", readOnly: false, eventSource: "ec2.amazonaws.com" });
    expect(eventTraits("DescribeInstances").readOnly).to.equal(true);
  });

  it("reads basic selectors: read/write type, management events, excluded sources", () => {
    expect(selectorGap({ EventSelectors: [{ ReadWriteType: "All", IncludeManagementEvents: true }] }, run)).to.equal(null);
    expect(selectorGap({ EventSelectors: [{ ReadWriteType: "WriteOnly" }] }, run)).to.equal(null);
    expect(selectorGap({ EventSelectors: [{ ReadWriteType: "ReadOnly", IncludeManagementEvents: true }] }, run)).to.match(/exclude RunInstances/);
    expect(selectorGap({ EventSelectors: [{ ReadWriteType: "All", IncludeManagementEvents: false }] }, run)).to.match(/exclude/);
    expect(selectorGap({ EventSelectors: [{ ReadWriteType: "All", ExcludeManagementEventSources: ["ec2.amazonaws.com"] }] }, run)).to.match(/exclude/);
    expect(selectorGap({ EventSelectors: [] }, run)).to.match(/exclude/);
  });

  it("reads advanced selectors field by field", () => {
    const management = { Field: "eventCategory", Equals: ["Management"] };
    expect(selectorGap({ AdvancedEventSelectors: [{ Name: "all management", FieldSelectors: [management] }] }, run)).to.equal(null);
    expect(selectorGap({ AdvancedEventSelectors: [{ Name: "reads", FieldSelectors: [management, { Field: "readOnly", Equals: ["true"] }] }] }, run)).to.match(/no advanced event selector admits RunInstances/);
    expect(selectorGap({ AdvancedEventSelectors: [{ Name: "no ec2", FieldSelectors: [management, { Field: "eventSource", NotEquals: ["ec2.amazonaws.com"] }] }] }, run)).to.match(/admits/);
    expect(selectorGap({ AdvancedEventSelectors: [{ Name: "data", FieldSelectors: [{ Field: "eventCategory", Equals: ["Data"] }, { Field: "resources.type", Equals: ["AWS::S3::Object"] }] }, { Name: "writes", FieldSelectors: [management, { Field: "readOnly", Equals: ["false"] }] }] }, run)).to.equal(null);
  });
});

describe("verify: the evidence object", () => {
  it("lists skipped objects in key order, whatever order their downloads finished in, so two runs print the same evidence", () => {
    const skipped = [
      { key: "AWSLogs/123456789012/CloudTrail/us-east-1/2026/12/01/123456789012_CloudTrail_us-east-1_20261201T1943Z_b.json.gz", reason: "no Records array" },
      { key: "AWSLogs/123456789012/CloudTrail/eu-west-1/2026/12/01/123456789012_CloudTrail_eu-west-1_20261201T1950Z_c.json.gz", reason: "invalid JSON: Unexpected end of JSON input" },
      { key: "AWSLogs/123456789012/CloudTrail/us-east-1/2026/12/01/123456789012_CloudTrail_us-east-1_20261201T1941Z_a.json.gz", reason: "corrupt gzip: incorrect header check" },
    ];
    const evidence = buildEvidence({
      trail: { name: "my-logs-trail", arn: null, bucket: "b", prefix: null },
      status: null,
      bucket: "b",
      s3: { objectsScanned: 3, bytesScanned: 0, bytesDownloaded: 0, skipped, matches: new Map() },
      history: null,
    });
    expect(evidence.s3.skipped.map((s) => s.key)).to.deep.equal([skipped[1].key, skipped[2].key, skipped[0].key]);
    expect(skipped[0].reason, "the scanner's own list is left as it is").to.equal("no Records array");
  });
});
