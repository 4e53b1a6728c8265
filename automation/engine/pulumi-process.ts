// The Pulumi CLI as the lab runs it: each command in a process group (a session) of its own, so
// that no signal meant for the lab reaches Pulumi by itself: not a terminal's Ctrl-C to the
// foreground group, not npm's forwarded copy of it, not a supervisor's SIGTERM to the lab's pid.
// Pulumi hears only the lab, and at most once per command: one SIGINT makes it finish what is in
// flight and stop; a second makes it abandon the creates in flight, which the lab must never cause.
//
// The Automation API spawns the CLI in the lab's own group (cmd.js, execa without `detached`) and
// takes no spawn options, so this replaces the one method it runs every command through,
// PulumiCommand.run, on a PulumiCommand found and version-checked as the Automation API does.
// It also lets a run that gave up on cleanup end before an up or destroy it told to stop has
// (OwnGroupOptions.letGo): Pulumi then finishes what is in flight by itself.
import { spawn, type ChildProcess } from "node:child_process";
import * as path from "node:path";
import { PulumiCommand } from "@pulumi/pulumi/automation";
import * as automationErrors from "@pulumi/pulumi/automation/errors";
import type { CommandError } from "@pulumi/pulumi/automation";
import * as os from "node:os";
import { commandOutput, type CommandOutput } from "./command-output";
import { describe } from "../../common/errors";
import { LeftRunningError } from "./engine-errors";
import { GIVE_UP_GRACE_MS } from "./lab-engine";

/** What the Automation API reads of a finished command (its CommandResult, internal to it). */
interface CommandResult {
  stdout: string;
  stderr: string;
  code: number;
  err?: Error;
  toString(): string;
}

/** PulumiCommand.run's signature, marked internal in the Automation API's typings. */
type Run = (
  args: string[],
  cwd: string,
  additionalEnv: Record<string, string>,
  onOutput?: (data: string) => void,
  onError?: (data: string) => void,
  signal?: AbortSignal,
) => Promise<CommandResult>;

// The Automation API's own classification of a failed command (StackNotFoundError,
// ConcurrentUpdateError, ...), internal too, so that `instanceof` keeps working for callers.
const automation = automationErrors as unknown as { createCommandError(result: CommandResult): CommandError };

/**
 * The error the Automation API would raise. Its execa rejects every failed command, so the text it
 * classifies holds stdout and stderr alike; the error returned keeps them apart, as the CLI wrote them.
 */
function commandError(failed: CommandResult): CommandError {
  const kind = automation.createCommandError(result("", `${failed.stderr}\n${failed.stdout}`, failed.code)).constructor as new (
    r: CommandResult,
  ) => CommandError;
  return new kind(failed);
}

const SKIP_VERSION_CHECK_VAR = "PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK";

/** Process groups are a POSIX thing; on Windows a detached child would get a console of its own instead. */
const OWN_GROUP = process.platform !== "win32";

/** Told of a command that a signal killed (the OOM killer, a `kill -9`): it died holding its stack's lock. */
export type OnKilled = (args: string[], signal: NodeJS.Signals) => void;

export interface OwnGroupOptions {
  onKilled?: OnKilled;
  /**
   * The run gave up waiting for cleanup. A command the lab has told to stop (an up or a destroy
   * that got its SIGINT) gets GIVE_UP_GRACE_MS to end; then it is no longer waited for: it
   * finishes what is in flight by itself, writing on into its output files, and its call rejects
   * with LeftRunningError.
   */
  letGo?: AbortSignal;
  /**
   * Told, at the give-up, of each command it found told to stop and still running: the outcome
   * settles within the grace, with the LeftRunningError of a command let go, or null for one that ended.
   */
  onGiveUp?: (outcome: Promise<LeftRunningError | null>) => void;
}

/** The `pulumi` on PATH, checked against the SDK's minimum version, running each command in its own group. */
export async function ownGroupPulumi(env: Record<string, string | undefined>, options: OwnGroupOptions = {}): Promise<PulumiCommand> {
  const found = await PulumiCommand.get({ skipVersionCheck: Boolean(env[SKIP_VERSION_CHECK_VAR] || process.env[SKIP_VERSION_CHECK_VAR]) });
  const run: Run = (args, cwd, additionalEnv, onOutput, onError, signal) =>
    runInOwnGroup(found.command, args, cwd, additionalEnv, options, onOutput, onError, signal);
  return Object.assign(Object.create(found) as PulumiCommand, { run });
}

function result(stdout: string, stderr: string, code: number, err?: Error): CommandResult {
  return {
    stdout,
    stderr,
    code,
    err,
    toString: () => `code: ${code}\n stdout: ${stdout}\n stderr: ${stderr}\n err?: ${err ? String(err) : ""}\n`,
  };
}

/** The lab stopped the run before this command began: it is not started, to be signalled at once. */
class NotStartedError extends Error {
  constructor(args: string[]) {
    super(`pulumi ${args[0] ?? ""} was not started: the run had already been stopped`);
    this.name = "NotStartedError";
  }
}

/**
 * Runs one command as PulumiCommand.run does (--non-interactive, PULUMI_AUTOMATION_API, the CLI's
 * folder first on PATH, output streamed), but detached into a new session, an up's or destroy's
 * output written into files (command-output.ts), and with `signal` sending it exactly one SIGINT,
 * to the CLI's pid, as the Automation API's own `signal` does; at a give-up (`letGo`) such a
 * command is waited for GIVE_UP_GRACE_MS more, then left to end by itself.
 */
function runInOwnGroup(
  command: string,
  args: string[],
  cwd: string,
  additionalEnv: Record<string, string>,
  options: OwnGroupOptions,
  onOutput?: (data: string) => void,
  onError?: (data: string) => void,
  signal?: AbortSignal,
): Promise<CommandResult> {
  if (!args.includes("--non-interactive")) args.push("--non-interactive");
  const env: NodeJS.ProcessEnv = { ...process.env, ...additionalEnv, PULUMI_AUTOMATION_API: "true" };
  // As the Automation API does: the plugins bundled beside an absolute CLI come first.
  if (path.isAbsolute(command)) env.PATH = `${path.dirname(command)}${path.delimiter}${additionalEnv.PATH ?? process.env.PATH ?? ""}`;
  if (signal?.aborted) {
    const notStarted = new NotStartedError(args);
    return Promise.reject(commandError(result("", notStarted.message, -2, notStarted)));
  }
  const { onKilled, letGo, onGiveUp } = options;
  // Only an up or a destroy (the commands run with a signal) may be let go, so only they write into files.
  let output: CommandOutput;
  try {
    output = commandOutput(args[0] ?? "command", signal !== undefined, onOutput, onError);
  } catch (error) {
    const message = `pulumi ${args[0] ?? ""} was not started: its output files could not be made in ${os.tmpdir()} (${describe(error)}); set TMPDIR to a writable folder`;
    return Promise.reject(commandError(result("", message, -2, new Error(message))));
  }
  return new Promise((resolve, reject) => {
    let child: ChildProcess;
    try {
      child = spawn(command, args, { cwd, env, detached: OWN_GROUP, stdio: output.stdio });
    } catch (error) {
      // A spawn that throws (a NUL in the environment, arguments too long): nothing runs, nothing is left open.
      output.attach(null);
      output.finish();
      const failed = error instanceof Error ? error : new Error(String(error));
      return reject(commandError(result("", failed.message, -2, failed)));
    }
    output.attach(child);
    let signalled = false;
    // 'close' can follow 'error' (a spawn that failed): the output is read and the call settled once.
    let ended = false;
    let leftRunning = false;
    let outcome: ((left: LeftRunningError | null) => void) | null = null;
    let grace: NodeJS.Timeout | undefined;
    const running = () => child.exitCode === null && child.signalCode === null;
    const stop = () => {
      // One SIGINT per command, and none to a process that has already ended (its pid may be reused).
      if (signalled || !running()) return;
      signalled = true;
      child.kill("SIGINT");
      if (letGo?.aborted) giveUp();
    };
    // Only a command told to stop is let go: the others (reads, config) end by themselves, soon.
    const giveUp = () => {
      if (!signalled || outcome || ended || !running() || child.pid === undefined) return;
      onGiveUp?.(new Promise((settle) => (outcome = settle)));
      grace = setTimeout(leaveRunning, GIVE_UP_GRACE_MS);
    };
    const leaveRunning = () => {
      if (ended) return;
      leftRunning = true;
      detach();
      output.abandon();
      child.unref();
      const left = new LeftRunningError(args, child.pid!, output.dir ?? "");
      outcome?.(left);
      reject(left);
    };
    const detach = () => {
      clearTimeout(grace);
      signal?.removeEventListener("abort", stop);
      letGo?.removeEventListener("abort", giveUp);
    };
    signal?.addEventListener("abort", stop, { once: true });
    letGo?.addEventListener("abort", giveUp, { once: true });
    const settle = () => {
      detach();
      if (leftRunning || ended) return false;
      ended = true;
      outcome?.(null);
      return true;
    };
    child.on("error", (error) => {
      if (!settle()) return;
      output.finish();
      reject(commandError(result("", error.message, -2, error)));
    });
    child.on("close", (code, killedBy) => {
      if (!settle()) return;
      // execa strips the final newline; the Automation API parses what is left.
      const said = output.finish();
      const out = said.stdout.replace(/\r?\n$/, "");
      const err = said.stderr.replace(/\r?\n$/, "");
      if (code === 0) return resolve(result(out, err, 0));
      const exit = code ?? -1;
      if (killedBy) onKilled?.(args, killedBy);
      reject(
        commandError(
          result(out, err, exit, new Error(`pulumi ${args.join(" ")} ${killedBy ? `was killed by ${killedBy}` : `exited ${exit}`}`)),
        ),
      );
    });
  });
}
