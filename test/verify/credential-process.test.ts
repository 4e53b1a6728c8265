// A profile whose credential_process never answers (#20 item 4): `trail-lab verify` as a user runs
// it, a child process with a temporary HOME, ends with the error that names the profile and its
// command once its deadline (from --timeout) has passed, or at once with 130 on SIGINT; either way
// the helper is not left running, even one that ignores SIGTERM.
import { spawn } from "node:child_process";
import * as os from "node:os";
import { expect } from "chai";
import { ExitCode } from "../../common/exit-codes";
import { NO_AWS_VARIABLES, makeAwsHome, type AwsHome } from "../support/aws-home";
import { goneWithin, hangingProcess, processProfiles, startedWithin } from "../support/credential-process";
import { ROOT } from "../support/processes/project-node";
import { runVerifyCli } from "../support/processes/verify-cli";
import { startSilentServer, type SilentServer } from "../support/servers/silent-server";
import { STOP_GRACE_MS } from "../../common/credentials";

describe("verify: a credential_process that never answers", function () {
  this.timeout(120_000);
  let home: AwsHome;
  let silent: SilentServer;

  before(async () => {
    // Where the calls would go once credentials came: they never do.
    silent = await startSilentServer();
  });
  after(() => silent.close());
  afterEach(() => home?.close());

  /** A temporary HOME whose ~/.aws/config gives profile `name` a helper that never answers. */
  function homeWith(name: string, ignoresTerm: boolean) {
    const hanging = hangingProcess(os.tmpdir(), `${name}-${process.pid}-${Date.now()}`, { ignoresTerm });
    home = makeAwsHome("home", { config: processProfiles({ [name]: hanging.command }), credentials: "" });
    return hanging;
  }

  for (const ignoresTerm of [false, true]) {
    it(`--timeout 1: exit 2 once the 5 s floor has passed, naming the profile and its command; the helper${ignoresTerm ? ", which ignores SIGTERM," : ""} is stopped`, async () => {
      const hanging = homeWith("hang", ignoresTerm);
      const run = await runVerifyCli(
        ["--trail", "my-logs-trail", "--profile", "hang", "--timeout", "1", "--no-event-history"],
        { all: silent.endpoint },
        false,
        { env: { ...NO_AWS_VARIABLES, ...home.env, AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined } },
      );
      expect(run.code, run.stderr).to.equal(ExitCode.Usage);
      expect(run.stderr).to.contain("Getting the AWS credentials of profile 'hang' took longer than 5 s").and.contain(hanging.command);
      expect(silent.connections(), "no call was made without credentials").to.equal(0);
      const pid = hanging.pid();
      expect(pid, "the helper ran").to.not.equal(null);
      expect(await goneWithin(pid!, STOP_GRACE_MS + 4_000), `helper ${pid} left running`).to.equal(true);
    });
  }

  it("SIGINT while it waits: exit 130 at once, the helper (ignoring SIGTERM) stopped", async () => {
    const hanging = homeWith("stubborn", true);
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      ...home.env,
      AWS_ENDPOINT_URL: silent.endpoint,
      AWS_EC2_METADATA_DISABLED: "true",
    };
    const child = spawn(
      process.execPath,
      ["bin/trail-lab.js", "verify", "--trail", "my-logs-trail", "--profile", "stubborn", "--timeout", "600"],
      {
        cwd: ROOT,
        env,
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((done) => child.on("close", (code) => done(code)));
    const pid = await startedWithin(hanging, 60_000);
    expect(pid, stderr).to.not.equal(null);
    child.kill("SIGINT");
    // The deadline is 60 s here: an exit before it (within the test's bound) is the signal's doing.
    expect(await exited, stderr).to.equal(ExitCode.Interrupted);
    expect(stderr).to.contain("interrupted");
    expect(await goneWithin(pid!, STOP_GRACE_MS + 4_000), `helper ${pid} left running`).to.equal(true);
  });
});
