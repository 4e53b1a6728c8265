// The lab's drill phase (--drill): binds the drill room (drill/) to this run: its target from the
// stack's outputs, what the program declares from the stack's exported state, the drill's own
// clients (the run's user agent on every call) from the services, and trail-lab's checks (posture,
// the S3 search) from the verifier. lab.ts calls run() after the RunInstances proof, putBack() first
// in its finally (before posture and destroy), and finish() once cleanup is done.
import type { DrillReport } from "./drill/drill-report";
import type { DrillRevertError } from "./drill/drill-errors";
import { Drill, drillUserAgent, type DrillChecks, type LogFind } from "./drill/drill";
import type { DrillTarget } from "./drill/declared";
import type { TechniqueName } from "./drill/techniques";
import type { DrillAws } from "./drill/drill-aws";
import type { LabStack } from "./engine/lab-engine";
import type { StackOutputs } from "./engine/stack-outputs";
import type { LabVerifier } from "./verifier/lab-verifier";
import type { Sleep } from "./signals";

/** --drill's options as the lab takes them. */
export interface LabDrillOptions {
  techniques: TechniqueName[];
  /** How long the drill waits for its records and alerts. @default DRILL_DEFAULTS.proofWaitMs */
  proofWaitMs?: number;
  /** The pause between two rounds of that wait. @default DRILL_DEFAULTS.pollMs */
  pollMs?: number;
  /** The pause before a refused revert is tried again (times the attempt). @default DRILL_DEFAULTS.revertRetryMs */
  revertRetryMs?: number;
}

/** The drill's own calls, made with the run's user agent; LabServices.drillAws opens them. */
export interface DrillConnection {
  aws: DrillAws;
  close(): void;
}

export interface LabDrillContext {
  stackName: string;
  stack: LabStack;
  outputs: StackOutputs;
  verifier: LabVerifier;
  /** LabServices.drillAws: absent from a wiring that has no drill clients. */
  connect: ((userAgent: string) => DrillConnection) | undefined;
  log: (line: string) => void;
  sleep: Sleep;
  now: () => number;
  stop: AbortSignal;
  giveUp: AbortSignal;
}

/** The run's trail and bucket as the stack's outputs name them: the only ones the drill touches. */
export function drillTarget(stackName: string, outputs: StackOutputs): DrillTarget {
  return {
    stack: stackName,
    region: outputs.region,
    accountId: outputs.accountId,
    trailName: outputs.trailName,
    trailArn: outputs.trailArn,
    bucketName: outputs.bucketName,
    logPrefix: outputs.logPrefix,
    alertQueueUrl: outputs.alertQueueUrl,
  };
}

/** trail-lab's checks as the drill reads them: posture, and verify's S3 search (Event History is the drill's own). */
function drillChecks(ctx: LabDrillContext): DrillChecks {
  const { outputs, verifier } = ctx;
  return {
    posture: (signal) => verifier.posture({ trail: outputs.trailArn, region: outputs.region, signal }),
    async findInLogs(request): Promise<LogFind> {
      const evidence = await verifier.verify({
        trail: outputs.trailName,
        region: outputs.region,
        bucket: outputs.bucketName,
        account: outputs.accountId,
        eventName: request.eventName,
        ...(request.resource ? { resource: request.resource } : {}),
        since: request.since,
        timeoutMs: request.timeoutMs,
        onProgress: ctx.log,
        signal: request.signal,
      });
      const { s3, event } = evidence;
      return {
        found: s3.found,
        key: s3.key,
        eventId: s3.eventId,
        eventTime: s3.eventTime,
        foundAt: s3.foundAt,
        userAgent: typeof event?.userAgent === "string" ? event.userAgent : null,
      };
    },
  };
}

/** One drill in one lab run. */
export class LabDrill {
  private constructor(
    private readonly drill: Drill,
    private readonly connection: DrillConnection,
  ) {}

  static open(options: LabDrillOptions, ctx: LabDrillContext): LabDrill {
    const userAgent = drillUserAgent(ctx.stackName);
    if (!ctx.connect) throw new Error("this wiring of the lab has no drill clients (LabServices.drillAws)");
    const connection = ctx.connect(userAgent);
    const drill = new Drill(options, {
      aws: connection.aws,
      checks: drillChecks(ctx),
      target: drillTarget(ctx.stackName, ctx.outputs),
      checkpoint: () => ctx.stack.exportState(),
      userAgent,
      log: ctx.log,
      sleep: ctx.sleep,
      now: ctx.now,
      stop: ctx.stop,
      giveUp: ctx.giveUp,
    });
    return new LabDrill(drill, connection);
  }

  run(): Promise<void> {
    return this.drill.run();
  }

  /** Whether the drill deleted the trail: posture then has nothing to read. */
  get trailDeleted(): boolean {
    return this.drill.trailDeleted;
  }

  /** Every technique still in effect, put back; never throws. */
  putBack(): Promise<void> {
    return this.drill.putBack();
  }

  /** The record, with integrity's reading of the stop window; the error for what is left changed. Closes the drill's clients. */
  finish(integrity: unknown, destroyed: boolean): { report: DrillReport; error: DrillRevertError | null } {
    this.drill.seeIntegrity(integrity);
    this.connection.close();
    return this.drill.finish(destroyed);
  }
}
