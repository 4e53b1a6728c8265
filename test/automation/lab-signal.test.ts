// The whole cycle on the real engine (Automation API) and the stand-in `pulumi`, with a SIGINT
// that arrives as a terminal sends it: to the lab and to the Pulumi child at once. The lab must
// not send the child a second one, and must repair the state, destroy, sweep and remove the stack.
import { expect } from "chai";
import * as fs from "node:fs";
import * as path from "node:path";
import { chooseBackend } from "../../automation/backend";
import { runLab } from "../../automation/lab";
import { createPulumiEngine } from "../../automation/pulumi-engine";
import { ExitCode } from "../../common/exit-codes";
import { installFakePulumi, type FakePulumi } from "../support/fake-pulumi";
import { Fakes, labOptions } from "../support/lab-fakes";

async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((r) => setTimeout(r, 20));
}

describe("automation/lab on the real engine: a terminal SIGINT during the probe's up", function () {
  let fake: FakePulumi;
  let fakes: Fakes;
  const saved = { url: process.env.PULUMI_BACKEND_URL, pass: process.env.PULUMI_CONFIG_PASSPHRASE };

  beforeEach(function () {
    fakes = new Fakes();
    fs.writeFileSync(path.join(fakes.projectDir, "Pulumi.yaml"), "name: trail-lab\nruntime: nodejs\nmain: infra/\n");
    fake = installFakePulumi({ FAKE_PULUMI_UP_WAIT_FILE: path.join(fakes.projectDir, "never") });
    delete process.env.PULUMI_BACKEND_URL;
    delete process.env.PULUMI_CONFIG_PASSPHRASE;
  });
  afterEach(function () {
    fake.restore();
    fakes.cleanup();
    if (saved.url !== undefined) process.env.PULUMI_BACKEND_URL = saved.url;
    if (saved.pass !== undefined) process.env.PULUMI_CONFIG_PASSPHRASE = saved.pass;
  });

  it("sends Pulumi no second SIGINT, clears its pending create, destroys, sweeps, removes the stack, exits 130", async function () {
    const deps = fakes.deps();
    const backend = chooseBackend(fakes.projectDir, { HOME: fakes.projectDir });
    deps.openEngine = async () => {
      fs.mkdirSync(backend.localDir!, { recursive: true });
      return createPulumiEngine({ workDir: fakes.projectDir, env: backend.env, backend: backend.description });
    };
    const run = runLab(labOptions({ stack: "lab-sig" }), deps);

    const pidFile = path.join(fake.dir, "up.pid");
    await until(() => fs.existsSync(pidFile));
    const pulumiPid = Number(fs.readFileSync(pidFile, "utf8"));
    // The terminal's Ctrl-C reaches the whole foreground process group: Pulumi and the lab.
    process.kill(pulumiPid, "SIGINT");
    fakes.signals.emit("SIGINT");
    const report = await run;

    const calls = fake.calls();
    expect(calls.filter((c) => c.signal === "SIGINT"), "SIGINTs Pulumi received").to.have.length(1);
    expect(report.exitCode, JSON.stringify(report.error)).to.equal(ExitCode.Interrupted);
    expect(report.cleanup?.pendingOperationsCleared).to.deep.equal([
      { type: "creating", urn: "urn:pulumi:lab-sig::trail-lab::aws:ec2/instance:Instance::probe-instance" },
    ]);
    const commands = calls.filter((c) => c.argv).map((c) => c.argv!.slice(0, 2).join(" "));
    const at = (cmd: string) => commands.lastIndexOf(cmd);
    expect(at("stack export")).to.be.lessThan(at("stack import"));
    expect(at("stack import")).to.be.lessThan(commands.indexOf("destroy --yes"));
    expect(commands.indexOf("destroy --yes")).to.be.lessThan(at("stack rm"));
    expect(fakes.steps().some((s) => s.startsWith("sweep lab-sig"))).to.equal(true);
    expect(fake.state().stacks).to.deep.equal({});
    expect(fakes.steps()).not.to.include("verify");
  });
});
