// The project brings its own Node (the registry's binary, linked at node_modules/.bin/node by
// npm ci) and every process of it runs there, whichever node the user's shell has (this machine's
// is 20): the suite itself, `npm run verify` and `npm run lab` typed in a shell, the stand-in
// pulumi the lab starts, and the bench's scan child. None of them prints a Node version warning
// (the AWS SDK prints a NodeVersionSupportWarning on Node 20).
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { expect } from "chai";
import { scanThroughS3 } from "../../bench/measure";
import type { LocalCloudTrail } from "../support/servers/cloudtrail-server";
import { FAKE_PULUMI_BIN } from "../support/doubles/fake-pulumi";
import {
  majorOf,
  projectNode,
  ROOT,
  startNodeProbe,
  userShellEnv,
  type NodeProbe,
  type NodeRecord,
} from "../support/processes/project-node";
import { DUMMY_CREDENTIALS, startS3Server, type LocalS3 } from "../support/servers/s3-server";
import type { TrailWorld } from "../support/worlds/trail-world";
import { closeServers, startTrailWorld } from "../support/worlds/local-trail-world";
import { runChild } from "../support/processes/run-child";
import { runVerifyCli } from "../support/processes/verify-cli";

/** The one recorded process that ran `script` (a path inside the project). */
function ranScript(records: NodeRecord[], script: string): NodeRecord {
  const found = records.filter((r) => r.argv.some((a) => a.split(path.sep).join("/").endsWith(script)));
  expect(found, `processes that ran ${script}: ${JSON.stringify(records, null, 1)}`).to.have.length(1);
  return found[0];
}

describe("the project's own Node", function () {
  this.timeout(120_000);
  let node: string;
  let probe: NodeProbe;

  before(() => {
    node = projectNode();
  });
  beforeEach(() => {
    probe = startNodeProbe();
  });
  afterEach(() => probe.close());

  /** Every process that ran on the project's Node, and that none of them warned. */
  function expectOnProjectNode(record: NodeRecord): void {
    expect(record.execPath, `${record.argv.join(" ")} ran on ${record.version}`).to.equal(node);
    expect(majorOf(record.version)).to.be.at.least(22);
    expect(record.warnings).to.deep.equal([]);
  }

  it("is Node 22 or later, and runs this suite (npm test finds it first on PATH)", () => {
    expect(process.execPath).to.equal(node);
    expect(majorOf(process.version)).to.be.at.least(22);
  });

  describe("npm run verify and npm run lab, typed in a shell whose node is the system's", () => {
    let s3: LocalS3;
    let ct: LocalCloudTrail;
    let world: TrailWorld;

    before(async () => ({ s3, ct, world } = await startTrailWorld("audit-logs-node", { busyFolder: false })));
    after(() => closeServers(s3, ct));

    it("npm run verify runs on the project's Node, calls AWS, and prints no Node version warning", async () => {
      const args = [
        "--trail",
        "my-logs-trail",
        "--regions",
        "us-east-1,eu-west-1",
        "--since",
        world.since.toISOString(),
        "--resource",
        world.instanceId,
        "--interval",
        "0.05",
        "--timeout",
        "0",
        "--json",
      ];
      const { code, stdout, stderr } = await runVerifyCli(args, { s3: s3.endpoint, cloudTrail: ct.endpoint }, true, {
        env: { PATH: userShellEnv().PATH, ...probe.env },
      });
      expect(code, stderr).to.equal(0);
      expect(JSON.parse(stdout).verified).to.equal(true);
      expect(stderr).not.to.match(/NodeVersionSupportWarning|upgrade to node/i);
      // The script execs the launcher, which runs build/verify/cli.js in its own process.
      expectOnProjectNode(ranScript(probe.records(), "bin/trail-lab.js"));
    });

    it("npm run lab runs on the project's Node", async () => {
      const { code, stdout, stderr } = await runChild("npm", ["run", "-s", "lab", "--", "--help"], {
        cwd: ROOT,
        env: { ...userShellEnv(), ...probe.env },
      });
      expect(code, stderr).to.equal(0);
      expect(stdout).to.contain("--stack");
      expectOnProjectNode(ranScript(probe.records(), "bin/trail-lab.js"));
    });
  });

  it("runs the stand-in pulumi the lab starts (found on PATH as node)", async () => {
    const state = fs.mkdtempSync(path.join(os.tmpdir(), "fake-pulumi-"));
    try {
      const { code, stdout, stderr } = await runChild(path.join(FAKE_PULUMI_BIN, "pulumi"), ["version"], {
        cwd: ROOT,
        env: { ...process.env, ...probe.env, FAKE_PULUMI_DIR: state },
      });
      expect(code, stderr).to.equal(0);
      expect(stdout).to.match(/^v3\./);
      expectOnProjectNode(ranScript(probe.records(), "test/support/doubles/fake-pulumi/fake-pulumi.mjs"));
    } finally {
      fs.rmSync(state, { recursive: true, force: true });
    }
  });

  it("runs the bench's S3 scan child", async () => {
    const s3 = await startS3Server();
    try {
      await s3.createBucket("bench-node");
      const env = {
        ...process.env,
        ...probe.env,
        AWS_ENDPOINT_URL_S3: s3.endpoint,
        AWS_ACCESS_KEY_ID: DUMMY_CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: DUMMY_CREDENTIALS.secretAccessKey,
        AWS_REGION: "us-east-1",
      };
      const day = "2026-03-02T00:00:00.000Z";
      const job = {
        bucket: "bench-node",
        account: "123456789012",
        regions: ["us-east-1"],
        from: day,
        to: "2026-03-03T00:00:00.000Z",
        eventName: "RunInstances",
        resource: "i-0123456789abcdef0",
        steps: [{ kind: "scan" as const }],
      };
      const report = await scanThroughS3(job, env, AbortSignal.timeout(60_000));
      expect(report.steps.map((step) => [step.kind, step.objects])).to.deep.equal([["scan", 0]]);
      expectOnProjectNode(ranScript(probe.records(), "bench/scan-child.ts"));
    } finally {
      await s3.close();
    }
  });
});
