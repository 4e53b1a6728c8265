// The whole cycle on the real engine (Automation API) and the stand-in `pulumi`, with a signal
// sent to the lab alone, as a supervisor's SIGTERM or `kill <lab pid>` is, and twice, as npm
// forwards a terminal's Ctrl-C. Pulumi runs in a process group of its own, so only the lab can
// tell it to stop: it must receive exactly one SIGINT, and the lab must then read the state,
// destroy, sweep and remove the stack. (A terminal's Ctrl-C to the process group: lab-process.test.ts.)
import { expect } from "chai";
import * as fs from "node:fs";
import * as path from "node:path";
import { chooseBackend } from "../../../automation/engine/backend";
import { runLab } from "../../../automation/lab";
import { createPulumiEngine } from "../../../automation/engine/pulumi-engine";
import { ExitCode } from "../../../common/exit-codes";
import { installFakePulumi, type FakePulumi } from "../../support/doubles/fake-pulumi";
import { Fakes, labOptions } from "../../support/doubles/lab-fakes";
import { within } from "../../support/processes/lab-process";

describe("automation/lab on the real engine: a signal to the lab alone during the probe's up", function () {
  // Bounded inside: 120 s for the up to start, 30 s for the stop to reach Pulumi.
  this.timeout(240_000);
  let fake: FakePulumi;
  let fakes: Fakes;
  let waitFile: string;
  const saved = { url: process.env.PULUMI_BACKEND_URL, pass: process.env.PULUMI_CONFIG_PASSPHRASE };

  beforeEach(function () {
    fakes = new Fakes();
    fs.writeFileSync(path.join(fakes.projectDir, "Pulumi.yaml"), "name: trail-lab\nruntime: nodejs\nmain: infra/\n");
    waitFile = path.join(fakes.projectDir, "up-may-finish");
    fake = installFakePulumi({ FAKE_PULUMI_UP_WAIT_FILE: waitFile });
    delete process.env.PULUMI_BACKEND_URL;
    delete process.env.PULUMI_CONFIG_PASSPHRASE;
  });
  afterEach(function () {
    fake.restore();
    fakes.cleanup();
    if (saved.url !== undefined) process.env.PULUMI_BACKEND_URL = saved.url;
    if (saved.pass !== undefined) process.env.PULUMI_CONFIG_PASSPHRASE = saved.pass;
  });

  const how = { SIGTERM: "to the lab's pid", SIGHUP: "(the terminal closed)", SIGINT: "twice (npm's forwarded copy of a Ctrl-C)" };
  for (const [signal, times] of [
    ["SIGTERM", 1],
    ["SIGHUP", 1],
    ["SIGINT", 2],
  ] as const) {
    it(`a ${signal} ${how[signal]}: Pulumi receives exactly one SIGINT; state read, destroyed, swept, removed, exit 130`, async function () {
      const deps = fakes.deps();
      const backend = chooseBackend(fakes.projectDir, { HOME: fakes.projectDir });
      deps.openEngine = async () => {
        fs.mkdirSync(backend.localDir!, { recursive: true });
        return createPulumiEngine({ workDir: fakes.projectDir, env: backend.env, backend: backend.description });
      };
      const run = runLab(labOptions({ stack: "lab-sig" }), deps);

      expect(await within(120_000, () => fs.existsSync(path.join(fake.dir, "up.pid"))), "the probe's up started").to.equal(true);
      for (let i = 0; i < times; i++) fakes.signals.emit(signal);
      const told = await within(30_000, () => fake.calls().some((c) => c.signal === "SIGINT"));
      // Bounded either way: an up nobody stopped is let finish, so the run ends and the test fails on its own terms.
      if (!told) fs.writeFileSync(waitFile, "");
      const report = await run;

      expect(told, "Pulumi was told to stop within 30 s of the lab's signal").to.equal(true);
      const calls = fake.calls();
      expect(
        calls.filter((c) => c.signal === "SIGINT"),
        "SIGINTs Pulumi received",
      ).to.have.length(1);
      expect(report.exitCode, JSON.stringify(report.error)).to.equal(ExitCode.Interrupted);
      expect(report.interrupted).to.equal(signal);
      // One SIGINT lets Pulumi end the create in flight and write a clean checkpoint, as the real engine does.
      expect(report.cleanup?.pendingOperationsCleared).to.deep.equal([]);
      const commands = calls.filter((c) => c.argv).map((c) => c.argv!.slice(0, 2).join(" "));
      const at = (cmd: string) => commands.lastIndexOf(cmd);
      expect(at("stack export")).to.be.lessThan(commands.indexOf("destroy --yes"));
      expect(commands.indexOf("destroy --yes")).to.be.lessThan(at("stack rm"));
      expect(fakes.steps().some((s) => s.startsWith("sweep lab-sig"))).to.equal(true);
      expect(fake.state().stacks).to.deep.equal({});
      expect(fakes.steps()).not.to.include("verify");
    });
  }
});
