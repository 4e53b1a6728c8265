// The lab cycle: preflight, up without the probe, wait for the trail, up with the probe, verify,
// (with data events on: the canary object's calls found as data events), (with --wait-digest: an
// up without the probe, then the digest's wait), check posture, keep the
// evidence (and its HTML report), destroy. One run is a LabRun with one method per phase: runLab
// runs them in a try and cleans up in finally, so cleanup runs on every
// path once a stack exists, including failures and signals. `--cleanup` (runCleanup) is a run of
// its own that shares the account check and the finish. Every outside effect comes in through
// LabDeps, so the cycle is tested without AWS.
import * as fs from "node:fs";
import * as path from "node:path";
import { keptReport, sweepOnly } from "./cleanup/cleanup";
import type { LabEngine, LabStack } from "./engine/lab-engine";
import { logLines } from "./engine/lab-engine";
import type { AwsTarget, Chosen } from "../common/aws-config";
import { UsageError, describe } from "../common/errors";
import { InterruptedError, NoRegionError } from "./errors";
import { EngineError, LeftRunningError } from "./engine/engine-errors";
import { instanceForEvidence } from "./aws/instance-view";
import type { LabReport } from "./evidence";
import { labIntegrity, runDir } from "./evidence";
import { Run, setBy, type LabDeps, type LabServices } from "./run";
import type { TemplateConfig } from "./engine/stack-config";
import { PROJECT, TEMPLATE_STACK } from "./engine/stack-config";
import { checkStackName, otherLabStacks, uniqueStackName } from "./engine/stack-name";
import { readOutputs, type StackOutputs } from "./engine/stack-outputs";
import { labBucketPrefixes } from "./cleanup/sweep";
import { waitForLogging } from "./aws/trail-wait";
import type { LabIntegrityRequest } from "./verifier/lab-verifier";
import { dataEventsRecord, proveDataEvents } from "./data-events";
import { LabDrill, type LabDrillOptions } from "./lab-drill";

// What every run takes and the exit code it ends with live with the base of every run (run.ts);
// callers import them from here, the lab's entry.
export type { LabDeps, LabServices } from "./run";
export { exitCodeOf } from "./run";

/**
 * One lab run's options. An optional one's `@default` is what the run takes without it; a required
 * one's is the value the CLI passes (tests pass their own).
 */
export interface LabOptions {
  /**
   * The stack's name (--stack).
   * @default a new name per run: uniqueStackName, STACK_PREFIX then the time and a random suffix
   */
  stack?: string;
  /**
   * --region, which wins over everything else.
   * @default `aws.region`, else the template's aws:region (labSettings)
   */
  region?: string;
  /**
   * The profile, and the region the AWS environment names (common/aws-config.ts); the template's aws:region after them.
   * @default no profile (the default credential chain) and no region from the environment
   */
  aws?: AwsTarget;
  /**
   * Leave the stack up and print the commands that destroy it later (--keep).
   * @default false
   */
  keep: boolean;
  /**
   * The wait between the trail's IsLogging and the probe's launch (--settle).
   * @default LAB_DEFAULTS.settleMs
   */
  settleMs: number;
  /**
   * verify's deadline (--timeout).
   * @default verify's DEFAULT_TIMEOUT_MS (verify/index.ts)
   */
  verifyTimeoutMs?: number;
  /**
   * verify's pause between rounds.
   * @default verify's DEFAULT_INTERVAL_MS (verify/index.ts)
   */
  verifyIntervalMs?: number;
  /** Pulumi.dev.yaml's config, which the run's stack starts from (readTemplateConfig). */
  template: TemplateConfig;
  /**
   * How long the new trail may take to report IsLogging.
   * @default LAB_DEFAULTS.trailWaitMs
   */
  trailWaitMs: number;
  /**
   * The pause between two reads of the trail's status.
   * @default LAB_DEFAULTS.trailPollMs
   */
  trailPollMs: number;
  /**
   * How many destroys are tried while the bucket answers BucketNotEmpty (late log deliveries).
   * @default LAB_DEFAULTS.destroyAttempts
   */
  destroyAttempts: number;
  /**
   * The pause before the next destroy after BucketNotEmpty.
   * @default LAB_DEFAULTS.destroyRetryMs
   */
  destroyRetryMs: number;
  /**
   * Subtracted from the probe's start time for verify's `since`, against clock skew.
   * @default LAB_DEFAULTS.clockSkewMs
   */
  clockSkewMs: number;
  /**
   * Keep the stack until a digest lists the matched log object, and validate it (--wait-digest).
   * @default false
   */
  waitDigest?: boolean;
  /**
   * Who searches the logs: this process (s3), or Athena over a table the stack adds (--search athena).
   * @default "s3"
   */
  search?: "s3" | "athena";
  /**
   * Prove S3 data events too (--data-events): the stack gets trail-lab:dataEvents=true, a canary
   * bucket, and the run writes and reads an object there after the RunInstances proof. The
   * template's own trail-lab:dataEvents does the same.
   * @default false
   */
  dataEvents?: boolean;
  /**
   * With --wait-digest, how long the stack is kept for a digest that lists the matched log object.
   * @default LAB_DEFAULTS.digestWaitMs
   */
  digestWaitMs?: number;
  /**
   * With --wait-digest, the pause between two looks for that digest.
   * @default LAB_DEFAULTS.digestPollMs
   */
  digestPollMs?: number;
  /**
   * The tamper drill after the RunInstances proof (--drill): its techniques, each put back before
   * the next and in finally on every path; the stack gets the detections (trail-lab:detections).
   * @default no drill
   */
  drill?: LabDrillOptions;
}

/** The defaults of LabOptions and CleanupOptions, in one block; the CLI passes them (cli.ts). */
export const LAB_DEFAULTS = {
  settleMs: 60_000,
  trailWaitMs: 10 * 60_000,
  trailPollMs: 10_000,
  destroyAttempts: 4,
  destroyRetryMs: 30_000,
  clockSkewMs: 60_000,
  /** CloudTrail writes a digest about hourly, for the hour before. */
  digestWaitMs: 75 * 60_000,
  digestPollMs: 60_000,
} as const;

/** `--cleanup <stack>`'s options; `@default`s as for LabOptions. */
export interface CleanupOptions {
  /** The leftover lab stack to remove (--cleanup). */
  stack: string;
  /**
   * --region, which wins over everything else.
   * @default the stack's own aws:region, else as LabOptions.region
   */
  region?: string;
  /**
   * The profile, and the region the AWS environment names; the profile must be the one the stack was made with.
   * @default no profile (the default credential chain) and no region from the environment
   */
  aws?: AwsTarget;
  /** Pulumi.dev.yaml's config: its region and bucket prefix when the stack does not say. */
  template: TemplateConfig;
  /** @default LAB_DEFAULTS.destroyAttempts */
  destroyAttempts: number;
  /** @default LAB_DEFAULTS.destroyRetryMs */
  destroyRetryMs: number;
}

/** Runs the whole cycle and returns its report; never throws for a failure it can describe. */
export async function runLab(options: LabOptions, deps: LabDeps): Promise<LabReport> {
  const run = new LabRun(options, deps);
  try {
    await run.preflight();
    await run.upTrail();
    await run.waitForTrail();
    await run.settle();
    await run.upProbe();
    await run.verify();
    await run.dataEvents();
    await run.drill();
    await run.integrity();
  } catch (error) {
    run.record(error);
  } finally {
    await run.putBackDrill();
    await run.posture();
    await run.keepEvidence();
    await run.cleanUp();
    run.finishDrill();
    await run.finish();
  }
  return run.report;
}

/** `--cleanup <stack>`: destroy a leftover stack (clearing pending operations), sweep, remove it. */
export async function runCleanup(options: CleanupOptions, deps: LabDeps): Promise<LabReport> {
  const run = new CleanupRun(options, deps);
  try {
    await run.preflight();
    await run.cleanUp();
  } catch (error) {
    run.record(error);
  }
  await run.finish();
  return run.report;
}

/** What the lab's preflight checked and opened: from then on there is a stack to clean up. */
interface OpenStack {
  region: string;
  services: LabServices;
  engine: LabEngine;
  stack: LabStack;
}

/** One run of the lab, a method per phase as the evidence names it. */
class LabRun extends Run {
  private opened: OpenStack | null = null;
  /** An up failed or was interrupted: the state may miss what Pulumi was creating. */
  private upIncomplete = false;
  /** The trail as deployed (its output), else as configured. */
  private trailName: string;
  /** The stack's outputs as last read (after each up that the run reads them after). */
  private outputs: StackOutputs | null = null;
  /** Just before the probe's up: verify searches from then, less the clock-skew allowance. */
  private since: number | null = null;
  /** The log object verify matched, for --wait-digest. */
  private matched: Omit<LabIntegrityRequest, "timeoutMs" | "intervalMs" | "onProgress" | "signal"> | null = null;
  /** --drill's run, once opened: putBackDrill() and finishDrill() close it on every path. */
  private drilled: LabDrill | null = null;

  constructor(
    private readonly options: LabOptions,
    deps: LabDeps,
  ) {
    super("lab", options.stack ?? uniqueStackName(new Date(deps.now())), options, deps);
    this.trailName = this.settings.trailName;
  }

  /** The lab keeps a record once its stack exists; a failed preflight leaves no trace. */
  protected get keepsRecord(): boolean {
    return this.opened !== null;
  }

  private get open(): OpenStack {
    return setBy(this.opened, "preflight");
  }

  /**
   * Runs one step of the cycle. A signal that arrived while it ran ends the cycle right after it:
   * its result goes unused and no later step starts (runLab's finally then cleans up).
   */
  private async step<T>(work: () => Promise<T>): Promise<T> {
    const result = await work();
    if (this.interruption.signal) throw new InterruptedError(this.interruption.signal);
    return result;
  }

  /** A step the evidence times under its name. */
  private phase<T>(name: string, work: () => Promise<T>): Promise<T> {
    return this.step(() => this.timed(name, work));
  }

  override record(error: unknown): void {
    // Once the stack exists, a step that fails after a signal failed because of it (an aborted
    // wait, a canceled up), and the run reports the signal. No step before listens for signals.
    if (this.opened && this.interruption.interrupted) return;
    super.record(error);
  }

  /** Everything the lab can check before it creates anything; then the engine and the run's stack. */
  async preflight(): Promise<void> {
    if (this.options.stack !== undefined) checkStackName(this.options.stack);
    const { region, services } = await this.phase("preflight", async () => {
      this.deps.checkCli();
      const region = this.settings.region;
      if (!region) throw new NoRegionError();
      const services = await this.identify(region);
      await services.checkDefaultVpc(this.settings.subnetId);
      await services.checkTrailNameFree(this.settings.trailName);
      for (const key of this.options.template.skipped) {
        this.report.warnings.push(
          `${key} is a secret of the ${TEMPLATE_STACK} stack and was not copied; set it on the run's stack if the program needs it.`,
        );
      }
      return { region: region.value, services };
    });
    const engine = await this.step(() => this.openEngine());
    await this.step(async () => {
      const stack = await engine.openStack(this.report.stack, true);
      // Never null when created; the check only tells the type so.
      if (!stack) throw new EngineError("stack init", `no stack ${this.report.stack}`);
      this.opened = { region, services, engine, stack };
    });
  }

  /** The engine (opened only now: it may create the state folder), and the backend's other lab stacks. */
  private async openEngine(): Promise<LabEngine> {
    const engine = await this.deps.openEngine(this.interruption.giveUp.signal);
    this.report.backend = engine.backend;
    this.deps.log(`Pulumi state: ${engine.backend}`);
    const others = otherLabStacks(await engine.listStacks(), this.report.stack);
    if (others.length > 0) {
      this.report.warnings.push(
        `Leftover lab stacks in this backend: ${others.join(", ")}. Each may still hold resources: remove one with 'npm run lab -- --cleanup <stack>'.`,
      );
    }
    for (const warning of this.report.warnings) this.deps.log(`warning: ${warning}`);
    return engine;
  }

  /** The trail and its bucket, without the probe, which must not launch before the trail logs. */
  async upTrail(): Promise<void> {
    await this.open.stack.setConfig({
      ...this.options.template.config,
      "aws:region": this.open.region,
      // The provider then acts as the lab's own clients do, whatever AWS_PROFILE the engine inherits.
      ...(this.profile ? { "aws:profile": this.profile.value } : {}),
      ...(this.options.search === "athena" ? { [`${PROJECT}:athena`]: "true" } : {}),
      ...(this.options.dataEvents ? { [`${PROJECT}:dataEvents`]: "true" } : {}),
      ...(this.options.drill ? { [`${PROJECT}:detections`]: "true" } : {}),
      [`${PROJECT}:probeInstance`]: "false",
    });
    await this.up("trail");
  }

  /** Trail creation is eventually consistent: wait until the new trail reports IsLogging. */
  async waitForTrail(): Promise<void> {
    const { stack, services } = this.open;
    this.report.outputs = await stack.outputs();
    this.outputs = readOutputs(this.report.outputs, stack.name);
    this.trailName = this.outputs.trailName;
    await this.phase("trail-wait", () =>
      waitForLogging(services.trailStatus, this.trailName, {
        timeoutMs: this.options.trailWaitMs,
        intervalMs: this.options.trailPollMs,
        sleep: this.deps.sleep,
        now: this.deps.now,
        log: this.deps.log,
        signal: this.stop,
      }),
    );
  }

  /** The settle time (--settle) between the trail's IsLogging and the probe's launch. */
  async settle(): Promise<void> {
    const { settleMs } = this.options;
    if (settleMs > 0) this.deps.log(`trail ${this.trailName} is logging; settling for ${Math.round(settleMs / 1000)} s`);
    await this.phase("settle", () => this.deps.sleep(settleMs, this.stop));
  }

  /** Notes the time verify searches from, then launches the probe, whose RunInstances verify looks for. */
  async upProbe(): Promise<void> {
    await this.open.stack.setConfig({ [`${PROJECT}:probeInstance`]: "true" });
    this.since = this.deps.now();
    this.report.since = new Date(this.since).toISOString();
    await this.up("probe");
  }

  /**
   * One `pulumi up`, stopped by the run's first signal: the engine then sends Pulumi its one
   * SIGINT. Never started once a signal has arrived (a Pulumi signalled at its start dies unclean).
   */
  private up(step: "trail" | "probe" | "remove-probe"): Promise<void> {
    if (this.interruption.signal) return Promise.reject(new InterruptedError(this.interruption.signal));
    return this.phase(`up-${step}`, async () => {
      try {
        await this.open.stack.up(step, logLines(this.deps.log), this.stop);
      } catch (error) {
        this.upIncomplete = true;
        // The give-up let go of the up (still running, told to stop): the signals ended it, and
        // the cleanup report names the command left running.
        if (error instanceof LeftRunningError) throw new InterruptedError(this.interruption.signal ?? "a signal");
        throw error;
      }
    });
  }

  /** Finds the probe's RunInstances in the trail's logs, and copies the log object that holds it. */
  async verify(): Promise<void> {
    const { stack, services, region } = this.open;
    const since = new Date(setBy(this.since, "upProbe") - this.options.clockSkewMs);
    this.report.outputs = await stack.outputs();
    const outputs = (this.outputs = readOutputs(this.report.outputs, stack.name));
    const { bucketName: bucket, instanceId, accountId: account, region: logsRegion } = outputs;
    const athena = this.options.search === "athena" ? athenaSource(outputs) : undefined;
    const evidence = await this.phase("verify", () =>
      services.verifier.verify({
        trail: outputs.trailName,
        region: logsRegion,
        bucket,
        account,
        eventName: "RunInstances",
        resource: instanceId ?? undefined,
        since,
        timeoutMs: this.options.verifyTimeoutMs,
        intervalMs: this.options.verifyIntervalMs,
        ...(athena ? { search: "athena" as const, athena } : {}),
        onProgress: this.deps.log,
        signal: this.stop,
      }),
    );
    this.report.verify = evidence;
    this.report.verified = evidence.verified;
    const key = evidence.s3.key;
    if (key) await this.copyLogObject(bucket, key, region);
    if (instanceId) {
      const atVerify = await instanceForEvidence(() => services.describeInstance(instanceId, this.stop), this.report.warnings, this.stop);
      this.report.instance = { atVerify, atCleanup: null };
    }
    if (evidence.verified && key)
      this.matched = { trail: evidence.trail.arn ?? evidence.trail.name, region: logsRegion, bucket, account, since, logKey: key };
  }

  /**
   * With data events on (the stack has a canary bucket), after the RunInstances proof: one object
   * written and read back there, and both calls found in the trail's logs as data events
   * (data-events.ts). Not tried when RunInstances was not verified: the trail's delivery is in doubt.
   */
  async dataEvents(): Promise<void> {
    const outputs = this.outputs;
    if (!outputs?.canaryBucketName) return;
    const { services } = this.open;
    const partition = outputs.trailArn.split(":")[1];
    const record = (this.report.dataEvents = dataEventsRecord(partition, outputs.canaryBucketName, this.report.stack));
    if (!this.report.verified) {
      record.reason = "RunInstances was not verified, so the trail's delivery is in doubt: the canary was not tried";
      return;
    }
    const athena = this.options.search === "athena" ? athenaSource(outputs) : undefined;
    const verify = {
      trail: outputs.trailName,
      region: outputs.region,
      bucket: outputs.bucketName,
      account: outputs.accountId,
      timeoutMs: this.options.verifyTimeoutMs,
      intervalMs: this.options.verifyIntervalMs,
      ...(athena ? { search: "athena" as const, athena } : {}),
      onProgress: this.deps.log,
      signal: this.stop,
    };
    await this.phase("data-events", () =>
      proveDataEvents(
        {
          stack: this.report.stack,
          write: (request) => services.writeCanaryObject(request),
          verifier: services.verifier,
          verify,
          clockSkewMs: this.options.clockSkewMs,
          log: this.deps.log,
        },
        record,
      ),
    );
  }

  /** The matched raw object, beside the evidence: the bucket is about to be deleted. */
  private async copyLogObject(bucket: string, key: string, region: string): Promise<void> {
    const file = path.join(runDir(this.deps.projectDir, this.report.stack), path.posix.basename(key));
    try {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      const copy = await this.open.services.verifier.copyLogObject({ bucket, key, file, region });
      this.report.rawObject = file;
      this.report.rawObjectBytes = copy.bytes;
      this.report.rawObjectSha256 = copy.sha256;
    } catch (error) {
      this.report.warnings.push(`Could not copy the matched log object s3://${bucket}/${key}: ${describe(error)}`);
    }
  }

  /**
   * --drill: the techniques against this run's own trail and bucket (lab-drill.ts), after the
   * RunInstances proof. A signal ends it early; what is still in effect is put back in finally.
   */
  async drill(): Promise<void> {
    const drill = this.options.drill;
    if (!drill || this.interruption.signal) return;
    const { stack, services } = this.open;
    this.drilled = LabDrill.open(drill, {
      stackName: stack.name,
      stack,
      outputs: setBy(this.outputs, "verify"),
      verifier: services.verifier,
      connect: services.drillAws,
      log: this.deps.log,
      sleep: this.deps.sleep,
      now: this.deps.now,
      stop: this.stop,
      giveUp: this.interruption.giveUp.signal,
    });
    const drilled = this.drilled;
    await this.phase("drill", () => drilled.run());
  }

  /** Puts back whatever the drill still has in effect, before anything else of the finally (posture, destroy). */
  async putBackDrill(): Promise<void> {
    if (this.drilled) await this.timed("drill-revert", () => this.drilled!.putBack());
  }

  /** The drill's record into the evidence; what it could not put back is the run's error (exit 4 while the stack stays). */
  finishDrill(): void {
    if (!this.drilled) return;
    const destroyed = this.report.cleanup?.mode === "destroy" && this.report.cleanup.complete;
    const { report, error } = this.drilled.finish(this.report.integrity.result, destroyed);
    this.report.drill = report;
    // After a signal the run reports the signal (130), or 4 when cleanup is incomplete; the record lists the revert.
    if (error && !this.interruption.interrupted) {
      // A revert that failed outranks what ended the run (kept as a warning): it is what the user must act on.
      const earlier = this.report.error;
      if (earlier) this.report.warnings.push(`The run had failed before the drill's revert did: ${earlier.message}`);
      this.report.error = null;
      this.record(error);
    }
  }

  /**
   * With --wait-digest, keeps the trail and its bucket until a digest lists the matched log object,
   * and validates it. The digest needs neither the probe nor anything it did after its launch, so
   * the paid instance goes first (an up with probeInstance=false) rather than run through the wait.
   */
  async integrity(): Promise<void> {
    const log = this.matched;
    if (!this.options.waitDigest || !log) return;
    const waitMs = this.options.digestWaitMs ?? LAB_DEFAULTS.digestWaitMs;
    this.deps.log(`--wait-digest: removing the probe instance before the wait; the trail and its bucket stay`);
    await this.step(() => this.open.stack.setConfig({ [`${PROJECT}:probeInstance`]: "false" }));
    await this.up("remove-probe");
    this.deps.log(
      `--wait-digest: keeping the stack until a digest lists s3://${log.bucket}/${log.logKey} (about hourly; up to ${Math.round(waitMs / 60_000)} min; Ctrl-C stops and destroys)`,
    );
    const result = await this.phase("integrity", () =>
      this.open.services.verifier.integrity({
        ...log,
        timeoutMs: waitMs,
        intervalMs: this.options.digestPollMs ?? LAB_DEFAULTS.digestPollMs,
        onProgress: this.deps.log,
        signal: this.stop,
      }),
    );
    this.report.integrity = labIntegrity(result);
  }

  /**
   * The trail and bucket against the controls, as deployed, even when verify failed (posture says
   * why a trail may not log); whatever it finds or fails on, cleanup follows. Not after a signal.
   */
  async posture(): Promise<void> {
    const outputs = this.outputs;
    if (!this.opened || !outputs || this.interruption.interrupted) return;
    if (this.drilled?.trailDeleted) {
      this.report.warnings.push("Posture not checked: the drill deleted the trail (technique delete).");
      return;
    }
    const { services } = this.opened;
    try {
      this.report.posture = await this.timed("posture", () =>
        services.verifier.posture({
          trail: outputs.trailArn,
          region: outputs.region,
          buckets: outputs.accessLogBucketName ? [outputs.accessLogBucketName] : undefined,
          workgroup: outputs.athenaWorkgroup ?? undefined,
          retentionDays: retentionDaysOf(this.options.template.config),
          signal: this.stop,
        }),
      );
    } catch (error) {
      if (!this.interruption.interrupted) this.report.warnings.push(`Posture not checked: ${describe(error)}`);
    }
  }

  /** Destroys what the run created, or with --keep (and no signal) says how to destroy it later. */
  async cleanUp(): Promise<void> {
    if (!this.opened) return;
    const { stack, engine, services, region } = this.opened;
    if (this.options.keep && !this.interruption.interrupted) {
      this.report.cleanup = keptReport(this.report.stack, engine);
    } else {
      this.report.cleanup = await this.destroy(stack, engine, services, region, this.upIncomplete || this.interruption.interrupted);
    }
    // The probe once cleanup is done: terminated, or still there (and costing) when it is not. A
    // first signal still allows the read; a second (give up) ends it.
    const probe = this.outputs?.instanceId;
    if (probe && this.report.instance) {
      const giveUp = this.interruption.giveUp.signal;
      this.report.instance.atCleanup = await instanceForEvidence(
        () => services.describeInstance(probe, giveUp),
        this.report.warnings,
        giveUp,
      );
    }
  }
}

/** `--cleanup <stack>`: a leftover lab stack, in the backend or known only by its tag. */
class CleanupRun extends Run {
  private found: { engine: LabEngine; stack: LabStack | null; region: string; services: LabServices } | null = null;

  constructor(
    private readonly options: CleanupOptions,
    deps: LabDeps,
  ) {
    super("cleanup", options.stack, options, deps);
  }

  /** --cleanup keeps no record: lab-runs/<stack>/ holds the record of the run that left the stack. */
  protected get keepsRecord(): boolean {
    return false;
  }

  /**
   * The stack, if the backend has it; its region (--region, else the stack's own aws:region, else
   * the template's or the AWS environment's); and the account.
   */
  async preflight(): Promise<void> {
    checkStackName(this.options.stack);
    this.deps.checkCli();
    const engine = await this.deps.openEngine(this.interruption.giveUp.signal);
    this.report.backend = engine.backend;
    const stack = await engine.openStack(this.options.stack, false);
    const config = stack ? await stack.getConfig() : {};
    checkSameProfile(this.options.stack, config["aws:profile"], this.profile);
    const own = !this.options.region && config["aws:region"] ? { value: config["aws:region"], source: `the stack's aws:region` } : null;
    const region = own ?? this.settings.region;
    if (!region) throw new NoRegionError();
    this.found = { engine, stack, region: region.value, services: await this.identify(region) };
  }

  /** Destroys the stack, clearing pending operations first (its last up may not have finished); without a stack, sweeps its tag. */
  async cleanUp(): Promise<void> {
    const { engine, stack, region, services } = setBy(this.found, "preflight");
    if (stack) {
      try {
        this.report.outputs = await stack.outputs();
      } catch {
        this.report.outputs = null;
      }
      this.report.cleanup = await this.destroy(stack, engine, services, region, true);
    } else {
      this.deps.log(`No stack '${this.options.stack}' in ${engine.backend}; sweeping ${region} for resources tagged with it.`);
      const prefixes = labBucketPrefixes(this.settings.bucketPrefix);
      this.report.cleanup = await this.timed("sweep", () => sweepOnly(this.options.stack, region, prefixes, services.sweeper));
    }
  }
}

/**
 * A stack made with a profile keeps it as aws:profile, and its destroy uses it whatever the
 * environment says: the sweep must act as the same identity, so the same profile must be given.
 */
function checkSameProfile(stack: string, stackProfile: string | undefined, profile: Chosen | null): void {
  if (!stackProfile || stackProfile === profile?.value) return;
  throw new UsageError(
    `Stack '${stack}' was created with the AWS profile '${stackProfile}' (its aws:profile), ` +
      `${profile ? `not '${profile.value}' (from ${profile.source})` : "and no profile is chosen now"}: ` +
      `run 'trail-lab lab --cleanup ${stack} --profile ${stackProfile}', so that the destroy and the sweep act as the same identity.`,
  );
}

/** The stack's trail-lab:retentionDays, for posture's TrailLab.Retention; undefined when the config leaves infra's default. */
function retentionDaysOf(config: TemplateConfig["config"]): number | undefined {
  const value = config[`${PROJECT}:retentionDays`];
  return typeof value === "string" && /^\d+$/.test(value) ? Number(value) : undefined;
}

/** The Athena table the stack deployed for --search athena (infra's athena* outputs). */
function athenaSource(outputs: StackOutputs): { workgroup: string; database: string; table: string } {
  const { athenaWorkgroup: workgroup, athenaDatabase: database, athenaTable: table } = outputs;
  if (!workgroup || !database || !table) {
    throw new EngineError(
      "stack output",
      "--search athena needs the stack outputs athenaWorkgroup, athenaDatabase and athenaTable, and the stack has none",
    );
  }
  return { workgroup, database, table };
}
