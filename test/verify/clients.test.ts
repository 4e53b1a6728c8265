// The client factory: endpoint overrides, addressing, attempts, and every client's requests bounded in time.
import { GetQueryExecutionCommand } from "@aws-sdk/client-athena";
import { GetTrailCommand } from "@aws-sdk/client-cloudtrail";
import { GetObjectCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import { expect } from "chai";
import { UsageError, createAwsClients } from "../../verify";
import { createAthenaClient, resolveRegion } from "../../verify/clients";
import { DUMMY_CREDENTIALS } from "../support/servers/s3-server";
import { startSilentServer, type SilentServer } from "../support/servers/silent-server";

describe("verify: client factory", () => {
  it("honours AWS_ENDPOINT_URL_S3 / _CLOUDTRAIL with path-style S3 and region redirects", async () => {
    const { s3, cloudTrail } = createAwsClients({
      region: "eu-west-1",
      env: { AWS_ENDPOINT_URL_S3: "http://127.0.0.1:9", AWS_ENDPOINT_URL: "http://127.0.0.1:8" },
    });
    expect(await s3.config.region()).to.equal("eu-west-1");
    expect(s3.config.forcePathStyle).to.equal(true);
    expect(s3.config.followRegionRedirects).to.equal(true);
    expect((await s3.config.endpoint!()).port).to.equal(9);
    expect((await cloudTrail.config.endpoint!()).port).to.equal(8);
    expect(await cloudTrail.config.maxAttempts()).to.equal(5);
  });

  it("gives Athena search its own endpoint override, else the shared one", async () => {
    const own = createAthenaClient({
      region: "eu-west-1",
      env: { AWS_ENDPOINT_URL_ATHENA: "http://127.0.0.1:7", AWS_ENDPOINT_URL: "http://127.0.0.1:8" },
    });
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
    expect(error)
      .to.be.instanceOf(UsageError)
      .with.property("message")
      .that.matches(/No AWS region: pass --region/);
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
        s3
          .send(new GetObjectCommand({ Bucket: "audit-logs-main", Key: "AWSLogs/123456789012/CloudTrail/us-east-1/2026/11/25/x.json.gz" }))
          .catch((e: unknown) => e),
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
