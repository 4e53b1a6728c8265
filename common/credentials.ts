// Getting AWS credentials with a deadline and a way to stop. The SDK's chain has neither: a
// profile's `credential_process` that never answers (a hung helper, a prompt nobody sees) holds a
// command forever, and the SDK starts it through exec with no handle to end it. So a profile whose
// credentials come from its own credential_process (the case the chain would hand to fromProcess)
// runs it here, as the SDK would (a shell, the JSON it prints, Version 1), bounded by a deadline and
// ended by the command's signal, and what it started is stopped: the shell and every process under
// it, SIGTERM then SIGKILL. Every other profile (keys, SSO, assume-role, the environment) goes to
// the SDK's default chain, bounded by the same deadline and signal; what that chain started itself
// is the SDK's to end.
//
// A command sets the policy (setCredentialPolicy) for its run: verify with its signal and a
// deadline from --timeout, the lab with a signal of its own. Each provider takes the policy in
// force when its clients are made.
import { execFile, spawn } from "node:child_process";
import type { defaultProvider } from "@aws-sdk/credential-provider-node";
import { TrailLabError } from "./errors";
import { ExitCode } from "./exit-codes";

type Provider = ReturnType<typeof defaultProvider>;
type Credentials = Awaited<ReturnType<Provider>>;

/** How long getting credentials may take, unless the command says otherwise. */
export const DEFAULT_CREDENTIALS_DEADLINE_MS = 60_000;
/** How long a stopped credential_process has between SIGTERM and SIGKILL. */
export const STOP_GRACE_MS = 1_000;
const STOP_POLL_MS = 25;
/** Credentials this close to their expiration are fetched again, as the SDK's chain does. */
const REFRESH_BEFORE_MS = 5 * 60_000;
/** The most a credential_process may print: the SDK's exec allows 1 MiB too. */
const MAX_OUTPUT_BYTES = 1024 * 1024;

export interface CredentialPolicy {
  /**
   * Ends a fetch in flight when it fires: its credential_process is stopped, and the fetch fails
   * with CredentialsInterruptedError (exit code 130). A fetch started afterwards (the lab's
   * cleanup) runs normally.
   * @default none
   */
  signal?: AbortSignal;
  /** @default DEFAULT_CREDENTIALS_DEADLINE_MS */
  deadlineMs?: number;
}

let policy: CredentialPolicy = {};

/** The policy in force: what providers made now will follow. */
export function credentialPolicy(): CredentialPolicy {
  return policy;
}

/** Sets the policy of the providers made from now on; returns what puts the previous one back. */
export function setCredentialPolicy(next: CredentialPolicy): () => void {
  const previous = policy;
  policy = next;
  return () => {
    policy = previous;
  };
}

/** Who the credentials are for, as a message names it. */
function whose(profile: string | undefined): string {
  return profile === undefined ? "the default AWS credentials" : `the AWS credentials of profile '${profile}'`;
}

/** Getting credentials took longer than the deadline: a failed preflight (exit 2). */
export class CredentialsTimeoutError extends TrailLabError {
  constructor(
    readonly profile: string | undefined,
    readonly command: string | null,
    readonly deadlineMs: number,
  ) {
    const seconds = Math.round(deadlineMs / 1000);
    super(
      command === null
        ? `Getting ${whose(profile)} took longer than ${seconds} s. Check them with 'aws sts get-caller-identity${profile === undefined ? "" : ` --profile ${profile}`}'.`
        : `Getting ${whose(profile)} took longer than ${seconds} s: its credential_process (${command}) did not answer, and was stopped. ` +
            `Run it yourself to see why: it must print the credentials as JSON and exit.`,
      ExitCode.Usage,
    );
  }
}

/** A signal ended the fetch: the command was interrupted (exit 130). */
export class CredentialsInterruptedError extends TrailLabError {
  constructor(readonly profile: string | undefined) {
    super(`Interrupted while getting ${whose(profile)}; nothing was changed.`, ExitCode.Interrupted);
  }
}

/** The credential_process failed, or printed no credentials: no credentials (exit 2). */
export class CredentialProcessError extends TrailLabError {
  constructor(
    readonly profile: string,
    readonly command: string,
    reason: string,
  ) {
    super(
      `The credential_process of AWS profile '${profile}' (${command}) ${reason}. Run it yourself: it must print the credentials as JSON (Version 1) and exit 0.`,
      ExitCode.Usage,
    );
  }
}

/** A profile's settings, the credentials file's over the config file's, as the SDK merges them. */
async function profileData(name: string): Promise<Record<string, string | undefined>> {
  const { loadSharedConfigFiles } = await import("@smithy/core/config");
  const { configFile, credentialsFile } = await loadSharedConfigFiles({ ignoreCache: true });
  return { ...configFile[name], ...credentialsFile[name] };
}

/**
 * Whether the SDK's chain would take this profile's credentials from its own credential_process:
 * it has one, and nothing the chain tries first (assume-role, keys, web identity, SSO).
 */
export function ownCredentialProcess(data: Record<string, string | undefined>): string | null {
  const command = data.credential_process;
  if (typeof command !== "string") return null;
  const before = ["role_arn", "aws_access_key_id", "web_identity_token_file", "sso_start_url", "sso_session", "sso_account_id"];
  return before.some((key) => typeof data[key] === "string") ? null : command;
}

/** The credentials a credential_process printed, checked as the SDK checks them. */
export function parseProcessCredentials(profile: string, command: string, stdout: string, accountId?: string): Credentials {
  let data: Record<string, unknown>;
  try {
    data = JSON.parse(stdout.trim()) as Record<string, unknown>;
  } catch {
    throw new CredentialProcessError(profile, command, "printed no JSON");
  }
  if (data.Version !== 1) throw new CredentialProcessError(profile, command, "did not print Version 1");
  if (typeof data.AccessKeyId !== "string" || typeof data.SecretAccessKey !== "string")
    throw new CredentialProcessError(profile, command, "printed no AccessKeyId and SecretAccessKey");
  const expiration = typeof data.Expiration === "string" ? new Date(data.Expiration) : undefined;
  if (expiration && expiration.getTime() < Date.now()) throw new CredentialProcessError(profile, command, "printed expired credentials");
  const account = typeof data.AccountId === "string" ? data.AccountId : accountId;
  return {
    accessKeyId: data.AccessKeyId,
    secretAccessKey: data.SecretAccessKey,
    ...(typeof data.SessionToken === "string" ? { sessionToken: data.SessionToken } : {}),
    ...(expiration ? { expiration } : {}),
    ...(typeof data.CredentialScope === "string" ? { credentialScope: data.CredentialScope } : {}),
    ...(account ? { accountId: account } : {}),
  };
}

/** The pids under `root` (children, theirs, ...), from `ps`; empty when ps cannot tell. */
function descendants(root: number): Promise<number[]> {
  return new Promise((resolve) => {
    execFile("ps", ["-A", "-o", "pid=,ppid="], { timeout: 2_000 }, (error, stdout) => {
      if (error) return resolve([]);
      const children = new Map<number, number[]>();
      for (const line of stdout.split("\n")) {
        const [pid, ppid] = line.trim().split(/\s+/).map(Number);
        if (Number.isInteger(pid) && Number.isInteger(ppid)) children.set(ppid, [...(children.get(ppid) ?? []), pid]);
      }
      const found: number[] = [];
      for (let queue = [root]; queue.length > 0 && found.length < 10_000;) {
        const next = children.get(queue.shift()!) ?? [];
        found.push(...next);
        queue.push(...next);
      }
      resolve(found);
    });
  });
}

/** Sends `signal` (0: only asks whether it is there) to each pid; returns those it reached. */
function signalEach(pids: number[], signal: NodeJS.Signals | 0): number[] {
  return pids.filter((pid) => {
    try {
      process.kill(pid, signal);
      return true;
    } catch {
      return false; // gone already
    }
  });
}

/**
 * Stops a process and everything under it: SIGTERM, then SIGKILL to whatever is still there after
 * STOP_GRACE_MS (a helper that ignores SIGTERM). The list is taken before the first signal, so
 * that children the shell's death hands to init are still found.
 */
export async function stopProcessTree(pid: number): Promise<void> {
  if (process.platform === "win32") {
    signalEach([pid], "SIGKILL");
    return;
  }
  const tree = [pid, ...(await descendants(pid))];
  let alive = signalEach(tree, "SIGTERM");
  // Most helpers are gone within milliseconds: the command need not wait the whole grace for them.
  for (const end = Date.now() + STOP_GRACE_MS; alive.length > 0 && Date.now() < end;) {
    await new Promise((resolve) => setTimeout(resolve, STOP_POLL_MS));
    alive = signalEach(alive, 0);
  }
  signalEach(alive, "SIGKILL");
}

interface Bounds {
  profile: string | undefined;
  deadlineMs: number;
  signal?: AbortSignal;
}

/** Runs the profile's credential_process (through a shell, as the SDK's exec does), within the bounds. */
export function runCredentialProcess(profile: string, command: string, bounds: Bounds, accountId?: string): Promise<Credentials> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, { shell: true, stdio: ["ignore", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let size = 0;
    let settled = false;
    const finish = (outcome: () => Credentials, stop: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      bounds.signal?.removeEventListener("abort", onAbort);
      // The fetch ends now; the stopping runs on (its SIGKILL timer holds the process up to STOP_GRACE_MS).
      if (stop && child.pid !== undefined) void stopProcessTree(child.pid);
      try {
        resolve(outcome());
      } catch (error) {
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    };
    const onAbort = () =>
      finish(() => {
        throw new CredentialsInterruptedError(profile);
      }, true);
    const timer = setTimeout(
      () =>
        finish(() => {
          throw new CredentialsTimeoutError(profile, command, bounds.deadlineMs);
        }, true),
      bounds.deadlineMs,
    );
    bounds.signal?.addEventListener("abort", onAbort, { once: true });
    const keep = (into: Buffer[]) => (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_OUTPUT_BYTES)
        finish(() => {
          throw new CredentialProcessError(profile, command, `printed more than ${MAX_OUTPUT_BYTES} bytes`);
        }, true);
      else into.push(chunk);
    };
    child.stdout.on("data", keep(out));
    child.stderr.on("data", keep(err));
    child.on("error", (error) =>
      finish(() => {
        throw new CredentialProcessError(profile, command, `could not be started (${error.message})`);
      }, false),
    );
    child.on("close", (code, signal) =>
      finish(() => {
        if (code !== 0) {
          const said = Buffer.concat(err).toString("utf8").trim().split("\n").slice(-3).join(" / ");
          throw new CredentialProcessError(profile, command, `exited with ${code ?? signal}${said ? `: ${said}` : ""}`);
        }
        return parseProcessCredentials(profile, command, Buffer.concat(out).toString("utf8"), accountId);
      }, false),
    );
  });
}

/** The SDK chain's answer, or the named error when the deadline or the signal comes first. */
function bounded(fetch: () => Promise<Credentials>, bounds: Bounds): Promise<Credentials> {
  return new Promise((resolve, reject) => {
    const done = () => {
      clearTimeout(timer);
      bounds.signal?.removeEventListener("abort", onAbort);
    };
    const onAbort = () => {
      done();
      reject(new CredentialsInterruptedError(bounds.profile));
    };
    const timer = setTimeout(() => {
      done();
      reject(new CredentialsTimeoutError(bounds.profile, null, bounds.deadlineMs));
    }, bounds.deadlineMs);
    bounds.signal?.addEventListener("abort", onAbort, { once: true });
    fetch().then(
      (credentials) => {
        done();
        resolve(credentials);
      },
      (error: unknown) => {
        done();
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}

/**
 * The credential provider every client of a command shares: `profile` (else AWS_PROFILE, else the
 * default profile) as the SDK's default chain resolves it, each fetch within the policy in force
 * now. Credentials are kept until five minutes before they expire; concurrent callers share one fetch.
 */
export function credentialProvider(profile: string | undefined): Provider {
  const bounds: Bounds = { profile, deadlineMs: policy.deadlineMs ?? DEFAULT_CREDENTIALS_DEADLINE_MS, signal: policy.signal };
  let chain: Provider | undefined;
  let kept: Credentials | undefined;
  let inFlight: Promise<Credentials> | undefined;
  const fromChain = async (name: string | undefined) => {
    const { defaultProvider: make } = await import("@aws-sdk/credential-provider-node");
    chain ??= make(name === undefined ? {} : { profile: name });
    return chain();
  };
  const fetch = async (): Promise<Credentials> => {
    const name = profile ?? (process.env.AWS_PROFILE || undefined);
    const named = { ...bounds, profile: name };
    // The chain takes the environment's keys first when no profile is named.
    if (name === undefined && process.env.AWS_ACCESS_KEY_ID && process.env.AWS_SECRET_ACCESS_KEY)
      return bounded(() => fromChain(name), named);
    const data = await profileData(name ?? "default");
    const command = ownCredentialProcess(data);
    if (command !== null) return runCredentialProcess(name ?? "default", command, named, data.aws_account_id);
    return bounded(() => fromChain(name), named);
  };
  return () => {
    const expiration = kept?.expiration?.getTime();
    if (kept && (expiration === undefined || expiration - Date.now() > REFRESH_BEFORE_MS)) return Promise.resolve(kept);
    inFlight ??= fetch()
      .then((credentials) => (kept = credentials))
      .finally(() => {
        inFlight = undefined;
      });
    return inFlight;
  };
}
