// The Pulumi engine as the lab sees it: a few stack operations behind an interface, so that the
// order of phases, failures and signals can be tested without the Pulumi CLI. pulumi-engine.ts
// is the real one (Automation API); tests use a recording fake.
import type { StackLockedError } from "./engine-errors";

/** A config value: a string, or a YAML list or map (trail-lab:athenaRegions, trail-lab:tags) kept as one. */
export type ConfigValue = string | ConfigValue[] | { [key: string]: ConfigValue };

export interface LabStack {
  readonly name: string;
  setConfig(config: Record<string, ConfigValue>): Promise<void>;
  getConfig(): Promise<Record<string, string>>;
  /**
   * Runs `pulumi up`, streaming engine output; throws UpFailedError when the update does not
   * succeed. When `signal` fires, Pulumi gets its one SIGINT: it finishes the operations in flight
   * and stops (the update then fails as canceled). No other signal reaches it.
   */
  up(step: string, onOutput: (text: string) => void, signal: AbortSignal): Promise<void>;
  outputs(): Promise<Record<string, unknown>>;
  /** The exported deployment (`pulumi stack export`): `{ version, deployment: { resources, pending_operations } }`. */
  exportState(): Promise<StackState>;
  importState(state: StackState): Promise<void>;
  /**
   * Runs `pulumi destroy`; throws EngineError (with the engine's output) when it fails. `signal` as
   * for up. An up or destroy the engine lets go of (a give-up) throws LeftRunningError at once.
   */
  destroy(onOutput: (text: string) => void, signal: AbortSignal): Promise<void>;
  /**
   * Removes the lock a Pulumi command of this run left when a signal killed it (the OOM killer, a
   * `kill -9`): the lab saw that process die, so the lock is stale for certain, and every later
   * command would refuse the stack over it. Given the refusal a command met (`lock`), also the lock
   * of an earlier run when every Pulumi holding it is gone for certain (`lock.gone`: of this host,
   * no longer running). `pulumi cancel`; a lock that may still be held is never touched. Returns
   * whether it removed one.
   */
  releaseStaleLock(lock?: StackLockedError): Promise<boolean>;
  /** `pulumi stack rm`: the stack's history and its Pulumi.<stack>.yaml go too. */
  remove(): Promise<void>;
}

/**
 * How long, after a give-up, an engine still waits for a command it told to stop to end by
 * itself, before it lets it go (it then finishes what is in flight on its own).
 */
export const GIVE_UP_GRACE_MS = 5_000;

/** A Pulumi command the run gave up waiting for: it finishes what is in flight and exits by itself. */
export interface LeftRunning {
  /** `pulumi up`, `pulumi destroy`. */
  command: string;
  pid: number;
  /** The folder it writes its stdout and stderr into. */
  output: string;
}

export interface LabEngine {
  /** Selects the stack; creates it when `create` is set, otherwise returns null when it does not exist. */
  openStack(name: string, create: boolean): Promise<LabStack | null>;
  listStacks(): Promise<string[]>;
  /** Where the state lives, for messages: a file:// URL, a cloud URL, or "logged-in account". */
  readonly backend: string;
  /** Environment a user must set to reach the same backend from a shell (`pulumi destroy` later). */
  readonly shellEnv: Record<string, string>;
  readonly workDir: string;
  /**
   * The commands the run gave up waiting for (the `letGo` the engine was opened with): each still
   * holds its stack's lock until it ends. Settles once every command the give-up stopped has
   * ended or been let go (within a grace of a few seconds).
   */
  leftRunning(): Promise<LeftRunning[]>;
}

export interface PendingOperation {
  type: string;
  resource: { urn: string; type?: string; id?: string };
}

export interface StackState {
  version?: number;
  deployment?: {
    resources?: { urn: string; type: string; id?: string; outputs?: Record<string, unknown> }[];
    pending_operations?: PendingOperation[];
    [key: string]: unknown;
  };
  [key: string]: unknown;
}

/** Removes pending operations from an exported state; returns the cleaned state and what it removed. */
export function clearPendingOperations(state: StackState): { state: StackState; cleared: PendingOperation[] } {
  const pending = state.deployment?.pending_operations ?? [];
  if (pending.length === 0) return { state, cleared: [] };
  return {
    state: { ...state, deployment: { ...state.deployment, pending_operations: [] } },
    cleared: pending,
  };
}

/** Engine output arrives in chunks that end in a newline; the lab logs it line by line. */
export function logLines(log: (line: string) => void): (text: string) => void {
  return (text) => {
    for (const line of text.replace(/\n$/, "").split("\n")) log(line);
  };
}
