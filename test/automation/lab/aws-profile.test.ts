// The lab's region and identity, as an AWS user expects them: --region, then AWS_REGION or
// AWS_DEFAULT_REGION, then the profile's region, and only then Pulumi.dev.yaml's aws:region (the
// template's default, which used to win over all of them); --profile for the lab's own clients
// AND for Pulumi (the engine's AWS_PROFILE, the stack's aws:profile), so both act as one identity.
// The real wiring (realDeps) on the stand-in pulumi, against a local STS/EC2/CloudTrail that
// answers each access key with its own account; only verify/ is replaced. Each case asserts the
// region, where it came from, and the account.
import { expect } from "chai";
import { EventEmitter } from "node:events";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { main, realDeps, type CliIo } from "../../../automation/cli";
import type { LabDeps } from "../../../automation/lab";
import { ExitCode } from "../../../common/exit-codes";
import { startAwsServer, vpcs, type AwsServer } from "../../support/servers/aws-query-json-server";
import { CONFIG, KEYS, identityPerKey, makeAwsHome, type AwsHome } from "../../support/aws-home";
import { installFakePulumi, type FakePulumi } from "../../support/doubles/fake-pulumi";
import { evidence } from "../../support/doubles/lab-fakes";

const VARIABLES = [
  "HOME",
  "AWS_ENDPOINT_URL",
  "AWS_REGION",
  "AWS_DEFAULT_REGION",
  "AWS_PROFILE",
  "AWS_ACCESS_KEY_ID",
  "AWS_SECRET_ACCESS_KEY",
  "AWS_SESSION_TOKEN",
  "AWS_CONFIG_FILE",
  "AWS_SHARED_CREDENTIALS_FILE",
  "PULUMI_BACKEND_URL",
  "PULUMI_CONFIG_PASSPHRASE",
  "PULUMI_ACCESS_TOKEN",
];

describe("automation/cli: the lab's AWS profile and region", function () {
  let server: AwsServer;
  let fake: FakePulumi;
  let projectDir: string;
  let home: AwsHome;
  let saved: Record<string, string | undefined>;

  beforeEach(async function () {
    server = await startAwsServer({
      GetCallerIdentity: identityPerKey,
      DescribeVpcs: () => vpcs([{ id: "vpc-0d3f1e2a4b5c6d7e8", isDefault: true }]),
      DescribeTrails: () => ({ json: true, body: JSON.stringify({ trailList: [] }) }),
      GetTrailStatus: () => ({ json: true, body: JSON.stringify({ IsLogging: true }) }),
      DescribeInstances: () => ({
        body: `<DescribeInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>4c0f1e2d</requestId><reservationSet/></DescribeInstancesResponse>`,
      }),
    });
    fake = installFakePulumi();
    projectDir = fs.mkdtempSync(path.join(os.tmpdir(), "trail-lab-profile-"));
    fs.writeFileSync(path.join(projectDir, "Pulumi.yaml"), "name: trail-lab\nruntime: nodejs\nmain: infra/\n");
    // The shipped template, aws:region us-east-1 included.
    fs.copyFileSync(path.resolve(__dirname, "../../../Pulumi.dev.yaml"), path.join(projectDir, "Pulumi.dev.yaml"));
    saved = Object.fromEntries(VARIABLES.map((k) => [k, process.env[k]]));
  });
  afterEach(async function () {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    fake.restore();
    await server.close();
    home?.close();
    fs.rmSync(projectDir, { recursive: true, force: true });
  });

  /** The user's shell: their AWS files under HOME, the local endpoint, and `extra`; the SDK reads the process's copy. */
  function shell(files: { config?: string } = {}, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
    home = makeAwsHome("home", files);
    for (const k of VARIABLES) delete process.env[k];
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: home.dir,
      AWS_ENDPOINT_URL: server.endpoint,
      AWS_EC2_METADATA_DISABLED: "true",
      ...extra,
    };
    Object.assign(process.env, env);
    return env;
  }

  async function lab(argv: string[], env: NodeJS.ProcessEnv) {
    const out: string[] = [];
    const err: string[] = [];
    const io: CliIo = { stdout: (t) => out.push(t), stderr: (t) => err.push(t), env, signals: new EventEmitter(), projectDir };
    const made: { profile?: string }[] = [];
    const code = await main(argv, io, (options): LabDeps => {
      made.push(options);
      const deps = realDeps(io, options);
      const real = deps.services;
      deps.services = (region) => {
        const services = real(region);
        return {
          ...services,
          // The local server answers none of the sweep's calls: they are sent (and their signer
          // checked), and the sweep reports nothing left, as on an account the destroy emptied.
          sweeper: { sweep: async (stack, hints) => (await services.sweeper.sweep(stack, hints), { removed: [], remaining: [] }) },
          verifier: {
            verify: () => Promise.resolve(evidence(true)),
            copyLogObject: (request) => (
              fs.writeFileSync(request.file, "raw"),
              Promise.resolve({ bytes: 3, sha256: "a59b4f8dbcb6e3a8e77f5cbbf3bf2c1a4e2d7d9b6c45ae1a1cb03a2f4c9d1e23" })
            ),
            integrity: () => Promise.reject(new Error("not with this run")),
            posture: () => Promise.resolve({ controls: [] }),
          },
        };
      };
      return deps;
    });
    return { code, stdout: out.join(""), stderr: err.join(""), made };
  }

  /** Each config set-all the engine ran, as key=value pairs. */
  function configSet(): string[] {
    return fake
      .calls()
      .filter((c) => c.argv?.[0] === "config" && c.argv[1] === "set-all")
      .flatMap((c) => c.argv!.filter((_, i, all) => all[i - 1] === "--plaintext"));
  }

  it("--profile: the profile's keys and region for the lab's clients, and the same profile for Pulumi, printed before anything is created", async function () {
    const run = await lab(["--profile", "lab", "--json", "--settle", "0", "--stack", "lab-profile"], shell());
    expect(run.code, run.stderr).to.equal(ExitCode.Ok);
    const report = JSON.parse(run.stdout);
    expect(report).to.include({ region: "ap-southeast-2", accountId: KEYS.lab.account });
    const said = run.stderr.split("\n");
    const identity = said.findIndex((l) => l.startsWith("AWS account"));
    expect(said[identity]).to.equal(
      `AWS account ${KEYS.lab.account} (arn:aws:iam::${KEYS.lab.account}:user/lab), profile lab (from --profile), region ap-southeast-2 (from profile lab), stack lab-profile`,
    );
    // Before the engine is opened, so before any stack or resource exists.
    expect(identity).to.be.below(said.findIndex((l) => l.startsWith("Pulumi state:")));
    for (const request of server.requests)
      expect(request.signer, request.operation).to.deep.equal({
        accessKeyId: KEYS.lab.accessKeyId,
        region: "ap-southeast-2",
        service: request.signer.service,
      });
    // Pulumi's provider reads AWS_PROFILE and the stack's aws:profile: both name the lab's profile.
    // `pulumi version` is run before the workspace (and its environment) exists; it acts on nothing.
    const calls = fake.calls().filter((c) => c.env && c.argv?.[0] !== "version");
    expect(calls.length).to.be.greaterThan(3);
    for (const call of calls) expect(call.env?.AWS_PROFILE, call.argv?.join(" ")).to.equal("lab");
    expect(configSet()).to.include.members(["aws:region=ap-southeast-2", "aws:profile=lab"]);
    expect(run.made).to.deep.equal([{ profile: "lab" }]);
  });

  it("without flags, the default profile's region wins over the template's aws:region", async function () {
    const run = await lab(["--json", "--settle", "0", "--stack", "lab-default"], shell());
    expect(run.code, run.stderr).to.equal(ExitCode.Ok);
    expect(JSON.parse(run.stdout)).to.include({ region: "eu-west-1", accountId: KEYS.default.account });
    expect(run.stderr).to.contain(
      `AWS account ${KEYS.default.account} (arn:aws:iam::${KEYS.default.account}:user/dev), region eu-west-1 (from profile default), stack lab-default`,
    );
    expect(configSet()).to.include("aws:region=eu-west-1").and.not.include("aws:profile=default");
    for (const call of fake.calls()) expect(call.env?.AWS_PROFILE ?? null).to.equal(null);
  });

  it("AWS_REGION and AWS_DEFAULT_REGION win over the profile; --region over everything", async function () {
    const byEnv = await lab(["--json", "--settle", "0", "--stack", "lab-env"], shell({}, { AWS_PROFILE: "lab", AWS_REGION: "us-west-2" }));
    expect(JSON.parse(byEnv.stdout)).to.include({ region: "us-west-2", accountId: KEYS.lab.account });
    expect(byEnv.stderr).to.contain("profile lab (from AWS_PROFILE), region us-west-2 (from AWS_REGION)");
    home.close();
    const byDefault = await lab(["--json", "--settle", "0", "--stack", "lab-env2"], shell({}, { AWS_DEFAULT_REGION: "ca-central-1" }));
    expect(JSON.parse(byDefault.stdout)).to.include({ region: "ca-central-1", accountId: KEYS.default.account });
    expect(byDefault.stderr).to.contain("region ca-central-1 (from AWS_DEFAULT_REGION)");
    home.close();
    const byFlag = await lab(
      ["--json", "--settle", "0", "--stack", "lab-env3", "--region", "eu-north-1"],
      shell({}, { AWS_REGION: "us-west-2" }),
    );
    expect(JSON.parse(byFlag.stdout)).to.include({ region: "eu-north-1", accountId: KEYS.default.account });
    expect(byFlag.stderr).to.contain("region eu-north-1 (from --region)");
  });

  it("falls back to the template's aws:region when no AWS source names a region", async function () {
    const noDefaultRegion = CONFIG.replace("[default]\nregion = eu-west-1\n", "[default]\n");
    const run = await lab(["--json", "--settle", "0", "--stack", "lab-template"], shell({ config: noDefaultRegion }));
    expect(JSON.parse(run.stdout)).to.include({ region: "us-east-1", accountId: KEYS.default.account });
    expect(run.stderr).to.contain("region us-east-1 (from aws:region in Pulumi.dev.yaml)");
  });

  it("--cleanup of a stack made with a profile wants the same profile, then destroys with it", async function () {
    const env = shell();
    const kept = await lab(["--profile", "lab", "--keep", "--json", "--settle", "0", "--stack", "lab-kept"], env);
    expect(kept.code, kept.stderr).to.equal(ExitCode.Ok);
    const other = await lab(["--cleanup", "lab-kept", "--json"], env);
    expect(other.code).to.equal(ExitCode.Usage);
    expect(other.stderr)
      .to.contain("Stack 'lab-kept' was created with the AWS profile 'lab' (its aws:profile)")
      .and.contain("--profile lab");
    const before = fake.calls().length;
    server.requests.length = 0;
    const same = await lab(["--cleanup", "lab-kept", "--profile", "lab", "--json"], env);
    expect(same.code, same.stderr).to.equal(ExitCode.Ok);
    expect(JSON.parse(same.stdout)).to.include({ region: "ap-southeast-2", accountId: KEYS.lab.account });
    expect(same.stderr).to.contain("region ap-southeast-2 (from the stack's aws:region)");
    const destroys = fake
      .calls()
      .slice(before)
      .filter((c) => c.argv?.[0] === "destroy");
    expect(destroys.length).to.be.greaterThan(0);
    for (const call of destroys) expect(call.env?.AWS_PROFILE).to.equal("lab");
    // The account check and the sweep acted as the same identity, in the stack's region.
    expect(server.requests.map((r) => r.operation)).to.include("GetCallerIdentity");
    for (const request of server.requests) expect(request.signer.accessKeyId, request.operation).to.equal(KEYS.lab.accessKeyId);
  });
});
