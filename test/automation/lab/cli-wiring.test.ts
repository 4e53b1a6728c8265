// The command's real wiring (realDeps): preflight and the IsLogging wait through real SDK clients
// that find a local STS/EC2/CloudTrail server via AWS_ENDPOINT_URL, the real engine on the
// stand-in `pulumi`, the default local backend; only verify/ is replaced, as it needs a trail's logs.
import { expect } from "chai";
import { EventEmitter } from "node:events";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { main, realDeps, type CliIo } from "../../../automation/cli";
import { ExitCode } from "../../../common/exit-codes";
import { callerIdentity, startAwsServer, vpcs, type AwsServer } from "../../support/servers/aws-query-json-server";
import { installFakePulumi, type FakePulumi } from "../../support/doubles/fake-pulumi";
import { LOG_KEY, evidence } from "../../support/doubles/lab-fakes";

describe("automation/cli: the real wiring, end to end on stand-ins", function () {
  let server: AwsServer;
  let fake: FakePulumi;
  let projectDir: string;

  beforeEach(async function () {
    server = await startAwsServer({
      GetCallerIdentity: () => callerIdentity(),
      DescribeVpcs: () => vpcs([{ id: "vpc-0d3f1e2a4b5c6d7e8", isDefault: true }]),
      DescribeTrails: () => ({ json: true, body: JSON.stringify({ trailList: [] }) }),
      GetTrailStatus: () => ({ json: true, body: JSON.stringify({ IsLogging: true }) }),
      DescribeInstances: (params) => ({
        body:
          `<DescribeInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>4c0f1e2d</requestId><reservationSet><item><instancesSet><item>` +
          `<instanceId>${params["InstanceId.1"]}</instanceId><instanceType>t3.micro</instanceType><instanceState><code>16</code><name>running</name></instanceState>` +
          `<tagSet><item><key>Name</key><value>test</value></item></tagSet><metadataOptions><httpTokens>required</httpTokens></metadataOptions>` +
          `</item></instancesSet></item></reservationSet></DescribeInstancesResponse>`,
      }),
    });
    fake = installFakePulumi();
    projectDir = fs.mkdtempSync(path.join(os.tmpdir(), "trail-lab-wiring-"));
    fs.writeFileSync(path.join(projectDir, "Pulumi.yaml"), "name: trail-lab\nruntime: nodejs\nmain: infra/\n");
    fs.copyFileSync(path.resolve(__dirname, "../../../Pulumi.dev.yaml"), path.join(projectDir, "Pulumi.dev.yaml"));
  });
  afterEach(async function () {
    fake.restore();
    await server.close();
    fs.rmSync(projectDir, { recursive: true, force: true });
  });

  it("runs the cycle and prints one JSON object; state lives in the project's .pulumi-state", async function () {
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: projectDir,
      AWS_ENDPOINT_URL: server.endpoint,
      AWS_ACCESS_KEY_ID: "AKIAEXAMPLE",
      AWS_SECRET_ACCESS_KEY: "secret",
    };
    const out: string[] = [];
    const err: string[] = [];
    const io: CliIo = { stdout: (t) => out.push(t), stderr: (t) => err.push(t), env, signals: new EventEmitter(), projectDir };
    const deps = realDeps(io);
    const real = deps.services;
    let since: Date | null = null;
    deps.services = (region) => ({
      ...real(region),
      verifier: {
        verify: async (request) => {
          since = request.since;
          return Promise.resolve(evidence(true));
        },
        copyLogObject: async (request) => {
          fs.writeFileSync(request.file, "raw");
          return Promise.resolve({ bytes: 3, sha256: "a59b4f8dbcb6e3a8e77f5cbbf3bf2c1a4e2d7d9b6c45ae1a1cb03a2f4c9d1e23" });
        },
        integrity: () => Promise.reject(new Error("the lab checks integrity only with --wait-digest")),
        posture: () => Promise.resolve({ controls: [] }),
      },
    });
    // The SDK reads AWS_ENDPOINT_URL and the keys from the process environment.
    const saved = { ...process.env };
    Object.assign(process.env, { AWS_ENDPOINT_URL: server.endpoint, AWS_ACCESS_KEY_ID: "AKIAEXAMPLE", AWS_SECRET_ACCESS_KEY: "secret" });
    delete process.env.AWS_PROFILE;
    delete process.env.PULUMI_BACKEND_URL;
    delete process.env.PULUMI_CONFIG_PASSPHRASE;
    let code: number;
    try {
      code = await main(["--json", "--stack", "lab-wire", "--settle", "0"], io, deps);
    } finally {
      for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
      Object.assign(process.env, saved);
    }

    expect(code, err.join("")).to.equal(ExitCode.Ok);
    expect(out).to.have.length(1);
    const report = JSON.parse(out[0]);
    expect(report).to.include({ stack: "lab-wire", region: "us-east-1", accountId: "123456789012", verified: true });
    expect(report.cleanup).to.include({ destroyed: true, stackRemoved: true, complete: true });
    expect(since).to.be.instanceOf(Date);
    expect(server.requests.map((r) => r.operation)).to.deep.equal([
      "GetCallerIdentity",
      "DescribeVpcs",
      "DescribeTrails",
      "GetTrailStatus",
      "DescribeInstances",
      "DescribeInstances",
    ]);
    // The probe, read through the real EC2 client, after verify and after destroy.
    expect(report.instance.atVerify).to.include({
      instanceType: "t3.micro",
      name: "test",
      state: "running",
      httpTokens: "required",
      publicIpAddress: null,
    });
    expect(report.instance.atCleanup.instanceId).to.equal(report.outputs.instanceId);
    expect(report).to.include({ rawObjectBytes: 3 });
    expect(err.join("")).to.contain("empty passphrase").and.contain("AWS account 123456789012");
    const init = fake.calls().find((c) => c.argv?.[1] === "init");
    expect(init?.env?.PULUMI_BACKEND_URL).to.equal(`file://${path.join(projectDir, ".pulumi-state")}`);
    expect(fs.statSync(path.join(projectDir, ".pulumi-state")).isDirectory()).to.equal(true);
    const run = path.join(projectDir, "lab-runs", "lab-wire");
    expect(fs.readdirSync(run).sort()).to.deep.equal(
      [path.posix.basename(LOG_KEY), "evidence.json", "findings.asff.json", "findings.csv", "findings.ocsf.json", "report.html"].sort(),
    );
    expect(fake.state().stacks).to.deep.equal({});
  });
});
