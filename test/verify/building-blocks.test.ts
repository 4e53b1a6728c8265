// The parts callers reach directly: the client factory, copyLogObject, and the selector check.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createHash } from "node:crypto";
import { expect } from "chai";
import { AwsCallError, copyLogObject, createAwsClients } from "../../verify";
import { createAthenaClient } from "../../verify/clients";
import { eventTraits, selectorGap } from "../../verify/event-selectors";
import { FixtureFactory, logFile } from "../support/cloudtrail-fixtures";
import { startS3Server, type LocalS3 } from "../support/s3-server";

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

  it("leaves endpoints and addressing to the SDK when nothing is overridden", () => {
    const { s3 } = createAwsClients({ region: "us-east-1", env: {} });
    expect(s3.config.forcePathStyle).to.not.equal(true);
    expect(() => createAwsClients({ env: {} })).to.throw(/No region/);
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
