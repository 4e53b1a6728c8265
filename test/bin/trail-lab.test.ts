// The `trail-lab` command (package.json "bin") as a user types it: `npx trail-lab <command>` in a
// shell whose node is the system's, each command's --help generated from its flag table, --version,
// an unknown command, and a Ctrl-C that reaches the command once through the launcher.
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { expect } from "chai";
import { LAB_COMMAND, main as labMain } from "../../automation/cli";
import { COMMANDS } from "../../bin/dispatch";
import { ExitCode } from "../../common/exit-codes";
import { flagLabel, helpText } from "../../common/flag-table";
import { versionLine } from "../../common/provenance";
import { majorOf, projectNode, ROOT, startNodeProbe, userShellEnv, type NodeProbe } from "../support/processes/project-node";
import { Fakes } from "../support/doubles/lab-fakes";
import { runChild } from "../support/processes/run-child";
import { DUMMY_CREDENTIALS } from "../support/servers/s3-server";
import { startSilentServer } from "../support/servers/silent-server";

/** `npx trail-lab ...` in the user's shell: npm's additions off PATH, so `node` is the system's. */
function npx(args: string[], env: NodeJS.ProcessEnv = {}) {
  return runChild("npx", ["trail-lab", ...args], { cwd: ROOT, env: { ...userShellEnv(), ...env } });
}

describe("bin/trail-lab: the command", function () {
  this.timeout(120_000);
  let probe: NodeProbe;
  beforeEach(() => {
    probe = startNodeProbe();
  });
  afterEach(() => probe.close());

  it("npx trail-lab verify --help: the help alone on stdout, no npm banner, run on the project's Node", async () => {
    const { code, stdout, stderr } = await npx(["verify", "--help"], probe.env);
    expect(code, stderr).to.equal(ExitCode.Ok);
    expect(stdout).to.match(/^trail-lab verify: Checks a CloudTrail trail/);
    expect(stdout).to.not.contain("> trail-lab@");
    // The command itself ran on the project's Node, whichever node started the launcher.
    // npx runs it through a link named trail-lab (npm links the checkout into its cache).
    const ran = probe.records().filter((r) => /(bin\/trail-lab\.js|\.bin\/trail-lab)$/.test(r.argv[0] ?? ""));
    expect(ran.length, JSON.stringify(ran)).to.be.at.least(1);
    const last = ran[ran.length - 1];
    expect(last.execPath).to.equal(projectNode());
    expect(majorOf(last.version)).to.be.at.least(22);
    expect(last.warnings).to.deep.equal([]);
  });

  it("npx trail-lab --version: name, version and the commit of this checkout", async () => {
    const { code, stdout, stderr } = await npx(["--version"]);
    expect(code, stderr).to.equal(ExitCode.Ok);
    expect(stdout).to.match(/^trail-lab 0\.1\.0 \(commit [0-9a-f]{40}(, with local changes)?\)\n$/);
  });

  it("npx trail-lab --version with a fresh npm cache: the version line alone, no EBADENGINE block from npm on the system's Node", async () => {
    // npx links the checkout into a new cache the first time, and npm then judges the package's
    // engines against the Node npm runs on (the system's, 20 on many machines); a fresh HOME is a
    // CI machine's or a container's first run.
    const home = fs.mkdtempSync(path.join(os.tmpdir(), "trail-lab-npx-home-"));
    try {
      const { code, stdout, stderr } = await npx(["--version"], { HOME: home, npm_config_cache: path.join(home, ".npm") });
      expect(code, stderr).to.equal(ExitCode.Ok);
      expect(stdout).to.match(/^trail-lab 0\.1\.0 /);
      expect(stderr).to.not.contain("EBADENGINE");
    } finally {
      fs.rmSync(home, { recursive: true, force: true });
    }
  });

  it("an unknown command, or none, exits 2 and names the commands, once, without a class name", async () => {
    const unknown = await npx(["deploy"]);
    expect(unknown.code).to.equal(ExitCode.Usage);
    expect(unknown.stdout).to.equal("");
    expect(unknown.stderr).to.equal(
      "'deploy' is not a trail-lab command; the commands are lab, verify, report, bench. Run 'trail-lab --help'.\n",
    );
    const none = await npx([]);
    expect(none.code).to.equal(ExitCode.Usage);
    expect(none.stdout).to.equal("");
    expect(none.stderr).to.contain("Usage: trail-lab <command> [flags]");
  });

  it("hands one Ctrl-C to the command it started on the project's Node, which stops and exits 130", async () => {
    const silent = await startSilentServer();
    const system = userShellEnv();
    const env = {
      ...system,
      AWS_ENDPOINT_URL: silent.endpoint,
      AWS_ACCESS_KEY_ID: DUMMY_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: DUMMY_CREDENTIALS.secretAccessKey,
      AWS_CONFIG_FILE: "/dev/null",
      AWS_SHARED_CREDENTIALS_FILE: "/dev/null",
      AWS_EC2_METADATA_DISABLED: "true",
    };
    try {
      // `node` as the user's shell finds it: the system's, so the launcher starts the command again on the project's.
      const child = spawn(
        "node",
        ["bin/trail-lab.js", "verify", "--trail", "my-logs-trail", "--region", "us-east-1", "--timeout", "600", "--no-event-history"],
        {
          cwd: ROOT,
          env,
          stdio: ["ignore", "pipe", "pipe"],
        },
      );
      let stderr = "";
      child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
      const exited = new Promise<number | null>((done) => child.on("close", (code) => done(code)));
      // Bounded: the first request reaches the silent endpoint once the command runs.
      for (let i = 0; i < 600 && silent.connections() === 0 && child.exitCode === null; i++) await new Promise((r) => setTimeout(r, 100));
      expect(silent.connections(), stderr).to.be.greaterThan(0);
      child.kill("SIGINT");
      const code = await exited;
      expect(code, stderr).to.equal(ExitCode.Interrupted);
      expect(stderr.split("Verification was interrupted").length - 1, stderr).to.equal(1);
    } finally {
      await silent.close();
    }
  });
});

describe("bin/dispatch: --help for each command, from the table it parses with", function () {
  for (const name of Object.keys(COMMANDS)) {
    it(`trail-lab ${name} --help lists each flag with its default, and an example`, async () => {
      const { spec } = await COMMANDS[name]();
      const help = helpText(spec);
      expect(help).to.match(new RegExp(`^trail-lab ${name}: `));
      // Each flag's label, and its default, in the flag's own entry (the text between it and the next flag).
      const entries = help.slice(help.indexOf("\nFlags:\n")).split(/\n {2}(?=-)/);
      for (const [flag, flagSpec] of Object.entries(spec.flags)) {
        const entry = entries.find((e) => e.startsWith(flagLabel(flag, flagSpec)));
        expect(entry, `--${flag} in:\n${help}`).to.not.equal(undefined);
        if (flagSpec.default !== undefined) expect(entry!.replace(/\s+/g, " "), `--${flag}`).to.contain(`(default: ${flagSpec.default})`);
      }
      expect(help).to.match(new RegExp(`\nExamples?:\n {2}trail-lab ${name}`));
    });
  }

  it("the lab's help has --wait-digest and --profile; every command that calls AWS has --profile", async () => {
    const out: string[] = [];
    const fakes = new Fakes();
    try {
      const io = {
        stdout: (t: string) => out.push(t),
        stderr: (t: string) => out.push(t),
        env: {},
        signals: fakes.signals,
        projectDir: fakes.projectDir,
      };
      expect(await labMain(["--help"], io, fakes.deps())).to.equal(ExitCode.Ok);
    } finally {
      fakes.cleanup();
    }
    expect(out.join("")).to.equal(helpText(LAB_COMMAND)).and.contain("--wait-digest").and.contain("--profile <name>");
    for (const name of ["lab", "verify"]) expect(Object.keys((await COMMANDS[name]()).spec.flags), name).to.include("profile");
  });

  it("--version names the commit, or says why there is none", () => {
    expect(versionLine({ tool: "trail-lab", version: "0.1.0", commit: "1f0c3d2e4b5a69788796a5b4c3d2e1f0a9b8c7d6", dirty: false })).to.equal(
      "trail-lab 0.1.0 (commit 1f0c3d2e4b5a69788796a5b4c3d2e1f0a9b8c7d6)\n",
    );
    expect(versionLine({ tool: "trail-lab", version: "0.1.0", commit: null, dirty: null })).to.equal(
      "trail-lab 0.1.0 (no git commit: not a git checkout, or git is not installed)\n",
    );
  });
});
