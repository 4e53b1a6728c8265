// Cleanup after a lab run or for `--cleanup`: clear pending operations after an unfinished up,
// destroy with retries on BucketNotEmpty, sweep by the stack tag, remove the stack, and list what
// is left (with the commands that remove it) when any of that did not finish.
import type { LabEngine, LabStack, StackState } from "./engine";
import { clearPendingOperations } from "./engine";
import { describe } from "../common/errors";
import { EngineError } from "./errors";
import type { CleanupReport } from "./evidence";
import { unlessAborted } from "./signals";
import type { Sleep } from "./sleep";
import type { Leftover } from "./leftovers";
import { cleanupCommand, leftover, pulumiCommand, resourcesInState } from "./leftovers";
import type { SweepHints, SweepReport, TagSweeper } from "./sweep";

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
    complete: false,
    leftovers: [],
    commands,
  };
}

export function keptReport(stackName: string, engine: LabEngine): CleanupReport {
  return freshReport("kept", [cleanupCommand(stackName), `${pulumiCommand("destroy", stackName, engine)} && ${pulumiCommand("stack rm", stackName, engine)}`]);
}

export interface CleanupContext {
  /** Clear pending operations first and sweep by tag after: the last up did not finish. */
  repair: boolean;
  region: string;
  bucketNames: string[];
  bucketPrefixes: string[];
  sweeper: TagSweeper;
  engine: LabEngine;
  /**
   * The first signal. The terminal's Ctrl-C also reaches a running `pulumi destroy` (the
   * Automation API starts it in our process group), which then cancels itself.
   */
  interrupted: AbortSignal;
  /** A second signal: stop starting steps and report what is left. */
  giveUp: AbortSignal;
  attempts: number;
  retryMs: number;
  sleep: Sleep;
  log: (line: string) => void;
}

/**
 * Destroys the stack: clears pending operations after an unfinished up, retries destroy when
 * late log deliveries make the bucket non-empty, sweeps by tag, removes the stack. Stops
 * starting new steps when `giveUp` fires and then lists what may be left.
 */
export async function cleanUp(stack: LabStack, ctx: CleanupContext): Promise<CleanupReport> {
  const report = freshReport("destroy");
  let lastState: StackState | null = null;
  const bucketNames = new Set(ctx.bucketNames);
  const onOutput = (text: string) => {
    for (const line of text.replace(/\n$/, "").split("\n")) ctx.log(line);
  };

  const repair = async (after: string) => {
    try {
      const exported = await stack.exportState();
      const { state, cleared } = clearPendingOperations(exported);
      lastState = state;
      if (cleared.length > 0) {
        ctx.log(`clearing ${cleared.length} pending operation(s) left by the ${after}: ${cleared.map((p) => `${p.type} ${p.resource.urn}`).join(", ")}`);
        await stack.importState(state);
        report.pendingOperationsCleared.push(...cleared.map((p) => ({ type: p.type, urn: p.resource.urn })));
      }
    } catch (error) {
      ctx.log(`could not inspect the stack's state: ${describe(error)}`);
    }
  };

  const work = async () => {
    if (ctx.repair) {
      await repair("interrupted update");
      for (const r of lastState?.deployment?.resources ?? []) {
        if (r.type === "aws:s3/bucket:Bucket" && r.id) bucketNames.add(r.id);
      }
    }
    let lastError: unknown;
    // One attempt more when the signal may have canceled a destroy: the lab never signals Pulumi.
    let extra = 0;
    while (report.destroyAttempts < ctx.attempts + extra && !ctx.giveUp.aborted) {
      report.destroyAttempts++;
      try {
        await stack.destroy(onOutput);
        report.destroyed = true;
        break;
      } catch (error) {
        lastError = error;
        const output = error instanceof EngineError ? error.output : describe(error);
        if (/BucketNotEmpty/.test(output) && report.destroyAttempts < ctx.attempts + extra) {
          ctx.log(`destroy: the bucket received late log deliveries (BucketNotEmpty); trying again in ${Math.round(ctx.retryMs / 1000)} s (attempt ${report.destroyAttempts + 1} of ${ctx.attempts + extra})`);
          await ctx.sleep(ctx.retryMs, ctx.giveUp);
        } else if (ctx.interrupted.aborted && extra === 0 && !ctx.giveUp.aborted) {
          extra = 1;
          ctx.log(`destroy did not finish, likely canceled by the same signal (${describe(error)}); destroying once more. Send the signal again to stop waiting.`);
          await repair("canceled destroy");
        } else {
          break;
        }
      }
    }
    if (!report.destroyed && lastError) ctx.log(`destroy failed: ${describe(lastError)}`);
    if ((ctx.repair || !report.destroyed) && !ctx.giveUp.aborted) {
      report.sweep = await sweepSafely(ctx.sweeper, stack.name, { region: ctx.region, bucketNames: [...bucketNames], bucketPrefixes: ctx.bucketPrefixes });
    }
    if (report.destroyed && !ctx.giveUp.aborted) {
      try {
        await stack.remove();
        report.stackRemoved = true;
      } catch (error) {
        ctx.log(`warning: the empty stack could not be removed: ${describe(error)}`);
      }
    }
  };

  const finished = await unlessAborted(work(), ctx.giveUp);
  report.gaveUp = finished === undefined;
  const sweepLeft: Leftover[] = report.sweep?.remaining ?? [];
  if (!report.destroyed) {
    // What the state knew of, plus what the sweep could not remove: all of it may cost money.
    let state: StackState | null = lastState;
    if (!state && !report.gaveUp) {
      try {
        state = await stack.exportState();
      } catch {
        state = null;
      }
    }
    const known = resourcesInState(state, stack.name, ctx.region);
    report.leftovers = [...(known.length > 0 || report.gaveUp ? known : []), ...sweepLeft];
    if (report.leftovers.length === 0 || report.gaveUp) {
      report.leftovers.push(leftover("stack", stack.name, ctx.region));
    }
  } else {
    report.leftovers = sweepLeft;
  }
  report.complete = report.destroyed && !report.gaveUp && sweepLeft.length === 0;
  if (!report.complete) {
    report.commands = [
      cleanupCommand(stack.name),
      pulumiCommand("destroy", stack.name, ctx.engine),
      ...report.leftovers.filter((l) => l.kind !== "stack" && l.kind !== "resource").map((l) => l.removeWith),
    ];
  }
  return report;
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
    ...freshReport("destroy", sweep.remaining.map((l) => l.removeWith)),
    // No stack in the backend: nothing was left for Pulumi to destroy.
    destroyed: true,
    sweep,
    complete: sweep.remaining.length === 0,
    leftovers: sweep.remaining,
  };
}
