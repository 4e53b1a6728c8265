// `npm run verify -- --posture` as a user meets it: the lab's default stack on the local servers,
// one JSON object on stdout with --json, a table without, and the exit codes of the one table.
import { execFile } from "node:child_process";
import { resolve } from "node:path";
import { PassThrough } from "node:stream";
import { expect } from "chai";
import { runCli } from "../../verify/cli";
import { startCloudTrailServer, type LocalCloudTrail } from "../support/cloudtrail-server";
import { deployWorld, type DeployedWorld } from "../support/deployed-world";
import { DUMMY_CREDENTIALS, startS3Server, type LocalS3 } from "../support/s3-server";

describe("verify: the --posture command", function () {
  this.timeout(60_000);
  let s3: LocalS3;
  let ct: LocalCloudTrail;
  let world: DeployedWorld;
  let env: NodeJS.ProcessEnv;
  const saved = { ...process.env };

  before(async () => {
    s3 = await startS3Server();
    ct = await startCloudTrailServer();
    world = await deployWorld(s3, ct);
    env = {
      AWS_REGION: "us-east-1",
      AWS_ACCESS_KEY_ID: DUMMY_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: DUMMY_CREDENTIALS.secretAccessKey,
      AWS_ENDPOINT_URL_S3: s3.endpoint,
      AWS_ENDPOINT_URL_CLOUDTRAIL: ct.endpoint,
      AWS_EC2_METADATA_DISABLED: "true",
      AWS_CONFIG_FILE: "/dev/null",
      AWS_SHARED_CREDENTIALS_FILE: "/dev/null",
    };
  });
  after(async () => {
    await s3.close();
    await ct.close();
  });
  afterEach(() => {
    process.env = { ...saved };
    delete s3.bucketConfig(world.bucket).denied;
  });

  /** runCli in this process, with the environment a user would set. */
  async function cli(args: string[]) {
    process.env = { PATH: saved.PATH, ...env };
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    const chunks = { out: "", err: "" };
    stdout.on("data", (d: Buffer) => (chunks.out += d.toString()));
    stderr.on("data", (d: Buffer) => (chunks.err += d.toString()));
    const code = await runCli(args, { stdout, stderr });
    return { code, stdout: chunks.out, stderr: chunks.err };
  }

  it("prints exactly { controls: [...] } through npm run -s verify -- --posture --json, and exits 1 for the two unpaid controls", async () => {
    const root = resolve(__dirname, "../..");
    const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((done) => {
      const child = execFile("npm", ["run", "-s", "verify", "--", "--trail", world.trail.name, "--posture", "--json"], { cwd: root, env: { PATH: saved.PATH, HOME: saved.HOME, ...env } }, (err, out, errOut) =>
        done({ code: err ? ((err as { code?: number }).code ?? null) : 0, stdout: out, stderr: errOut }),
      );
      child.stdin?.end();
    });
    expect(code, stderr).to.equal(1);
    const report = JSON.parse(stdout);
    expect(Object.keys(report)).to.deep.equal(["controls"]);
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
