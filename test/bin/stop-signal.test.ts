// A stop signal sent to the top process of each way of starting trail-lab (#20 item 5), as
// `docker stop` or a CI runner sends it: SIGTERM to that one pid, nothing to the rest. Each form is
// typed in a user's shell whose node is the system's: `npm run verify` (npm forwards the signal to
// its script, which execs the launcher), the installed bin (`trail-lab` on PATH, as `npm link`
// puts it: it starts itself again on the project's Node and forwards), and `npx trail-lab` (npm's
// shell dies of the signal and npm exits at once, 143; the launcher sees its parent gone and stops
// the command). In each, the command ends with 130 and no process of the run is left.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { spawn } from "node:child_process";
import { expect } from "chai";
import { ExitCode } from "../../common/exit-codes";
import { ROOT, startNodeProbe, userShellEnv, type NodeProbe } from "../support/processes/project-node";
import { silentAwsEnv, startSilentServer, type SilentServer } from "../support/servers/silent-server";
import { goneWithin } from "../support/credential-process";

const VERIFY = ["verify", "--trail", "my-logs-trail", "--region", "us-east-1", "--timeout", "600", "--no-event-history"];

describe("bin/trail-lab: SIGTERM to the top process of each launch form", function () {
  this.timeout(180_000);
  let silent: SilentServer;
  let probe: NodeProbe;
  let binDir: string;

  before(async () => {
    silent = await startSilentServer();
    // The installed bin: a link named trail-lab on PATH, as `npm link` makes it.
    binDir = fs.mkdtempSync(path.join(os.tmpdir(), "trail-lab-bin-"));
    fs.symlinkSync(path.join(ROOT, "bin", "trail-lab.js"), path.join(binDir, "trail-lab"));
  });
  after(async () => {
    await silent.close();
    fs.rmSync(binDir, { recursive: true, force: true });
  });
  beforeEach(() => {
    probe = startNodeProbe();
  });
  afterEach(() => probe.close());

  /** Starts `command args` in the user's shell, SIGTERMs its pid once the check is waiting on AWS, and waits for everything it started. */
  async function stopped(program: string, args: string[], env: NodeJS.ProcessEnv = {}) {
    const shell = userShellEnv();
    const child = spawn(program, args, {
      cwd: ROOT,
      env: {
        ...shell,
        ...probe.env,
        PATH: [binDir, shell.PATH].join(path.delimiter),
        ...silentAwsEnv(silent.endpoint),
        ...env,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.stdout.resume();
    const top = new Promise<number | null>((done) =>
      child.on("exit", (code, signal) => done(code ?? 128 + (signal === "SIGTERM" ? 15 : 0))),
    );
    // The pipes close once the last process holding them (an orphaned command too) has ended.
    const closed = new Promise<void>((done) => child.on("close", () => done()));
    const before = silent.connections();
    for (let i = 0; i < 900 && silent.connections() === before && child.exitCode === null; i++)
      await new Promise((r) => setTimeout(r, 100));
    expect(silent.connections(), stderr).to.be.greaterThan(before);
    child.kill("SIGTERM");
    const code = await top;
    // Bounded: an orphan holding the pipes would otherwise keep this test until its own --timeout.
    const ended = await Promise.race([closed.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 30_000))]);
    expect(ended, `a process of the run still holds its output 30 s after the top one ended\n${stderr}`).to.equal(true);
    // The command: the process that ran the check (dispatch), on the project's Node.
    const command = probe.records().filter((r) => r.argv.some((a) => a.endsWith("trail-lab.js") || a.endsWith("trail-lab")));
    for (const started of probe.started())
      expect(await goneWithin(started.pid, 10_000), `${started.argv.join(" ")} left running`).to.equal(true);
    return { code, stderr, command };
  }

  it("npm run verify: npm hands the SIGTERM to the command, which stops; npm exits 130", async () => {
    const run = await stopped("npm", ["run", "-s", ...VERIFY.slice(0, 1), "--", ...VERIFY.slice(1)]);
    expect(run.code, run.stderr).to.equal(ExitCode.Interrupted);
    expect(run.stderr).to.contain("Verification was interrupted");
    expect(run.command.map((r) => r.code)).to.deep.equal([ExitCode.Interrupted]);
  });

  it("the installed bin: the launcher forwards the SIGTERM to the command it started on the project's Node; both exit 130", async () => {
    const run = await stopped("trail-lab", VERIFY);
    expect(run.code, run.stderr).to.equal(ExitCode.Interrupted);
    expect(run.stderr.split("Verification was interrupted").length - 1, run.stderr).to.equal(1);
    // The launcher on the system's Node and the command it started again on the project's.
    expect(run.command.map((r) => r.code)).to.deep.equal([ExitCode.Interrupted, ExitCode.Interrupted]);
  });

  it("npx trail-lab: npm exits at once (143), the launcher sees it gone and stops the command, which exits 130", async () => {
    const run = await stopped("npx", ["trail-lab", ...VERIFY]);
    expect(run.code, run.stderr).to.equal(143);
    expect(run.stderr.split("Verification was interrupted").length - 1, run.stderr).to.equal(1);
    expect(run.command.length, run.stderr).to.be.at.least(1);
    for (const record of run.command) expect(record.code, record.argv.join(" ")).to.equal(ExitCode.Interrupted);
  });
});
