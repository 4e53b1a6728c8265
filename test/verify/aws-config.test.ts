// `verify` acts in the region and as the identity the AWS CLI would: --region, then AWS_REGION,
// then AWS_DEFAULT_REGION, then the profile's region; --profile (or AWS_PROFILE) for both the
// credentials and that region; the files under HOME or where AWS_CONFIG_FILE and
// AWS_SHARED_CREDENTIALS_FILE say. Run as a user runs it, a child process, against a local
// CloudTrail that answers each access key with its own account and sees the region each request
// was signed for: each case asserts the region and the account.
import { expect } from "chai";
import { startAwsServer, type AwsServer, type Signer } from "../support/servers/aws-query-json-server";
import { KEYS, NO_AWS_VARIABLES, accountOf, makeAwsHome, type AwsHome } from "../support/aws-home";
import { runVerifyCli } from "../support/processes/verify-cli";

const TRAIL = "my-logs-trail";

/** GetTrail answers in whatever region and account asked; the trail is not logging, so verify stops there with its evidence (exit 1). */
function trailPerCaller(_params: Record<string, string>, signer?: Signer) {
  const region = signer?.region ?? "us-east-1";
  const trail = {
    Name: TRAIL,
    TrailARN: `arn:aws:cloudtrail:${region}:${accountOf(signer)}:trail/${TRAIL}`,
    S3BucketName: "audit-logs-bucket-7f3a9c1",
    HomeRegion: region,
    IsMultiRegionTrail: true,
    LogFileValidationEnabled: true,
  };
  return { json: true, body: JSON.stringify({ Trail: trail }) };
}

describe("verify: region and credentials as the AWS CLI picks them", function () {
  let server: AwsServer;
  let home: AwsHome;

  before(async () => {
    server = await startAwsServer({
      GetTrail: trailPerCaller,
      GetTrailStatus: () => ({ json: true, body: JSON.stringify({ IsLogging: false }) }),
    });
  });
  after(() => server.close());
  afterEach(() => home?.close());

  async function verifyAs(where: "home" | "variables", args: string[], env: NodeJS.ProcessEnv = {}) {
    home = makeAwsHome(where);
    server.requests.length = 0;
    const run = await runVerifyCli(
      ["--trail", TRAIL, "--timeout", "0", "--no-event-history", "--json", ...args],
      { cloudTrail: server.endpoint, s3: server.endpoint },
      false,
      {
        env: { ...NO_AWS_VARIABLES, ...home.env, ...env },
      },
    );
    const signers = server.requests.map((r) => r.signer);
    return { ...run, signers };
  }

  /** The run reached AWS in `region` as `key`'s account, said so on stderr, and kept both in its evidence. */
  function expectActedAs(run: Awaited<ReturnType<typeof verifyAs>>, region: string, source: string, key: (typeof KEYS)[keyof typeof KEYS]) {
    expect(run.code, run.stderr).to.equal(1);
    expect(run.stderr.split("\n")[0]).to.match(new RegExp(`^region ${region} \\(from ${source}\\)`));
    expect(run.signers.length).to.be.greaterThan(0);
    for (const signer of run.signers) expect(signer).to.deep.equal({ accessKeyId: key.accessKeyId, region, service: "cloudtrail" });
    expect(JSON.parse(run.stdout).trail.arn).to.equal(`arn:aws:cloudtrail:${region}:${key.account}:trail/${TRAIL}`);
  }

  it("takes the default profile's region and keys from ~/.aws when nothing else names them", async () => {
    expectActedAs(await verifyAs("home", []), "eu-west-1", "profile default", KEYS.default);
  });

  it("--profile chooses the profile's keys and its region", async () => {
    const run = await verifyAs("home", ["--profile", "lab"]);
    expectActedAs(run, "ap-southeast-2", "profile lab", KEYS.lab);
    expect(run.stderr.split("\n")[0]).to.equal("region ap-southeast-2 (from profile lab), profile lab (from --profile)");
  });

  it("AWS_PROFILE does what --profile does, and --profile wins over it", async () => {
    expectActedAs(await verifyAs("home", [], { AWS_PROFILE: "lab" }), "ap-southeast-2", "profile lab", KEYS.lab);
    expectActedAs(await verifyAs("home", ["--profile", "default"], { AWS_PROFILE: "lab" }), "eu-west-1", "profile default", KEYS.default);
  });

  it("AWS_REGION beats AWS_DEFAULT_REGION, which beats the profile's region; --region beats them all", async () => {
    expectActedAs(
      await verifyAs("home", ["--profile", "lab"], { AWS_REGION: "us-west-2", AWS_DEFAULT_REGION: "ca-central-1" }),
      "us-west-2",
      "AWS_REGION",
      KEYS.lab,
    );
    expectActedAs(
      await verifyAs("home", ["--profile", "lab"], { AWS_DEFAULT_REGION: "ca-central-1" }),
      "ca-central-1",
      "AWS_DEFAULT_REGION",
      KEYS.lab,
    );
    expectActedAs(
      await verifyAs("home", ["--profile", "lab", "--region", "sa-east-1"], { AWS_REGION: "us-west-2" }),
      "sa-east-1",
      "--region",
      KEYS.lab,
    );
  });

  it("reads the files where AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE put them", async () => {
    expectActedAs(await verifyAs("variables", ["--profile", "lab"]), "ap-southeast-2", "profile lab", KEYS.lab);
  });

  it("keys from the environment, region from the default profile", async () => {
    const run = await verifyAs("home", [], { AWS_ACCESS_KEY_ID: KEYS.ci.accessKeyId, AWS_SECRET_ACCESS_KEY: KEYS.ci.secretAccessKey });
    expectActedAs(run, "eu-west-1", "profile default", KEYS.ci);
  });

  it("exits 2, naming the fix, for a profile that does not exist or has no region, before any call", async () => {
    const missing = await verifyAs("home", ["--profile", "nope"]);
    expect(missing.code).to.equal(2);
    expect(missing.stdout).to.equal("");
    expect(missing.stderr).to.contain("The AWS profile 'nope' (from --profile) is in neither").and.contain("aws configure --profile nope");
    const unnamed = await verifyAs("home", [], { AWS_PROFILE: "nope" });
    expect(unnamed.stderr).to.contain("The AWS profile 'nope' (from AWS_PROFILE)");
    const noRegion = await verifyAs("home", ["--profile", "noregion"]);
    expect(noRegion.code).to.equal(2);
    expect(noRegion.stderr).to.contain(
      "No AWS region: pass --region, set AWS_REGION (or AWS_DEFAULT_REGION), or give the AWS profile a region",
    );
    expect(server.requests).to.deep.equal([]);
  });
});
