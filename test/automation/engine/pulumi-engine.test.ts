// The real engine (Automation API LocalWorkspace) against the stand-in `pulumi` CLI: the
// arguments, working folder, backend URL and passphrase it passes, and how it reports failures.
import { expect } from "chai";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { chooseBackend } from "../../../automation/engine/backend";
import type { LabEngine, LabStack } from "../../../automation/engine/lab-engine";
import { EngineError, LeftRunningError, StackLockedError, UpFailedError } from "../../../automation/engine/engine-errors";
import { createPulumiEngine } from "../../../automation/engine/pulumi-engine";
import { ownGroupPulumi } from "../../../automation/engine/pulumi-process";
import { CommandError } from "@pulumi/pulumi/automation";
import { readTemplateConfig } from "../../../automation/engine/stack-config";
import { installFakePulumi, type FakePulumi } from "../../support/doubles/fake-pulumi";

/** A stop signal that never fires: the run was not interrupted. */
const running = () => new AbortController().signal;

/** This process's group id, from /proc (Linux), or null where there is none to read. */
function processGroupOf(pid: number | "self"): number | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[2]);
  } catch {
    return null;
  }
}

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 3000 && !check(); i++) await new Promise((r) => setTimeout(r, 20));
  if (!check()) throw new Error("timed out waiting for the stand-in pulumi");
}

function project(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "trail-lab-project-"));
  fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: trail-lab\nruntime: nodejs\nmain: infra/\n");
  return dir;
}

describe("automation/pulumi-engine against a stand-in pulumi CLI", function () {
  let fake: FakePulumi;
  let projectDir: string;
  let engine: LabEngine;
  const saved = {
    url: process.env.PULUMI_BACKEND_URL,
    pass: process.env.PULUMI_CONFIG_PASSPHRASE,
    file: process.env.PULUMI_CONFIG_PASSPHRASE_FILE,
    home: process.env.PULUMI_HOME,
  };

  beforeEach(async function () {
    fake = installFakePulumi();
    projectDir = project();
    delete process.env.PULUMI_BACKEND_URL;
    delete process.env.PULUMI_CONFIG_PASSPHRASE;
    delete process.env.PULUMI_CONFIG_PASSPHRASE_FILE;
    process.env.PULUMI_HOME = path.join(projectDir, "no-pulumi-home");
    const backend = chooseBackend(projectDir, process.env);
    engine = await createPulumiEngine({ workDir: projectDir, env: backend.env, backend: backend.description });
  });

  afterEach(function () {
    fake.restore();
    fs.rmSync(projectDir, { recursive: true, force: true });
    for (const [k, v] of [
      ["PULUMI_BACKEND_URL", saved.url],
      ["PULUMI_CONFIG_PASSPHRASE", saved.pass],
      ["PULUMI_CONFIG_PASSPHRASE_FILE", saved.file],
      ["PULUMI_HOME", saved.home],
    ] as const) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });

  /** An engine on this project's backend that lets go of a stopped up or destroy when `letGo` fires. */
  async function engineLettingGo(letGo: AbortSignal): Promise<LabEngine> {
    const backend = chooseBackend(projectDir, process.env);
    return createPulumiEngine({ workDir: projectDir, env: backend.env, backend: backend.description, letGo });
  }

  /**
   * Starts the probe's up (the stand-in waits for FAKE_PULUMI_UP_WAIT_FILE) and resolves once it runs:
   * with its pid, and its outcome (null, or what it threw).
   */
  async function probeUpRunning(stack: LabStack, signal: AbortSignal, onOutput: (text: string) => void = () => undefined) {
    const outcome = stack.up("probe", onOutput, signal).then(
      () => null,
      (e: unknown) => e,
    );
    await until(() => fs.existsSync(path.join(fake.dir, "up.pid")));
    return { outcome, pid: Number(fs.readFileSync(path.join(fake.dir, "up.pid"), "utf8")) };
  }

  it("creates the stack in the project folder's file backend with an empty passphrase", async function () {
    const stack = await engine.openStack("lab-a", true);
    expect(stack?.name).to.equal("lab-a");
    const calls = fake.calls().filter((c) => c.argv);
    const select = calls.find((c) => c.argv![0] === "stack" && c.argv![1] === "select");
    const init = calls.find((c) => c.argv![0] === "stack" && c.argv![1] === "init");
    expect(select?.argv).to.include.members(["--stack", "lab-a"]);
    expect(init?.argv?.slice(0, 3)).to.deep.equal(["stack", "init", "lab-a"]);
    for (const call of [select!, init!]) {
      expect(call.cwd).to.equal(projectDir);
      expect(call.env?.PULUMI_BACKEND_URL).to.equal(`file://${path.join(projectDir, ".pulumi-state")}`);
      expect(call.env?.PULUMI_CONFIG_PASSPHRASE).to.equal("");
    }
  });

  it("sets plain and nested config, runs up, reads outputs and config back", async function () {
    const stack = (await engine.openStack("lab-b", true))!;
    await stack.setConfig({ "aws:region": "eu-west-1", "trail-lab:probeInstance": "true", "trail-lab:tags": { "team.name": "sec" } });
    const sets = fake.calls().filter((c) => c.argv?.[0] === "config" && c.argv[1] === "set-all");
    expect(sets).to.have.length(1);
    expect(sets[0].argv).to.include.members([
      "--plaintext",
      "aws:region=eu-west-1",
      "trail-lab:probeInstance=true",
      'trail-lab:tags={"team.name":"sec"}',
    ]);
    expect(sets[0].argv).not.to.include("--path");
    const lines: string[] = [];
    await stack.up("probe", (text) => lines.push(text), running());
    expect(lines.join("")).to.contain("Updating (lab-b)");
    const up = fake.calls().find((c) => c.argv?.[0] === "up");
    expect(up?.argv).to.include.members(["--yes", "--skip-preview", "--stack", "lab-b"]);
    const outputs = await stack.outputs();
    expect(outputs).to.include({ instanceId: "i-0fa1e2d3c4b5a6978", region: "eu-west-1", bucketName: "audit-logs-bucket-7f3a9c1" });
    expect((await stack.getConfig())["aws:region"]).to.equal("eu-west-1");
    expect(await engine.listStacks()).to.deep.equal(["lab-b"]);
  });

  it("names a locked stack, with the command that removes a stale lock on this same backend", async function () {
    const stack = (await engine.openStack("lab-lock", true))!;
    process.env.FAKE_PULUMI_LOCKED = "1";
    const error = await stack
      .up("trail", () => undefined, running())
      .then(
        () => null,
        (e: unknown) => e,
      );
    expect(error).to.be.instanceOf(StackLockedError);
    const message = (error as Error).message;
    const state = path.join(projectDir, ".pulumi-state");
    expect(message).to.contain(
      `'PULUMI_BACKEND_URL=file://${state} PULUMI_CONFIG_PASSPHRASE='' pulumi cancel --cwd ${projectDir} --stack lab-lock --yes'`,
    );
    expect(message).to.contain("npm run lab -- --cleanup lab-lock").and.not.contain("Pulumi Cloud");
  });

  it("passes a list from Pulumi.dev.yaml on as a list: the program's getObject reads it back as one", async function () {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lab-template-"));
    fs.writeFileSync(
      path.join(dir, "Pulumi.dev.yaml"),
      [
        "config:",
        "  trail-lab:athenaRegions: [us-east-1, eu-west-1]",
        "  trail-lab:tags:",
        "    owner: security-team",
        "  aws:allowedAccountIds:",
        '    - "123456789012"',
        "",
      ].join("\n"),
    );
    const template = readTemplateConfig(dir);
    fs.rmSync(dir, { recursive: true });
    const stack = (await engine.openStack("lab-list", true))!;
    await stack.setConfig(template.config);

    const sets = fake.calls().filter((c) => c.argv?.[0] === "config" && c.argv[1] === "set-all");
    const plain = sets.find((c) => !c.argv!.includes("--path"));
    expect(plain?.argv).to.include.members([
      'trail-lab:athenaRegions=["us-east-1","eu-west-1"]',
      'trail-lab:tags={"owner":"security-team"}',
    ]);
    // A provider's list goes by unquoted index paths: a quoted ["0"] would name a map key.
    const paths = sets.find((c) => c.argv!.includes("--path"));
    expect(paths?.argv).to.include("aws:allowedAccountIds[0]=123456789012");
    expect(sets.flatMap((c) => c.argv!).join(" ")).not.to.contain('["0"]');

    // What Pulumi hands the program, parsed as config.getObject parses it.
    const stored = await stack.getConfig();
    expect(JSON.parse(stored["trail-lab:athenaRegions"])).to.deep.equal(["us-east-1", "eu-west-1"]);
    expect(JSON.parse(stored["trail-lab:tags"])).to.deep.equal({ owner: "security-team" });
  });

  it("turns a failed up into UpFailedError with the engine's error", async function () {
    process.env.FAKE_PULUMI_UP_FAIL = "all";
    try {
      const stack = (await engine.openStack("lab-c", true))!;
      const error = await stack
        .up("trail", () => undefined, running())
        .then(
          () => null,
          (e: unknown) => e,
        );
      expect(error).to.be.instanceOf(UpFailedError);
      expect((error as Error).message).to.contain("UnauthorizedOperation");
      // The cause, from the engine's events, not the Automation API's wrapper around stderr.
      expect((error as Error).message).to.match(
        /\nprobe-instance \(aws:ec2:Instance\): creating EC2 Instance: operation error EC2: RunInstances, .*api error UnauthorizedOperation: /,
      );
      expect((error as Error).message).to.not.match(/code: |stdout: |err\?: |sdk-v2\/provider2|provider=aws@/);
    } finally {
      delete process.env.FAKE_PULUMI_UP_FAIL;
    }
  });

  it("round-trips the state, reports BucketNotEmpty from destroy, then destroys and removes", async function () {
    process.env.FAKE_PULUMI_DESTROY_FAILS = "1";
    try {
      const stack = (await engine.openStack("lab-d", true))!;
      await stack.up("trail", () => undefined, running());
      const state = await stack.exportState();
      expect(state.deployment?.resources?.map((r) => r.type)).to.include("aws:cloudtrail/trail:Trail");
      await stack.importState(state);
      const error = await stack
        .destroy(() => undefined, running())
        .then(
          () => null,
          (e: unknown) => e,
        );
      expect(error).to.be.instanceOf(EngineError);
      expect((error as EngineError).output).to.contain("BucketNotEmpty");
      expect((error as Error).message).to.match(
        /\naudit-logs-bucket \(aws:s3:Bucket\): deleting S3 Bucket \(audit-logs-bucket-7f3a9c1\): .*BucketNotEmpty/,
      );
      await stack.destroy(() => undefined, running());
      await stack.remove();
      expect(await engine.openStack("lab-d", false)).to.equal(null);
    } finally {
      delete process.env.FAKE_PULUMI_DESTROY_FAILS;
    }
  });

  it("runs every command in a process group of its own, and sends a running up one SIGINT when told to stop", async function () {
    const stack = (await engine.openStack("lab-stop", true))!;
    await stack.setConfig({ "trail-lab:probeInstance": "true" });
    process.env.FAKE_PULUMI_UP_WAIT_FILE = path.join(projectDir, "never");
    const stop = new AbortController();
    try {
      const { outcome: up } = await probeUpRunning(stack, stop.signal);
      stop.abort();
      stop.abort();
      const error = await up;
      expect(error, "a stopped up fails as canceled").to.be.instanceOf(UpFailedError);
      expect((error as Error).message).to.contain("update canceled");
    } finally {
      delete process.env.FAKE_PULUMI_UP_WAIT_FILE;
    }
    const calls = fake.calls();
    expect(
      calls.filter((c) => c.signal === "SIGINT"),
      "SIGINTs the stand-in received",
    ).to.have.length(1);
    const own = processGroupOf("self");
    if (own !== null) {
      // `pulumi version` excepted: the Automation API's own check, before any stack command, in our group.
      for (const call of calls.filter((c) => c.argv && c.argv[0] !== "version")) {
        expect(call.pgid, `pulumi ${call.argv!.join(" ")} leads a group of its own`).to.equal(call.pid);
        expect(call.pgid).to.not.equal(own);
      }
    }
  });

  it("lets go of an up told to stop when the run gives up: rejects at once naming it, and the up writes on into its files to its end", async function () {
    const letGo = new AbortController();
    const giving = await engineLettingGo(letGo.signal);
    const stack = (await giving.openStack("lab-left", true))!;
    await stack.setConfig({ "trail-lab:probeInstance": "true" });
    const waitFile = path.join(projectDir, "release");
    process.env.FAKE_PULUMI_UP_WAIT_FILE = waitFile;
    process.env.FAKE_PULUMI_UP_IGNORES_SIGINT = "1";
    const lines: string[] = [];
    let pid = 0;
    let ended = false;
    let output = "";
    try {
      const stop = new AbortController();
      const running = await probeUpRunning(stack, stop.signal, (text) => lines.push(text));
      const up = running.outcome;
      pid = running.pid;
      stop.abort();
      letGo.abort();
      const error = await up;
      if (error instanceof LeftRunningError) output = error.outputDir;
      expect(error).to.be.instanceOf(LeftRunningError);
      expect((error as LeftRunningError).pid).to.equal(pid);
      expect((error as Error).message).to.match(new RegExp(`pulumi up \\(pid ${pid}\\) was left running .*do not kill it`));
      const left = await giving.leftRunning();
      expect(left).to.deep.equal([{ command: "pulumi up", pid, output }]);
      expect(lines.join(""), "what it wrote while waited for reached the lab, line by line").to.contain("Updating (lab-left)\n");

      // It goes on by itself: released, it finishes into the files the lab stopped reading.
      fs.writeFileSync(waitFile, "");
      await until(() => {
        try {
          process.kill(pid, 0);
          return false;
        } catch {
          return true;
        }
      });
      ended = true;
      const written = fs.readFileSync(path.join(left[0].output, "stdout"), "utf8");
      expect(written).to.contain("Updating (lab-left)\n").and.contain("Resources:\n    + created\n");
      expect(lines.join(""), "nothing read after the let-go").to.not.contain("created");
      expect(fs.readFileSync(path.join(left[0].output, "stderr"), "utf8")).to.contain("^C received");
      expect(
        fake.calls().filter((c) => c.signal === "SIGINT"),
        "one SIGINT",
      ).to.have.length(1);
    } finally {
      delete process.env.FAKE_PULUMI_UP_WAIT_FILE;
      delete process.env.FAKE_PULUMI_UP_IGNORES_SIGINT;
      // Let go, it waits for a file under projectDir, which afterEach removes: never left behind a failed assertion.
      if (pid && !ended) tryKill(pid);
      if (output) fs.rmSync(output, { recursive: true, force: true });
    }
  });

  it("an up that ends within the give-up's grace is not let go: its own failure, its output whole, its files gone", async function () {
    const letGo = new AbortController();
    const giving = await engineLettingGo(letGo.signal);
    const stack = (await giving.openStack("lab-ends", true))!;
    await stack.setConfig({ "trail-lab:probeInstance": "true" });
    process.env.FAKE_PULUMI_UP_WAIT_FILE = path.join(projectDir, "never");
    const before = new Set(fs.readdirSync(os.tmpdir()).filter((f) => f.startsWith("trail-lab-pulumi-up-")));
    try {
      const stop = new AbortController();
      const { outcome: up } = await probeUpRunning(stack, stop.signal);
      stop.abort();
      letGo.abort();
      const error = await up;
      expect(error).to.be.instanceOf(UpFailedError);
      expect((error as Error).message).to.contain("update canceled");
      expect(await giving.leftRunning()).to.deep.equal([]);
      const after = fs.readdirSync(os.tmpdir()).filter((f) => f.startsWith("trail-lab-pulumi-up-") && !before.has(f));
      expect(after, "the up's output folder").to.deep.equal([]);
    } finally {
      delete process.env.FAKE_PULUMI_UP_WAIT_FILE;
    }
  });

  it("a spawn that throws (a NUL in the environment) rejects as a failed command and leaves no descriptor, folder or timer behind", async function () {
    const pulumi = (await ownGroupPulumi(process.env)) as unknown as {
      run(args: string[], cwd: string, env: Record<string, string>, o?: unknown, e?: unknown, signal?: AbortSignal): Promise<unknown>;
    };
    const fds = () => fs.readdirSync("/proc/self/fd").length;
    const folders = () => fs.readdirSync(os.tmpdir()).filter((f) => f.startsWith("trail-lab-pulumi-up-")).length;
    const [fdsBefore, foldersBefore] = [fds(), folders()];
    const error = await pulumi
      .run(["up", "--yes"], projectDir, { BROKEN: "a\0b" }, undefined, undefined, new AbortController().signal)
      .then(
        () => null,
        (e: unknown) => e,
      );
    expect(error, "a CommandError, as the Automation API classifies failures").to.be.instanceOf(CommandError);
    expect((error as Error).message).to.match(/null bytes|ERR_INVALID_ARG_VALUE/);
    expect(folders(), "the up's output folder").to.equal(foldersBefore);
    expect(fds(), "descriptors open in this process").to.equal(fdsBefore);
  });

  it("a command not told to stop is waited for through a give-up: reads end by themselves", async function () {
    const letGo = new AbortController();
    letGo.abort();
    const giving = await engineLettingGo(letGo.signal);
    const stack = (await giving.openStack("lab-read", true))!;
    await stack.setConfig({ "trail-lab:probeInstance": "false" });
    await stack.up("trail", () => undefined, running());
    expect(await stack.outputs()).to.have.property("bucketName");
    expect(await giving.leftRunning()).to.deep.equal([]);
  });

  it("cancels the lock only of a stack whose own pulumi command a signal killed, and only once", async function () {
    const stack = (await engine.openStack("lab-killed", true))!;
    expect(await stack.releaseStaleLock(), "no command of this stack died").to.equal(false);
    await stack.setConfig({ "trail-lab:probeInstance": "true" });
    process.env.FAKE_PULUMI_UP_WAIT_FILE = path.join(projectDir, "never");
    try {
      const { outcome: up, pid } = await probeUpRunning(stack, running());
      process.kill(pid, "SIGKILL");
      expect(await up).to.be.instanceOf(UpFailedError);
    } finally {
      delete process.env.FAKE_PULUMI_UP_WAIT_FILE;
    }
    const refused = await stack.importState(await stack.exportState()).then(
      () => null,
      (e: unknown) => e,
    );
    expect(refused, "the killed up's lock refuses the stack").to.be.instanceOf(Error);
    expect(await stack.releaseStaleLock()).to.equal(true);
    expect(fake.calls().filter((c) => c.argv?.[0] === "cancel")).to.have.length(1);
    await stack.importState(await stack.exportState());
    expect(await stack.releaseStaleLock(), "released once").to.equal(false);
  });

  it("starts no command once told to stop: a Pulumi signalled as it starts would die unclean", async function () {
    const stack = (await engine.openStack("lab-late", true))!;
    const stopped = new AbortController();
    stopped.abort();
    const before = fake.calls().length;
    const error = await stack
      .destroy(() => undefined, stopped.signal)
      .then(
        () => null,
        (e: unknown) => e,
      );
    expect(error).to.be.instanceOf(EngineError);
    expect((error as Error).message).to.contain("was not started");
    expect(fake.calls()).to.have.length(before);
  });

  it("keeps a user's PULUMI_BACKEND_URL and passphrase", async function () {
    process.env.PULUMI_BACKEND_URL = `file://${path.join(projectDir, "elsewhere")}`;
    process.env.PULUMI_CONFIG_PASSPHRASE = "s3cret";
    const backend = chooseBackend(projectDir, process.env);
    expect(backend.env).to.deep.equal({});
    const own = await createPulumiEngine({ workDir: projectDir, env: backend.env, backend: backend.description });
    await own.openStack("lab-e", true);
    const init = fake.calls().find((c) => c.argv?.[1] === "init");
    expect(init?.env).to.include({
      PULUMI_BACKEND_URL: `file://${path.join(projectDir, "elsewhere")}`,
      PULUMI_CONFIG_PASSPHRASE: "s3cret",
    });
  });
});

/** Ends a stand-in command a failed test may have left waiting; one already gone is fine. */
function tryKill(pid: number): void {
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    // Already ended: nothing is left to stop.
  }
}
