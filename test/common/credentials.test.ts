// Getting credentials within a deadline and a signal (common/credentials.ts): a profile's own
// credential_process runs here, bounded, and is stopped with everything under it; other profiles
// go to the SDK's chain. Real processes, real files in a temporary HOME, the provider in process.
import * as os from "node:os";
import { expect } from "chai";
import { ExitCode } from "../../common/exit-codes";
import {
  CredentialProcessError,
  CredentialsInterruptedError,
  CredentialsTimeoutError,
  STOP_GRACE_MS,
  credentialProvider,
  ownCredentialProcess,
  setCredentialPolicy,
} from "../../common/credentials";
import { KEYS, NO_AWS_VARIABLES, makeAwsHome, type AwsHome } from "../support/aws-home";
import { answeringProcess, goneWithin, hangingProcess, processProfiles, startedWithin } from "../support/credential-process";

describe("common/credentials: a deadline and a signal for getting credentials", function () {
  this.timeout(30_000);
  let home: AwsHome;
  let saved: NodeJS.ProcessEnv;
  let restorePolicy: () => void = () => undefined;

  beforeEach(() => {
    saved = { ...process.env };
  });
  afterEach(() => {
    restorePolicy();
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
    Object.assign(process.env, saved);
    home?.close();
  });

  /** The process's environment as a user's shell with these profiles: the SDK reads the process's own. */
  function profiles(config: string, credentials = ""): void {
    home = makeAwsHome("variables", { config, credentials });
    for (const key of Object.keys(NO_AWS_VARIABLES)) delete process.env[key];
    Object.assign(process.env, home.env, { AWS_EC2_METADATA_DISABLED: "true" });
  }

  /** The provider's rejection (it must reject). */
  async function rejection(promise: Promise<unknown>): Promise<Error> {
    try {
      await promise;
    } catch (error) {
      return error as Error;
    }
    throw new Error("the fetch resolved");
  }

  it("runs the profile's credential_process and takes the credentials it prints", async () => {
    profiles(processProfiles({ helper: answeringProcess(KEYS.lab) }));
    const credentials = await credentialProvider("helper")();
    expect(credentials).to.include({ accessKeyId: KEYS.lab.accessKeyId, secretAccessKey: KEYS.lab.secretAccessKey });
  });

  it("a credential_process that never answers fails at the deadline, naming the profile and its command, and is stopped", async () => {
    const hanging = hangingProcess(os.tmpdir(), `hang-${process.pid}-${Date.now()}`);
    profiles(processProfiles({ hang: hanging.command }));
    restorePolicy = setCredentialPolicy({ deadlineMs: 1_000 });
    const error = await rejection(credentialProvider("hang")());
    expect(error).to.be.instanceOf(CredentialsTimeoutError);
    expect((error as CredentialsTimeoutError).exitCode).to.equal(ExitCode.Usage);
    expect(error.message).to.contain("profile 'hang'").and.contain(hanging.command).and.contain("took longer than 1 s");
    const pid = hanging.pid();
    expect(pid, "the helper started").to.not.equal(null);
    expect(await goneWithin(pid!, 5_000), `pid ${pid} still running`).to.equal(true);
  });

  it("a helper that ignores SIGTERM is killed once the grace has passed", async () => {
    const hanging = hangingProcess(os.tmpdir(), `stubborn-${process.pid}-${Date.now()}`, { ignoresTerm: true });
    profiles(processProfiles({ stubborn: hanging.command }));
    restorePolicy = setCredentialPolicy({ deadlineMs: 1_000 });
    const error = await rejection(credentialProvider("stubborn")());
    expect(error).to.be.instanceOf(CredentialsTimeoutError);
    const pid = hanging.pid()!;
    expect(await goneWithin(pid, STOP_GRACE_MS + 4_000), `pid ${pid} still running`).to.equal(true);
  });

  it("the signal ends the fetch at once with CredentialsInterruptedError (exit 130), long before the deadline, and stops the helper", async () => {
    const hanging = hangingProcess(os.tmpdir(), `signal-${process.pid}-${Date.now()}`, { ignoresTerm: true });
    profiles(processProfiles({ default: hanging.command }));
    const stop = new AbortController();
    // A deadline past the test's own timeout: only the signal can end this fetch in time.
    restorePolicy = setCredentialPolicy({ signal: stop.signal, deadlineMs: 10 * 60_000 });
    const fetch = rejection(credentialProvider(undefined)());
    const pid = await startedWithin(hanging, 10_000);
    expect(pid, "the helper started").to.not.equal(null);
    stop.abort();
    const error = await fetch;
    expect(error).to.be.instanceOf(CredentialsInterruptedError);
    expect((error as CredentialsInterruptedError).exitCode).to.equal(ExitCode.Interrupted);
    expect(error.message).to.contain("profile 'default'");
    expect(await goneWithin(pid!, STOP_GRACE_MS + 4_000), `pid ${pid} still running`).to.equal(true);
  });

  it("a fetch started after the signal runs (the lab's cleanup still needs credentials)", async () => {
    profiles(processProfiles({ helper: answeringProcess(KEYS.ci) }));
    const stop = new AbortController();
    stop.abort();
    restorePolicy = setCredentialPolicy({ signal: stop.signal, deadlineMs: 10_000 });
    expect(await credentialProvider("helper")()).to.include({ accessKeyId: KEYS.ci.accessKeyId });
  });

  it("a credential_process that fails names its profile, its command and what it said", async () => {
    profiles(processProfiles({ broken: `sh -c 'echo "token expired, run aws sso login" >&2; exit 3'`, silent: "true" }));
    const failed = await rejection(credentialProvider("broken")());
    expect(failed).to.be.instanceOf(CredentialProcessError);
    expect(failed.message).to.contain("profile 'broken'").and.contain("exited with 3: token expired, run aws sso login");
    const empty = await rejection(credentialProvider("silent")());
    expect(empty).to.be.instanceOf(CredentialProcessError);
    expect(empty.message).to.contain("printed no JSON");
  });

  it("other profiles go to the SDK's chain: keys in the credentials file, and AWS_PROFILE naming one", async () => {
    profiles(
      "[profile lab]\nregion = us-east-1\n",
      `[lab]\naws_access_key_id = ${KEYS.lab.accessKeyId}\naws_secret_access_key = ${KEYS.lab.secretAccessKey}\n`,
    );
    expect(await credentialProvider("lab")()).to.include({ accessKeyId: KEYS.lab.accessKeyId });
    process.env.AWS_PROFILE = "lab";
    expect(await credentialProvider(undefined)()).to.include({ accessKeyId: KEYS.lab.accessKeyId });
  });

  it("the chain keeps its order: a role, keys, web identity or SSO come before credential_process", () => {
    expect(ownCredentialProcess({ credential_process: "helper" })).to.equal("helper");
    for (const key of ["role_arn", "aws_access_key_id", "web_identity_token_file", "sso_start_url", "sso_session"])
      expect(ownCredentialProcess({ credential_process: "helper", [key]: "x" }), key).to.equal(null);
    expect(ownCredentialProcess({ region: "us-east-1" })).to.equal(null);
  });
});
