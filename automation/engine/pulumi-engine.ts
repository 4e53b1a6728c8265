// The real LabEngine: the Pulumi Automation API's LocalWorkspace on the project root, where
// Pulumi.yaml names infra/ as the program, so the lab runs exactly what `pulumi up` runs.
import {
  CommandError,
  ConcurrentUpdateError,
  LocalWorkspace,
  StackNotFoundError,
  type ConfigMap,
  type Deployment,
  type PulumiCommand,
  type Stack,
} from "@pulumi/pulumi/automation";
import { EngineFailures, type EngineFailure } from "./engine-failures";
import { pulumiCommand } from "./commands";
import type { ConfigValue, LabEngine, LabStack, LeftRunning, StackState } from "./lab-engine";
import { EngineError, LeftRunningError, StackLockedError, UpFailedError } from "./engine-errors";
import { ownGroupPulumi } from "./pulumi-process";
import { PROJECT } from "./stack-config";

export interface PulumiEngineOptions {
  /** The folder holding Pulumi.yaml. */
  workDir: string;
  /** Backend and passphrase variables (backend.ts), added to the user's environment. */
  env: Record<string, string>;
  backend: string;
  /**
   * The run gave up waiting for cleanup: an up or destroy told to stop is left to finish by itself
   * (pulumi-process.ts), and listed by leftRunning().
   */
  letGo?: AbortSignal;
}

export async function createPulumiEngine(options: PulumiEngineOptions): Promise<LabEngine> {
  // Every command in a process group of its own: only the lab signals Pulumi (pulumi-process.ts).
  const killed = new Set<string>();
  // At the give-up, each stopped command's outcome: let go (its error) or ended within the grace (null).
  const outcomes: Promise<LeftRunningError | null>[] = [];
  const pulumiCommand = await ownGroupPulumi(options.env, {
    onKilled: (args) => {
      const at = args.indexOf("--stack");
      if (at >= 0 && args[at + 1]) killed.add(args[at + 1]);
    },
    letGo: options.letGo,
    onGiveUp: (outcome) => outcomes.push(outcome),
  });
  const workspace = await LocalWorkspace.create({ workDir: options.workDir, envVars: options.env, pulumiCommand });
  return new PulumiEngine(workspace, pulumiCommand, killed, outcomes, options);
}

/**
 * `pulumi config set --path` keys for each leaf: `key[0]` indexes a list, `key["name"]` names a map
 * entry (a quoted index would turn a list into a map with the key "0").
 */
function configPaths(value: ConfigValue, at: string): [string, string][] {
  if (typeof value === "string") return [[at, value]];
  const entries: [string, ConfigValue][] = Array.isArray(value)
    ? value.map((v, i) => [`[${i}]`, v])
    : Object.entries(value).map(([k, v]) => [`[${JSON.stringify(k)}]`, v]);
  return entries.flatMap(([step, v]) => configPaths(v, `${at}${step}`));
}

/**
 * What the CLI said when a command failed, stdout then stderr (Pulumi prints a resource's error in
 * its stdout summary, and BucketNotEmpty is matched in it), without the Automation API's wrapper
 * ("code: -2\n stdout: ...\n stderr: ...\n err?: ..."), which repeats the process error.
 */
function outputOf(error: unknown): string {
  if (error instanceof CommandError) {
    // commandResult is marked internal in the typings, but it is what the message is made from.
    const result = (error as unknown as { commandResult?: { stdout?: string; stderr?: string; err?: Error } }).commandResult;
    const said = [result?.stdout?.trim(), result?.stderr?.trim()].filter(Boolean).join("\n") || result?.err?.message;
    return said || error.message;
  }
  return error instanceof Error ? error.message : String(error);
}

function hintFor(output: string): string | undefined {
  if (/passphrase must be set|incorrect passphrase/i.test(output)) {
    return "the stack's secrets need the passphrase it was created with: set PULUMI_CONFIG_PASSPHRASE (or _FILE)";
  }
  return undefined;
}

/** Where a user's shell reaches the same stacks: the backend environment and the project folder. */
type Reach = Pick<LabEngine, "shellEnv" | "workDir">;

function locked(reach: Reach, stack: string, error: ConcurrentUpdateError): StackLockedError {
  return new StackLockedError(stack, error.message, pulumiCommand("cancel", stack, reach));
}

function translate(reach: Reach, command: string, stack: string, error: unknown, failures: EngineFailure[] = []): Error {
  if (error instanceof ConcurrentUpdateError) return locked(reach, stack, error);
  if (error instanceof LeftRunningError) return error;
  const output = outputOf(error);
  return new EngineError(command, output, hintFor(output), failures);
}

class PulumiEngine implements LabEngine {
  readonly workDir: string;
  readonly backend: string;
  readonly shellEnv: Record<string, string>;

  constructor(
    private readonly workspace: LocalWorkspace,
    private readonly pulumiCommand: PulumiCommand,
    /** Stacks one of whose commands a signal killed, in this process: their lock is stale. */
    private readonly killed: Set<string>,
    private readonly outcomes: readonly Promise<LeftRunningError | null>[],
    options: PulumiEngineOptions,
  ) {
    this.workDir = options.workDir;
    this.backend = options.backend;
    this.shellEnv = options.env;
  }

  async openStack(name: string, create: boolean): Promise<LabStack | null> {
    try {
      const stack = create
        ? await LocalWorkspace.createOrSelectStack({ stackName: name, workDir: this.workDir }, this.options())
        : await LocalWorkspace.selectStack({ stackName: name, workDir: this.workDir }, this.options());
      return new PulumiStack(stack, this, this.killed);
    } catch (error) {
      if (!create && error instanceof StackNotFoundError) return null;
      throw translate(this, create ? "stack init" : "stack select", name, error);
    }
  }

  async leftRunning(): Promise<LeftRunning[]> {
    const left = (await Promise.all(this.outcomes)).filter((l): l is LeftRunningError => l !== null);
    return left.map((l) => ({ command: `pulumi ${l.args[0] ?? ""}`, pid: l.pid, output: l.outputDir }));
  }

  async listStacks(): Promise<string[]> {
    try {
      return (await this.workspace.listStacks()).map((s) => s.name);
    } catch (error) {
      throw translate(this, "stack ls", "", error);
    }
  }

  private options() {
    return { envVars: this.shellEnv, pulumiCommand: this.pulumiCommand };
  }
}

class PulumiStack implements LabStack {
  readonly name: string;

  constructor(
    private readonly stack: Stack,
    private readonly reach: Reach,
    private readonly killed: Set<string>,
  ) {
    this.name = stack.name;
  }

  async setConfig(config: Record<string, ConfigValue>): Promise<void> {
    const plain: ConfigMap = {};
    const nested: ConfigMap = {};
    for (const [key, value] of Object.entries(config)) {
      if (typeof value === "string") plain[key] = { value };
      // The program reads a list or map with config.getObject, which parses JSON: one JSON value
      // reaches it exactly, where path-set leaves would have their types guessed ("123" -> 123).
      else if (key.startsWith(`${PROJECT}:`)) plain[key] = { value: JSON.stringify(value) };
      // A provider validates its structured config (aws:defaultTags) and rejects a JSON string.
      else for (const [at, v] of configPaths(value, key)) nested[at] = { value: v };
    }
    try {
      if (Object.keys(plain).length > 0) await this.stack.setAllConfig(plain);
      if (Object.keys(nested).length > 0) await this.stack.setAllConfig(nested, true);
    } catch (error) {
      throw translate(this.reach, "config set-all", this.name, error);
    }
  }

  async getConfig(): Promise<Record<string, string>> {
    try {
      const all = await this.stack.getAllConfig();
      return Object.fromEntries(Object.entries(all).map(([k, v]) => [k, v.value]));
    } catch (error) {
      throw translate(this.reach, "config", this.name, error);
    }
  }

  async up(step: string, onOutput: (text: string) => void, signal: AbortSignal): Promise<void> {
    const failures = new EngineFailures();
    let result: string;
    try {
      // `signal` sends the CLI its one SIGINT; no other reaches it, as it runs in its own group.
      const up = await this.stack.up({ onOutput, onError: onOutput, onEvent: failures.onEvent, signal });
      result = up.summary.result;
    } catch (error) {
      if (error instanceof ConcurrentUpdateError) throw locked(this.reach, this.name, error);
      if (error instanceof LeftRunningError) throw error;
      throw new UpFailedError(step, outputOf(error), failures.list());
    }
    if (result !== "succeeded") throw new UpFailedError(step, `the update's result is '${result}'`, failures.list());
  }

  async outputs(): Promise<Record<string, unknown>> {
    try {
      const outs = await this.stack.outputs();
      return Object.fromEntries(Object.entries(outs).map(([k, v]) => [k, v.value as unknown]));
    } catch (error) {
      throw translate(this.reach, "stack output", this.name, error);
    }
  }

  async exportState(): Promise<StackState> {
    try {
      return (await this.stack.exportStack()) as StackState;
    } catch (error) {
      throw translate(this.reach, "stack export", this.name, error);
    }
  }

  async importState(state: StackState): Promise<void> {
    try {
      await this.stack.importStack(state as unknown as Deployment);
    } catch (error) {
      throw translate(this.reach, "stack import", this.name, error);
    }
  }

  async destroy(onOutput: (text: string) => void, signal: AbortSignal): Promise<void> {
    const failures = new EngineFailures();
    try {
      await this.stack.destroy({ onOutput, onError: onOutput, onEvent: failures.onEvent, signal });
    } catch (error) {
      throw translate(this.reach, "destroy", this.name, error, failures.list());
    }
  }

  async releaseStaleLock(lock?: StackLockedError): Promise<boolean> {
    if (!this.killed.has(this.name) && !lock?.gone) return false;
    try {
      await this.stack.cancel();
    } catch (error) {
      throw translate(this.reach, "cancel", this.name, error);
    }
    this.killed.delete(this.name);
    return true;
  }

  async remove(): Promise<void> {
    try {
      await this.stack.workspace.removeStack(this.name);
    } catch (error) {
      throw translate(this.reach, "stack rm", this.name, error);
    }
  }
}
