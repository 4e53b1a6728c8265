// `npm run verify -- --posture` as a user meets it: the lab's default stack on the local servers,
// one JSON object on stdout with --json, a table without, and the exit codes of the one table.
import { expect } from "chai";
import { startCloudTrailServer, type LocalCloudTrail } from "../support/cloudtrail-server";
import { deployWorld, type DeployedWorld } from "../support/deployed-world";
import { startS3Server, type LocalS3 } from "../support/s3-server";
import { runVerifyCli } from "../support/verify-cli";

describe("verify: the --posture command", function () {
  this.timeout(60_000);
  let s3: LocalS3;
  let ct: LocalCloudTrail;
  let world: DeployedWorld;

  before(async () => {
    s3 = await startS3Server();
    ct = await startCloudTrailServer();
    world = await deployWorld(s3, ct);
  });
  after(async () => {
    await s3.close();
    await ct.close();
  });
  afterEach(() => {
    delete s3.bucketConfig(world.bucket).denied;
  });

  const cli = (args: string[], viaNpm = false) => runVerifyCli(args, { s3: s3.endpoint, cloudTrail: ct.endpoint }, viaNpm);

  it("prints exactly { controls, facts, checkedAt } through npm run -s verify -- --posture --json, and exits 1 for the two unpaid controls", async () => {
    const { code, stdout, stderr } = await cli(["--trail", world.trail.name, "--posture", "--json"], true);
    expect(code, stderr).to.equal(1);
    const report = JSON.parse(stdout);
    expect(Object.keys(report)).to.deep.equal(["controls", "facts", "checkedAt"]);
    expect(report.controls.filter((c: { status: string }) => c.status === "fail").map((c: { id: string }) => c.id)).to.deep.equal(["CloudTrail.2", "CloudTrail.5"]);
    expect(report.controls.find((c: { id: string }) => c.id === "S3.5").title).to.equal("S3 general purpose buckets should require requests to use SSL");
  });

  it("prints a table without --json: a line per control, evidence and fix under each that does not pass", async () => {
    const { code, stdout } = await cli(["--trail", world.trail.name, "--posture"]);
    expect(code).to.equal(1);
    const lines = stdout.trimEnd().split("\n");
    expect(lines).to.include("PASS  CloudTrail.4  CloudTrail log file validation should be enabled");
    expect(lines).to.include("FAIL  CloudTrail.2  CloudTrail should have encryption at-rest enabled");
    expect(lines[lines.indexOf("FAIL  CloudTrail.2  CloudTrail should have encryption at-rest enabled") + 1]).to.match(/^ {6}seen: trail=arn:aws:cloudtrail:us-east-1:123456789012:trail\/my-logs-trail, KmsKeyId=null$/);
    expect(lines.at(-1)).to.equal("11 pass, 2 fail, 1 n/a");
  });

  it("exits 3 when AWS refuses a read, saying which permission is missing; 2 without --trail", async () => {
    s3.bucketConfig(world.bucket).denied = ["GetBucketLogging"];
    const refused = await cli(["--trail", world.trail.name, "--posture", "--json"]);
    expect(refused.code).to.equal(3);
    expect(refused.stdout).to.equal("");
    expect(refused.stderr).to.include("Grant the caller s3:GetBucketLogging");
    const usage = await cli(["--posture"]);
    expect(usage.code).to.equal(2);
    expect(usage.stderr).to.include("--posture");
  });

  it("exits 0 once the paid controls pass", async () => {
    world.trail.kmsKeyId = "arn:aws:kms:us-east-1:123456789012:key/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0";
    world.trail.cloudWatchLogs = { groupArn: "arn:aws:logs:us-east-1:123456789012:log-group:/aws/cloudtrail/my-logs-trail:*", roleArn: "arn:aws:iam::123456789012:role/trail-events" };
    try {
      const { code, stdout } = await cli(["--trail", world.trail.name, "--posture"]);
      expect(code).to.equal(0);
      expect(stdout.trimEnd().split("\n").at(-1)).to.equal("13 pass, 0 fail, 1 n/a");
    } finally {
      world.trail.kmsKeyId = undefined;
      world.trail.cloudWatchLogs = undefined;
    }
  });
});
