// The lab's preflight with a profile whose credential_process never answers (#20 item 4): the real
// wiring (realDeps) on the stand-in pulumi, a temporary HOME. Past the deadline the preflight fails
// (exit 2) naming the profile and its command; a signal while it waits ends the lab at once (130).
// Either way nothing is created, and the helper is not left running, even one that ignores SIGTERM.
import { expect } from "chai";
import { EventEmitter } from "node:events";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { main, realDeps, type CliIo } from "../../../automation/cli";
import { ExitCode } from "../../../common/exit-codes";
import { STOP_GRACE_MS, setCredentialPolicy } from "../../../common/credentials";
import { NO_AWS_VARIABLES, makeAwsHome, type AwsHome } from "../../support/aws-home";
import { goneWithin, hangingProcess, processProfiles, startedWithin, type HangingProcess } from "../../support/credential-process";
import { installFakePulumi, type FakePulumi } from "../../support/doubles/fake-pulumi";
import { startSilentServer, type SilentServer } from "../../support/servers/silent-server";

describe("automation/cli: the lab's preflight with a credential_process that never answers", function () {
  this.timeout(60_000);
  let fake: FakePulumi;
  let silent: SilentServer;
  let home: AwsHome;
  let projectDir: string;
  let saved: NodeJS.ProcessEnv;
  let restorePolicy: () => void = () => undefined;

  beforeEach(async () => {
    saved = { ...process.env };
    silent = await startSilentServer();
    fake = installFakePulumi();
    projectDir = fs.mkdtempSync(path.join(os.tmpdir(), "trail-lab-credentials-"));
    fs.writeFileSync(path.join(projectDir, "Pulumi.yaml"), "name: trail-lab\nruntime: nodejs\nmain: infra/\n");
    fs.copyFileSync(path.resolve(__dirname, "../../../Pulumi.dev.yaml"), path.join(projectDir, "Pulumi.dev.yaml"));
  });
  afterEach(async () => {
    restorePolicy();
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
    Object.assign(process.env, saved);
    fake.restore();
    await silent.close();
    home?.close();
    fs.rmSync(projectDir, { recursive: true, force: true });
  });

  /** The user's shell: profile `hang` with a helper that never answers; the SDK reads the process's environment. */
  function shell(hanging: HangingProcess): NodeJS.ProcessEnv {
    home = makeAwsHome("home", { config: processProfiles({ hang: hanging.command }), credentials: "" });
    for (const key of Object.keys(NO_AWS_VARIABLES)) delete process.env[key];
    const env = { PATH: process.env.PATH, ...home.env, AWS_ENDPOINT_URL: silent.endpoint, AWS_EC2_METADATA_DISABLED: "true" };
    Object.assign(process.env, env);
    return env;
  }

  function lab(env: NodeJS.ProcessEnv, signals: EventEmitter) {
    const err: string[] = [];
    const io: CliIo = { stdout: () => undefined, stderr: (t) => err.push(t), env, signals, projectDir };
    const code = main(["--profile", "hang", "--json", "--stack", "lab-hang"], io, (options) => realDeps(io, options));
    return { code, stderr: () => err.join("") };
  }

  /** No stack was made: the stand-in pulumi was asked for nothing but its version. */
  function nothingCreated(): void {
    expect(fake.calls().filter((c) => c.argv?.[0] !== "version")).to.deep.equal([]);
  }

  it("fails the preflight at the deadline (exit 2), naming the profile and its command, and stops the helper", async () => {
    const hanging = hangingProcess(os.tmpdir(), `lab-hang-${process.pid}-${Date.now()}`, { ignoresTerm: true });
    restorePolicy = setCredentialPolicy({ deadlineMs: 1_000 });
    const run = lab(shell(hanging), new EventEmitter());
    expect(await run.code, run.stderr()).to.equal(ExitCode.Usage);
    expect(run.stderr()).to.contain("Getting the AWS credentials of profile 'hang' took longer than 1 s").and.contain(hanging.command);
    nothingCreated();
    expect(silent.connections()).to.equal(0);
    expect(await goneWithin(hanging.pid()!, STOP_GRACE_MS + 4_000), "helper left running").to.equal(true);
  });

  it("a SIGINT while it waits ends the lab at once with 130, and stops the helper", async () => {
    const hanging = hangingProcess(os.tmpdir(), `lab-int-${process.pid}-${Date.now()}`, { ignoresTerm: true });
    // Longer than the test may take: only the signal can end the wait in time.
    restorePolicy = setCredentialPolicy({ deadlineMs: 10 * 60_000 });
    const signals = new EventEmitter();
    const run = lab(shell(hanging), signals);
    const pid = await startedWithin(hanging, 30_000);
    expect(pid, run.stderr()).to.not.equal(null);
    signals.emit("SIGINT");
    expect(await run.code, run.stderr()).to.equal(ExitCode.Interrupted);
    nothingCreated();
    expect(await goneWithin(pid!, STOP_GRACE_MS + 4_000), "helper left running").to.equal(true);
  });
});
