// The lab's command line: flag parsing, --json (exactly one object on stdout), and the real
// `npm run lab` on a machine without Pulumi: exit 2 at once, with how to install it, creating nothing.
import { expect } from "chai";
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { main, parseLabArgs, type CliIo } from "../../../automation/cli";
import { UsageError } from "../../../common/errors";
import { findOnPath } from "../../../automation/aws/preflight";
import { ExitCode } from "../../../common/exit-codes";
import { Fakes, evidence } from "../../support/doubles/lab-fakes";

const ROOT = path.resolve(__dirname, "../../..");

function io(fakes: Fakes, out: string[], err: string[]): CliIo {
  return { stdout: (t) => out.push(t), stderr: (t) => err.push(t), env: {}, signals: fakes.signals, projectDir: fakes.projectDir };
}

describe("automation/cli: flags", function () {
  it("has the lab's defaults", function () {
    expect(parseLabArgs([])).to.deep.equal({
      help: false,
      version: false,
      debug: false,
      json: false,
      keep: false,
      stack: undefined,
      profile: undefined,
      region: undefined,
      cleanup: undefined,
      settleMs: 60_000,
      timeoutMs: undefined,
      waitDigest: false,
      search: "s3",
      dataEvents: false,
    });
  });

  it("reads every flag", function () {
    expect(
      parseLabArgs([
        "--stack",
        "lab-mine",
        "--profile",
        "lab",
        "--region",
        "eu-west-1",
        "--keep",
        "--settle",
        "90",
        "--timeout",
        "1200",
        "--search",
        "athena",
        "--data-events",
        "--json",
        "--debug",
      ]),
    ).to.deep.equal({
      help: false,
      version: false,
      debug: true,
      json: true,
      keep: true,
      stack: "lab-mine",
      profile: "lab",
      region: "eu-west-1",
      cleanup: undefined,
      settleMs: 90_000,
      timeoutMs: 1_200_000,
      waitDigest: false,
      search: "athena",
      dataEvents: true,
    });
    expect(parseLabArgs(["--wait-digest"]).waitDigest).to.equal(true);
    expect(parseLabArgs(["--search", "athena"]).search).to.equal("athena");
    expect(() => parseLabArgs(["--search", "bigquery"])).to.throw(/--search is s3 or athena/);
    expect(() => parseLabArgs(["--cleanup", "lab-old", "--search", "athena"])).to.throw(/--cleanup/);
    // --engine was the old name of --search: refused with the new one named, never taken as it.
    expect(() => parseLabArgs(["--engine", "athena"])).to.throw(UsageError, "--engine is now --search: write --search <value> instead");
    expect(() => parseLabArgs(["--engine=athena"])).to.throw("write --search=athena instead");
    expect(parseLabArgs(["--cleanup", "lab-old", "--region", "us-east-2"])).to.include({ cleanup: "lab-old", region: "us-east-2" });
    expect(parseLabArgs(["--settle", "0"]).settleMs).to.equal(0);
  });

  const bad: [string[], string][] = [
    [["--bogus"], "bogus"],
    [["--settle", "soon"], "--settle takes a plain decimal number of seconds"],
    [["--timeout=-1"], "--timeout takes a plain decimal number of seconds"],
    [["--timeout", "-1"], "--timeout takes a plain decimal number of seconds"],
    [["--settle", "0x10"], "--settle takes a plain decimal number of seconds from 0 to 2147483"],
    [["--timeout", "2147484"], "--timeout takes a plain decimal number of seconds from 0 to 2147483"],
    [["--settle", "1e3"], "--settle takes a plain decimal number of seconds"],
    [["--cleanup", "lab-old", "--keep"], "--cleanup <stack>"],
    [["--cleanup", "lab-old", "--wait-digest"], "--cleanup <stack>"],
    [["--region", "Europe"], "does not look like an AWS region"],
    [["extra"], "extra"],
  ];
  for (const [argv, message] of bad) {
    it(`rejects ${argv.join(" ")} with a usage error (exit 2)`, async function () {
      expect(() => parseLabArgs(argv)).to.throw(UsageError, message);
      const fakes = new Fakes();
      const out: string[] = [];
      const err: string[] = [];
      expect(await main(argv, io(fakes, out, err), fakes.deps())).to.equal(ExitCode.Usage);
      expect(out).to.deep.equal([]);
      expect(err.join("")).to.contain(message);
      expect(fakes.steps()).to.deep.equal([]);
      fakes.cleanup();
    });
  }
});

describe("automation/cli: output", function () {
  let fakes: Fakes;
  afterEach(() => fakes.cleanup());

  it("--json prints exactly one JSON object on stdout, every field present, progress on stderr", async function () {
    fakes = new Fakes();
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(["--json", "--stack", "lab-json", "--region", "eu-west-1", "--settle", "0"], io(fakes, out, err), fakes.deps());
    expect(code).to.equal(ExitCode.Ok);
    expect(out).to.have.length(1);
    const report = JSON.parse(out[0]);
    expect(report).to.have.all.keys(
      "command",
      "stack",
      "region",
      "accountId",
      "callerArn",
      "backend",
      "startedAt",
      "finishedAt",
      "exitCode",
      "verified",
      "outputs",
      "since",
      "verify",
      "posture",
      "integrity",
      "dataEvents",
      "rawObject",
      "rawObjectBytes",
      "rawObjectSha256",
      "instance",
      "evidenceFile",
      "timings",
      "cleanup",
      "interrupted",
      "error",
      "warnings",
    );
    expect(report).to.include({ stack: "lab-json", verified: true, exitCode: 0, interrupted: null, error: null });
    expect(report.integrity).to.deep.equal({ status: "not-checked", reason: "no digest yet", result: null });
    expect(report.dataEvents).to.equal(null);
    expect(report.evidenceFile).to.equal(path.join(fakes.projectDir, "lab-runs", "lab-json", "evidence.json"));
  });

  it("prints a human summary that says what is left when cleanup is incomplete", async function () {
    fakes = new Fakes({ destroyFails: true, verify: async () => Promise.resolve(evidence(false)) });
    const out: string[] = [];
    const code = await main(["--stack", "lab-sum", "--region", "eu-west-1"], io(fakes, out, []), fakes.deps());
    expect(code).to.equal(ExitCode.CleanupIncomplete);
    const text = out.join("");
    expect(text)
      .to.contain("NOT verified")
      .and.contain("cleanup: INCOMPLETE")
      .and.contain("npm run lab -- --cleanup lab-sum")
      .and.contain("exit code 4");
  });

  it("--help prints the flags", async function () {
    fakes = new Fakes();
    const out: string[] = [];
    expect(await main(["--help"], io(fakes, out, []), fakes.deps())).to.equal(ExitCode.Ok);
    for (const flag of ["--stack", "--region", "--keep", "--cleanup", "--settle", "--timeout", "--json"])
      expect(out.join("")).to.contain(flag);
  });
});

describe("automation/cli: an error printed once, and --debug", function () {
  let fakes: Fakes;
  afterEach(() => fakes.cleanup());

  async function failedProbe(extra: string[]) {
    fakes = new Fakes({ upFails: "probe" });
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(["--stack", "lab-fail", "--region", "eu-west-1", "--settle", "0", ...extra], io(fakes, out, err), fakes.deps());
    return { code, stdout: out.join(""), stderr: err.join("") };
  }

  it("without --debug: the failure once across stdout and stderr, without a class name", async function () {
    const { code, stdout, stderr } = await failedProbe([]);
    expect(code).to.equal(ExitCode.AwsError);
    const both = stdout + stderr;
    expect(both.split("pulumi up (probe) failed").length - 1, both).to.equal(1);
    expect(stderr).to.contain("creating EC2 Instance: UnauthorizedOperation");
    expect(stdout).to.contain("failed (exit 3): the error is printed on stderr");
    expect(both).to.not.match(/UpFailedError|--debug: |raw Pulumi output|\n\s+at /);
  });

  it("with --debug: the error's class, the raw Pulumi output and the stack as well", async function () {
    const { code, stderr } = await failedProbe(["--debug"]);
    expect(code).to.equal(ExitCode.AwsError);
    expect(stderr).to.match(/--debug: the error in full\nUpFailedError: pulumi up \(probe\) failed/);
    expect(stderr).to.match(/\n {2}raw Pulumi output:\n {4}creating EC2 Instance: UnauthorizedOperation\n/);
    expect(stderr).to.match(/\n {2}at /);
  });
});

describe("automation/cli: `npm run lab` without the Pulumi CLI", function () {
  let copy: string;
  afterEach(() => fs.rmSync(copy, { recursive: true, force: true }));

  function listing(dir: string): string[] {
    return (
      fs
        .readdirSync(dir, { recursive: true, encoding: "utf8" })
        // build/ is the commands' own (the install's build, V8's code cache beside it), not the lab's doing.
        .filter((p) => !p.startsWith("node_modules") && !p.startsWith("build"))
        .sort()
    );
  }

  it("ends with the missing-CLI message and exit 2, and creates nothing", async function () {
    // A copy of the project (node_modules and the other rooms linked), so that whatever it might
    // create would land where this test looks. verify/ is left out on purpose: the lab loads it
    // only once preflight has passed, so a failed preflight must not need it.
    copy = fs.mkdtempSync(path.join(os.tmpdir(), "trail-lab-npm-"));
    for (const file of ["package.json", "tsconfig.json", "Pulumi.yaml", "Pulumi.dev.yaml"])
      fs.copyFileSync(path.join(ROOT, file), path.join(copy, file));
    for (const dir of ["automation", "bin"]) fs.cpSync(path.join(ROOT, dir), path.join(copy, dir), { recursive: true });
    for (const dir of ["node_modules", "common", "infra"]) fs.symlinkSync(path.join(ROOT, dir), path.join(copy, dir));
    // The build npm ci makes (its prepare script), of what the copy holds.
    const built = spawnSync(process.execPath, ["bin/build.js"], { cwd: copy, encoding: "utf8" });
    expect(built.status, built.stderr).to.equal(0);
    const before = listing(copy);

    const pathWithoutPulumi = (process.env.PATH ?? "")
      .split(path.delimiter)
      .filter((dir) => dir && !findOnPath("pulumi", { PATH: dir }))
      .join(path.delimiter);
    const env: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env)) if (!/^(AWS_|PULUMI_|FAKE_PULUMI_)/.test(k)) env[k] = v;
    Object.assign(env, {
      PATH: pathWithoutPulumi,
      AWS_CONFIG_FILE: path.join(copy, "no-aws-config"),
      AWS_SHARED_CREDENTIALS_FILE: path.join(copy, "no-aws-credentials"),
      AWS_EC2_METADATA_DISABLED: "true",
    });
    expect(findOnPath("pulumi", env), "the test's PATH still has a pulumi").to.equal(null);

    const npm = process.platform === "win32" ? "npm.cmd" : "npm";
    const child = spawn(npm, ["run", "-s", "lab"], { cwd: copy, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    // Not a timed assertion: a hung lab is killed so the test fails instead of blocking the suite.
    const guard = setTimeout(() => child.kill("SIGKILL"), 60_000);
    const code = await new Promise<number | null>((resolve) => child.on("close", (c) => resolve(c)));
    clearTimeout(guard);

    expect(code, stderr).to.equal(ExitCode.Usage);
    expect(stderr)
      .to.contain("The 'pulumi' command was not found on PATH")
      .and.contain("https://www.pulumi.com/docs/iac/download-install/");
    expect(stdout).to.contain("exit code 2");
    // Printed once (it was on stderr and again in the stdout summary), and without the class name.
    const said = (stdout + stderr).split("The 'pulumi' command was not found on PATH").length - 1;
    expect(said, `stdout:\n${stdout}\nstderr:\n${stderr}`).to.equal(1);
    expect(stdout + stderr).to.not.contain("MissingToolError");
    expect(listing(copy)).to.deep.equal(before);
    expect(fs.existsSync(path.join(copy, ".pulumi-state"))).to.equal(false);
    expect(fs.existsSync(path.join(copy, "lab-runs"))).to.equal(false);
  });
});
