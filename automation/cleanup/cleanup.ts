// Cleanup after a lab run or for `--cleanup`: clear pending operations after an unfinished up,
// destroy with retries on BucketNotEmpty, sweep by the stack tag, remove the stack, and list what
// is left (with the commands that remove it) when any of that did not finish.
import type { LabEngine, LabStack, LeftRunning, PendingOperation, StackState } from "../engine/lab-engine";
import { GIVE_UP_GRACE_MS } from "../engine/lab-engine";
import { clearPendingOperations, logLines } from "../engine/lab-engine";
import { describe } from "../../common/errors";
import { EngineError, LeftRunningError, StackLockedError } from "../engine/engine-errors";
import { unlessAborted, type Sleep } from "../signals";
import type { Leftover } from "./leftovers";
import { cleanupCommand, leftover, pendingCreates, resourcesInState } from "./leftovers";
import { pulumiCommand } from "../engine/commands";
import type { SweepHints, SweepReport, TagSweeper } from "./sweep";

/** What the cleanup did and what it left: the evidence's `cleanup` (evidence.ts). */
export interface CleanupReport {
  /** destroy: the lab destroyed; kept: --keep; none: nothing was created. */
  mode: "destroy" | "kept";
  pendingOperationsCleared: { type: string; urn: string }[];
  destroyAttempts: number;
  destroyed: boolean;
  stackRemoved: boolean;
  sweep: SweepReport | null;
  /** True when a second signal ended the wait. */
  gaveUp: boolean;
  /**
   * Pulumi commands the give-up left running (told to stop, finishing what is in flight): each
   * holds the stack's lock until it ends, so the commands below wait for it first.
   */
  leftRunning: LeftRunning[];
  complete: boolean;
  leftovers: Leftover[];
  /** How to remove what is left, or (with --keep) destroy later. */
  commands: string[];
}

/** A report of nothing done yet. */
function freshReport(mode: CleanupReport["mode"], commands: string[] = []): CleanupReport {
  return {
    mode,
    pendingOperationsCleared: [],
    destroyAttempts: 0,
    destroyed: false,
    stackRemoved: false,
    sweep: null,
    gaveUp: false,
    leftRunning: [],
    complete: false,
    leftovers: [],
    commands,
  };
}

export function keptReport(stackName: string, engine: LabEngine): CleanupReport {
  return freshReport("kept", [
    cleanupCommand(stackName),
    `${pulumiCommand("destroy", stackName, engine)} && ${pulumiCommand("stack rm", stackName, engine)}`,
  ]);
}

export interface CleanupContext {
  /** Sweep by tag after destroy: the last up did not finish, so the state may miss what it created. */
  repair: boolean;
  region: string;
  bucketNames: string[];
  bucketPrefixes: string[];
  sweeper: TagSweeper;
  engine: LabEngine;
  /**
   * A second signal: stop waiting for cleanup and report what is left. It is also what stops a
   * running `pulumi destroy` (the engine's one SIGINT); a first signal never does, since Pulumi
   * runs in a process group of its own and hears only the lab (engine/pulumi-process.ts).
   */
  giveUp: AbortSignal;
  /**
   * After a give-up, how long the step in progress may take to come to rest before the leftovers are listed.
   * @default GIVE_UP_GRACE_MS + SETTLE_MS
   */
  settleMs?: number;
  attempts: number;
  retryMs: number;
  sleep: Sleep;
  log: (line: string) => void;
}

/** How long a give-up still waits for the state it needs to name every leftover. */
export const STATE_READ_MS = 30_000;

/** Past the engine's grace, how long a give-up waits for the teardown's step to settle (its last output, a history read). */
export const SETTLE_MS = 5_000;

/**
 * Destroys the stack: reads its state (and clears pending operations an unfinished up left),
 * retries destroy when late log deliveries make the bucket non-empty, sweeps by tag, removes the
 * stack. Stops starting new steps when `giveUp` fires and then lists what may be left.
 */
export async function cleanUp(stack: LabStack, ctx: CleanupContext): Promise<CleanupReport> {
  const teardown = new Teardown(stack, ctx);
  const running = teardown.run();
  // A second signal ends the wait: the teardown starts no further step, and the step it is in
  // gets a short while to come to rest (a destroy told to stop ends, or the engine lets it go,
  // within GIVE_UP_GRACE_MS), so that what may be left is listed from what is then known.
  const finished = await unlessAborted(running, ctx.giveUp);
  if (finished === undefined) await unlessAborted(running, AbortSignal.timeout(ctx.settleMs ?? GIVE_UP_GRACE_MS + SETTLE_MS));
  return teardown.listLeftovers(finished === undefined);
}

/** One cleanup of one stack, step by step; what it learns on the way names the leftovers. */
class Teardown {
  readonly report = freshReport("destroy");
  /** The state as last exported: what the leftover list names when destroy did not finish. */
  private lastState: StackState | null = null;
  /** The pending operations the first read found (an unfinished up's creates in flight). */
  private pendingAtRead: PendingOperation[] = [];
  /** The read that starts every teardown; a give-up waits for it (bounded) to name the leftovers. */
  private firstRead: Promise<void> | null = null;
  private lastError: unknown;
  /** A stale lock is removed once a cleanup (releaseGoneLock). */
  private lockReleased = false;
  private readonly bucketNames: Set<string>;
  private readonly onOutput: (text: string) => void;

  constructor(
    private readonly stack: LabStack,
    private readonly ctx: CleanupContext,
  ) {
    this.bucketNames = new Set(ctx.bucketNames);
    this.onOutput = logLines(ctx.log);
  }

  async run(): Promise<void> {
    const { ctx, report } = this;
    // Always first, whatever ended the run: a give-up later names every resource this state holds.
    this.firstRead = this.readState();
    await this.firstRead;
    // The state names buckets that outputs of an unfinished up may not.
    for (const r of this.lastState?.deployment?.resources ?? []) {
      if (r.type === "aws:s3/bucket:Bucket" && r.id) this.bucketNames.add(r.id);
    }
    await this.destroy(ctx.attempts);
    if (!report.destroyed && this.lastError) ctx.log(`destroy failed: ${describe(this.lastError)}`);
    if ((ctx.repair || !report.destroyed) && !ctx.giveUp.aborted) {
      report.sweep = await sweepSafely(ctx.sweeper, this.stack.name, {
        region: ctx.region,
        bucketNames: [...this.bucketNames],
        bucketPrefixes: ctx.bucketPrefixes,
        signal: ctx.giveUp,
      });
    }
    if (report.destroyed && !ctx.giveUp.aborted) await this.removeStack();
  }

  /**
   * Exports the state, keeps it for the leftover list, and clears the pending operations an
   * unfinished up left (Pulumi refuses to destroy over them). A lock left by a Pulumi of this run
   * that a signal killed goes first: every command after it would refuse the stack.
   */
  private async readState(): Promise<void> {
    try {
      if (await this.stack.releaseStaleLock()) {
        this.ctx.log("removed the lock a killed pulumi command of this run left (pulumi cancel): no other process holds it");
      }
      const { state, cleared } = clearPendingOperations(await this.stack.exportState());
      this.lastState = state;
      this.pendingAtRead = cleared;
      if (cleared.length > 0 && !this.ctx.giveUp.aborted) {
        this.ctx.log(
          `clearing ${cleared.length} pending operation(s) left by an unfinished update: ${cleared.map((p) => `${p.type} ${p.resource.urn}`).join(", ")}`,
        );
        await this.stack.importState(state);
        this.report.pendingOperationsCleared.push(...cleared.map((p) => ({ type: p.type, urn: p.resource.urn })));
      }
    } catch (error) {
      this.ctx.log(`could not inspect the stack's state: ${describe(error)}`);
    }
  }

  /**
   * Runs destroy until it succeeds, up to `allowed` attempts: after BucketNotEmpty (late log
   * deliveries) it waits and tries again; any other failure ends it. A give-up stops the running
   * destroy (its one SIGINT) and starts no other.
   */
  private async destroy(allowed: number): Promise<void> {
    const { ctx, report } = this;
    while (report.destroyAttempts < allowed && !ctx.giveUp.aborted) {
      report.destroyAttempts++;
      try {
        await this.stack.destroy(this.onOutput, ctx.giveUp);
        report.destroyed = true;
        return;
      } catch (error) {
        // Let go by the give-up: the cleanup report names it (leftRunning); it did not fail.
        if (error instanceof LeftRunningError) return;
        this.lastError = error;
        if (error instanceof StackLockedError && (await this.releaseGoneLock(error, allowed))) continue;
        const output = error instanceof EngineError ? error.output : describe(error);
        if (!/BucketNotEmpty/.test(output) || report.destroyAttempts >= allowed) return;
        ctx.log(
          `destroy: the bucket received late log deliveries (BucketNotEmpty); trying again in ${Math.round(ctx.retryMs / 1000)} s (attempt ${report.destroyAttempts + 1} of ${allowed})`,
        );
        await ctx.sleep(ctx.retryMs, ctx.giveUp);
      }
    }
  }

  /**
   * A lock whose every holder is gone for certain (a Pulumi of this host that no longer runs: a
   * reboot, a killed container or CI job, a let-go destroy killed after the lab left) is removed,
   * once, and destroy tried again; any other lock stays, and its error names the cancel command.
   */
  private async releaseGoneLock(lock: StackLockedError, allowed: number): Promise<boolean> {
    const { ctx, report } = this;
    if (this.lockReleased || !lock.gone || report.destroyAttempts >= allowed || ctx.giveUp.aborted) return false;
    this.lockReleased = true;
    try {
      if (!(await this.stack.releaseStaleLock(lock))) return false;
    } catch (error) {
      ctx.log(`destroy: could not remove the stale lock: ${describe(error)}`);
      return false;
    }
    ctx.log(
      `destroy: the stack's lock was stale (${lock.gone.join("; ")}): removed it (pulumi cancel); trying again (attempt ${report.destroyAttempts + 1} of ${allowed})`,
    );
    return true;
  }

  private async removeStack(): Promise<void> {
    try {
      await this.stack.remove();
      this.report.stackRemoved = true;
    } catch (error) {
      this.ctx.log(`warning: the empty stack could not be removed: ${describe(error)}`);
    }
  }

  /**
   * Completes the report: what may still cost money, and the commands that remove it. Returns a
   * copy: after a give-up the teardown may still be finishing a step, and what the run returned
   * and wrote must not change under it.
   */
  async listLeftovers(gaveUp: boolean): Promise<CleanupReport> {
    const { report, stack, ctx } = this;
    report.gaveUp = gaveUp;
    const sweepLeft: Leftover[] = report.sweep?.remaining ?? [];
    if (!report.destroyed) {
      // What the state knew of, plus what the sweep could not remove: all of it may cost money.
      const state = await this.stateForLeftovers(gaveUp);
      // After a give-up no sweep looked for what a create in flight made: it is named from the state.
      const inFlight = gaveUp ? pendingCreates(this.pendingAtRead, stack.name, ctx.region) : [];
      report.leftovers = [...resourcesInState(state, stack.name, ctx.region), ...inFlight, ...sweepLeft];
      if (report.leftovers.length === 0 || gaveUp) report.leftovers.push(leftover("stack", stack.name, ctx.region));
    } else {
      report.leftovers = sweepLeft;
      // Destroyed within the give-up's grace: the (empty) stack stays, for --cleanup to remove.
      if (gaveUp && !report.stackRemoved) report.leftovers.push(leftover("stack", stack.name, ctx.region));
    }
    report.leftRunning = await ctx.engine.leftRunning();
    report.complete = report.destroyed && !gaveUp && sweepLeft.length === 0;
    if (!report.complete) {
      report.commands = [
        ...report.leftRunning.map(waitFor),
        cleanupCommand(stack.name),
        pulumiCommand("destroy", stack.name, ctx.engine),
        // Not what --cleanup, already above, removes: the stack, resources without a one-line removal, a create in flight.
        ...report.leftovers.filter((l) => !l.removeWith.startsWith(cleanupCommand(stack.name))).map((l) => l.removeWith),
      ];
    }
    return structuredClone(report);
  }

  /**
   * The state the leftover list names: the one read first; after a give-up that came before it
   * was read, that read is still waited for, up to STATE_READ_MS; without a give-up, read again.
   */
  private async stateForLeftovers(gaveUp: boolean): Promise<StackState | null> {
    if (!this.lastState && gaveUp && this.firstRead) await unlessAborted(this.firstRead, AbortSignal.timeout(STATE_READ_MS));
    if (this.lastState || gaveUp) return this.lastState;
    try {
      return await this.stack.exportState();
    } catch {
      return null;
    }
  }
}

/**
 * A shell line that waits for a command the run left running: `--cleanup` or `pulumi destroy`
 * before it ends would find the stack locked, and cancelling a live update's lock corrupts its state.
 */
function waitFor(left: LeftRunning): string {
  // By its pid and its command line, so that a pid reused by another process does not hold the wait.
  return `while ps -p ${left.pid} -o args= 2>/dev/null | grep -q '${left.command}'; do sleep 5; done   # let ${left.command} end first (its output: ${left.output})`;
}

/** The sweep's report; a sweep that throws leaves the whole stack listed, with why. */
async function sweepSafely(sweeper: TagSweeper, stack: string, hints: SweepHints): Promise<SweepReport> {
  try {
    return await sweeper.sweep(stack, hints);
  } catch (error) {
    return { removed: [], remaining: [leftover("stack", stack, hints.region, `sweep failed: ${describe(error)}`)] };
  }
}

export async function sweepOnly(stack: string, region: string, bucketPrefixes: string[], sweeper: TagSweeper): Promise<CleanupReport> {
  const sweep = await sweepSafely(sweeper, stack, { region, bucketNames: [], bucketPrefixes });
  return {
    ...freshReport(
      "destroy",
      sweep.remaining.map((l) => l.removeWith),
    ),
    // No stack in the backend: nothing was left for Pulumi to destroy.
    destroyed: true,
    sweep,
    complete: sweep.remaining.length === 0,
    leftovers: sweep.remaining,
  };
}
