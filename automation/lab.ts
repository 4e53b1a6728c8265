// The lab cycle: preflight, up without the probe, wait for the trail, up with the probe, verify,
// check posture, keep the evidence (and its HTML report), destroy. Cleanup runs on every path once
// a stack exists, including failures and signals; every outside effect comes in through LabDeps so
// the cycle is tested without AWS.
import * as fs from "node:fs";
import * as path from "node:path";
import { cleanUp, keptReport, sweepOnly, type CleanupContext } from "./cleanup";
import type { ConfigValue, LabEngine, LabStack } from "./engine";
import { TrailLabError, describe } from "../common/errors";
import { EngineError, InterruptedError, NoRegionError, labUsageError } from "./errors";
import { instanceForEvidence, type InstanceView } from "./instance-view";
import type { LabReport } from "./evidence";
import { REPORT_FILE, labIntegrity, newReport, runDir, writeEvidence } from "./evidence";
import type { Identity } from "./preflight";
import type { SignalSource } from "./signals";
import { Interruption } from "./signals";
import type { Sleep } from "./sleep";
import type { TemplateConfig } from "./stack-config";
import { PROJECT, TEMPLATE_STACK, labSettings } from "./stack-config";
import type { TagSweeper } from "./sweep";
import { labBucketPrefixes } from "./sweep";
import type { TrailStatusReader } from "./trail-status";
import { waitForLogging } from "./trail-status";
import type { LabVerifier } from "./verifier";
import { ExitCode } from "../common/exit-codes";

/** The AWS side of the lab, bound to one region once it is known. */
export interface LabServices {
  identity(): Promise<Identity>;
  checkDefaultVpc(subnetId: string | undefined): Promise<void>;
  checkTrailNameFree(trailName: string): Promise<void>;
  trailStatus: TrailStatusReader;
  sweeper: TagSweeper;
  verifier: LabVerifier;
  /** The probe as EC2 describes it (automation/instance-view.ts), for the evidence. */
  describeInstance(instanceId: string, signal: AbortSignal): Promise<InstanceView>;
  close(): void;
}

export interface LabDeps {
  projectDir: string;
  env: NodeJS.ProcessEnv;
  /** Throws MissingToolError when the Pulumi CLI is absent. */
  checkCli: () => void;
  services: (region: string) => LabServices;
  /** Opens the engine; only called once preflight passed, since it may create the state folder. */
  openEngine: () => Promise<LabEngine>;
  signals: SignalSource;
  /** One line of progress or engine output, to stderr. */
  log: (line: string) => void;
  sleep: Sleep;
  now: () => number;
}

export interface LabOptions {
  stack?: string;
  region?: string;
  keep: boolean;
  settleMs: number;
  /** verify's deadline; verify's own default when undefined. */
  verifyTimeoutMs?: number;
  verifyIntervalMs?: number;
  template: TemplateConfig;
  trailWaitMs: number;
  trailPollMs: number;
  destroyAttempts: number;
  destroyRetryMs: number;
  /** Subtracted from the probe's start time for verify's `since`, against clock skew. */
  clockSkewMs: number;
  /** Keep the stack until a digest lists the matched log object, and validate it (--wait-digest). */
  waitDigest?: boolean;
  /** Who searches the logs: this process (s3), or Athena over a table the stack adds (--engine athena). */
  engine?: "s3" | "athena";
  digestWaitMs?: number;
  digestPollMs?: number;
}

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

export const STACK_PREFIX = "lab-";

/** The Athena table the stack deployed for --engine athena (infra's athena* outputs). */
function athenaSource(outputs: Record<string, unknown>): { workgroup: string; database: string; table: string } {
  const workgroup = str(outputs.athenaWorkgroup);
  const database = str(outputs.athenaDatabase);
  const table = str(outputs.athenaTable);
  if (!workgroup || !database || !table) {
    throw new EngineError("stack output", "--engine athena needs the stack outputs athenaWorkgroup, athenaDatabase and athenaTable, and the stack has none");
  }
  return { workgroup, database, table };
}

/** The stack's own name: Pulumi Cloud lists `org/project/stack` (or `org/stack`), a file backend `stack`. */
export function shortStackName(name: string): string {
  return name.slice(name.lastIndexOf("/") + 1);
}

/** A stack name unique per run, sortable by time: lab-20261125-221500-3fa9. */
export function uniqueStackName(now: Date, random = Math.random): string {
  const stamp = now.toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15);
  const suffix = Math.floor(random() * 0x10000)
    .toString(16)
    .padStart(4, "0");
  return `${STACK_PREFIX}${stamp}-${suffix}`;
}

export function checkStackName(name: string): void {
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/.test(name)) {
    throw labUsageError(`--stack '${name}' is not a valid stack name: letters, digits, '-', '_', '.', at most 100 characters.`);
  }
  if (name === TEMPLATE_STACK) {
    throw labUsageError(`--stack ${TEMPLATE_STACK} is the config template (Pulumi.${TEMPLATE_STACK}.yaml, tracked in git); choose another name.`);
  }
}

class Phases {
  constructor(
    private readonly report: LabReport,
    private readonly now: () => number,
  ) {}

  async run<T>(name: string, work: () => Promise<T>): Promise<T> {
    const started = this.now();
    const timing = { startedAt: new Date(started).toISOString(), endedAt: null as string | null, ms: null as number | null };
    this.report.timings[name] = timing;
    try {
      return await work();
    } finally {
      const ended = this.now();
      timing.endedAt = new Date(ended).toISOString();
      timing.ms = ended - started;
    }
  }
}

function recordError(report: LabReport, error: unknown): void {
  if (report.error) return;
  const exitCode = error instanceof TrailLabError ? error.exitCode : exitCodeProperty(error);
  report.error = {
    name: error instanceof Error ? error.name : "Error",
    message: error instanceof Error ? error.message : String(error),
    exitCode,
  };
}

function exitCodeProperty(error: unknown): number | null {
  const code = (error as { exitCode?: unknown } | null)?.exitCode;
  return typeof code === "number" ? code : null;
}

/** The one exit code: incomplete cleanup wins, then a signal, then the error, then the verdict. */
export function exitCodeOf(report: LabReport): number {
  if (report.cleanup && report.cleanup.mode === "destroy" && !report.cleanup.complete) return ExitCode.CleanupIncomplete;
  if (report.interrupted) return ExitCode.Interrupted;
  if (report.error) return report.error.exitCode ?? ExitCode.AwsError;
  if (report.integrity?.status === "invalid") return ExitCode.CheckFailed;
  if (report.verified === true) return ExitCode.Ok;
  if (report.verified === false) return ExitCode.CheckFailed;
  return report.command === "cleanup" ? ExitCode.Ok : ExitCode.AwsError;
}

function str(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

/** What every cleanUp of a run shares: who sweeps, the engine, the run's signals, the retry policy. */
function cleanupPolicy(
  svc: LabServices,
  engine: LabEngine,
  interruption: Interruption,
  retries: { destroyAttempts: number; destroyRetryMs: number },
  deps: LabDeps,
): Omit<CleanupContext, "repair" | "region" | "bucketNames" | "bucketPrefixes"> {
  return {
    sweeper: svc.sweeper,
    engine,
    interrupted: interruption.stop.signal,
    giveUp: interruption.giveUp.signal,
    attempts: retries.destroyAttempts,
    retryMs: retries.destroyRetryMs,
    sleep: deps.sleep,
    log: deps.log,
  };
}

/** The stack's buckets by name, as far as its outputs tell (the sweep finds the rest by prefix and tag). */
function knownBuckets(outputs: Record<string, unknown> | null): string[] {
  return [str(outputs?.bucketName), str(outputs?.accessLogBucketName)].filter((b): b is string => !!b);
}

/** Runs the whole cycle and returns its report; never throws for a failure it can describe. */
export async function runLab(options: LabOptions, deps: LabDeps): Promise<LabReport> {
  const stackName = options.stack ?? uniqueStackName(new Date(deps.now()));
  const report = newReport("lab", stackName, new Date(deps.now()));
  const phases = new Phases(report, deps.now);
  const interruption = new Interruption(deps.signals, deps.log, deps.now);
  const stopSignal = interruption.stop.signal;
  let services: LabServices | undefined;
  let stack: LabStack | null = null;
  let engine: LabEngine | undefined;
  // True when an up failed or was interrupted: the state may miss what Pulumi was creating.
  let upIncomplete = false;
  const settings = labSettings(options.template.config, options.region, deps.env);
  const checkInterrupted = () => {
    if (interruption.signal) throw new InterruptedError(interruption.signal);
  };

  try {
    if (options.stack !== undefined) checkStackName(options.stack);
    await phases.run("preflight", async () => {
      deps.checkCli();
      if (!settings.region) throw new NoRegionError();
      report.region = settings.region;
      services = deps.services(settings.region);
      const identity = await services.identity();
      report.accountId = identity.account;
      report.callerArn = identity.arn;
      deps.log(`AWS account ${identity.account} (${identity.arn}), region ${settings.region}, stack ${stackName}`);
      await services.checkDefaultVpc(settings.subnetId);
      await services.checkTrailNameFree(settings.trailName);
    });
    for (const key of options.template.skipped) {
      report.warnings.push(`${key} is a secret of the ${TEMPLATE_STACK} stack and was not copied; set it on the run's stack if the program needs it.`);
    }
    checkInterrupted();
    engine = await deps.openEngine();
    report.backend = engine.backend;
    deps.log(`Pulumi state: ${engine.backend}`);
    const others = (await engine.listStacks()).map(shortStackName).filter((name) => name.startsWith(STACK_PREFIX) && name !== stackName);
    if (others.length > 0) {
      report.warnings.push(
        `Leftover lab stacks in this backend: ${others.join(", ")}. Each may still hold resources: remove one with 'npm run lab -- --cleanup <stack>'.`,
      );
    }
    for (const warning of report.warnings) deps.log(`warning: ${warning}`);
    checkInterrupted();
    stack = await engine.openStack(stackName, true);
  } catch (error) {
    if (!(error instanceof InterruptedError)) recordError(report, error);
  }

  if (stack && services && engine) {
    const live = stack;
    const svc = services;
    const onOutput = (text: string) => {
      for (const line of text.replace(/\n$/, "").split("\n")) deps.log(line);
    };
    const up = async (step: string) => {
      try {
        await phases.run(`up-${step}`, () => live.up(step, onOutput));
      } catch (error) {
        upIncomplete = true;
        checkInterrupted();
        throw error;
      }
    };
    try {
      checkInterrupted();
      const config: Record<string, ConfigValue> = {
        ...options.template.config,
        "aws:region": settings.region as string,
        ...(options.engine === "athena" ? { [`${PROJECT}:athena`]: "true" } : {}),
      };
      await live.setConfig({ ...config, [`${PROJECT}:probeInstance`]: "false" });
      await up("trail");
      checkInterrupted();
      report.outputs = await live.outputs();
      const trailName = str(report.outputs.trailName) ?? settings.trailName;
      await phases.run("trail-wait", () =>
        waitForLogging(svc.trailStatus, trailName, {
          timeoutMs: options.trailWaitMs,
          intervalMs: options.trailPollMs,
          sleep: deps.sleep,
          now: deps.now,
          log: deps.log,
          signal: stopSignal,
        }),
      );
      checkInterrupted();
      if (options.settleMs > 0) deps.log(`trail ${trailName} is logging; settling for ${Math.round(options.settleMs / 1000)} s`);
      await phases.run("settle", () => deps.sleep(options.settleMs, stopSignal));
      checkInterrupted();
      await live.setConfig({ [`${PROJECT}:probeInstance`]: "true" });
      const since = deps.now();
      report.since = new Date(since).toISOString();
      await up("probe");
      checkInterrupted();
      const outputs = await live.outputs();
      report.outputs = outputs;
      const bucket = str(outputs.bucketName);
      const instanceId = str(outputs.instanceId);
      if (!bucket) throw new EngineError("stack output", "the stack has no bucketName output");
      const athena = options.engine === "athena" ? athenaSource(outputs) : undefined;
      const evidence = await phases.run("verify", () =>
        svc.verifier.verify({
          trail: str(outputs.trailName) ?? trailName,
          region: str(outputs.region) ?? (settings.region as string),
          bucket,
          account: str(outputs.accountId),
          eventName: "RunInstances",
          resource: instanceId,
          since: new Date(since - options.clockSkewMs),
          timeoutMs: options.verifyTimeoutMs,
          intervalMs: options.verifyIntervalMs,
          ...(athena ? { engine: "athena" as const, athena } : {}),
          onProgress: deps.log,
          signal: stopSignal,
        }),
      );
      checkInterrupted();
      report.verify = evidence;
      report.verified = evidence.verified;
      const key = evidence.s3.key;
      if (key) {
        const file = path.join(runDir(deps.projectDir, stackName), path.posix.basename(key));
        try {
          fs.mkdirSync(path.dirname(file), { recursive: true });
          const copy = await svc.verifier.copyLogObject({ bucket, key, file, region: settings.region as string });
          report.rawObject = file;
          report.rawObjectBytes = copy.bytes;
          report.rawObjectSha256 = copy.sha256;
        } catch (error) {
          report.warnings.push(`Could not copy the matched log object s3://${bucket}/${key}: ${describe(error)}`);
        }
      }
      if (instanceId) {
        const atVerify = await instanceForEvidence(() => svc.describeInstance(instanceId, stopSignal), report.warnings, stopSignal);
        report.instance = { atVerify, atCleanup: null };
      }
      if (options.waitDigest && evidence.verified && key) {
        const waitMs = options.digestWaitMs ?? LAB_DEFAULTS.digestWaitMs;
        deps.log(`--wait-digest: keeping the stack until a digest lists s3://${bucket}/${key} (about hourly; up to ${Math.round(waitMs / 60_000)} min; Ctrl-C stops and destroys)`);
        const result = await phases.run("integrity", () =>
          svc.verifier.integrity({
            trail: evidence.trail.arn ?? evidence.trail.name,
            region: str(outputs.region) ?? (settings.region as string),
            bucket,
            account: str(outputs.accountId),
            since: new Date(since - options.clockSkewMs),
            logKey: key,
            timeoutMs: waitMs,
            intervalMs: options.digestPollMs ?? LAB_DEFAULTS.digestPollMs,
            onProgress: deps.log,
            signal: stopSignal,
          }),
        );
        checkInterrupted();
        report.integrity = labIntegrity(result);
      }
    } catch (error) {
      if (!(error instanceof InterruptedError) && !interruption.interrupted) recordError(report, error);
    }
    // Posture reads the stack as deployed, even when verify failed (it says why a trail may not
    // log); whatever it finds or fails on, cleanup follows.
    const postureTrail = str(report.outputs?.trailArn) ?? str(report.outputs?.trailName);
    if (postureTrail && !interruption.interrupted) {
      try {
        report.posture = await phases.run("posture", () =>
          svc.verifier.posture({ trail: postureTrail, region: str(report.outputs?.region) ?? (settings.region as string), signal: stopSignal }),
        );
      } catch (error) {
        if (!interruption.interrupted) report.warnings.push(`Posture not checked: ${describe(error)}`);
      }
    }
    await keepRecord(deps, report);

    if (options.keep && !interruption.interrupted) {
      report.cleanup = keptReport(stackName, engine);
    } else {
      report.cleanup = await phases.run("destroy", () =>
        cleanUp(live, {
          repair: upIncomplete || interruption.interrupted,
          region: settings.region as string,
          bucketNames: knownBuckets(report.outputs),
          bucketPrefixes: labBucketPrefixes(settings.bucketPrefix),
          ...cleanupPolicy(svc, engine, interruption, options, deps),
        }),
      );
    }
    // The probe once cleanup is done: terminated, or still there (and costing) when it is not.
    const probe = str(report.outputs?.instanceId);
    if (probe && report.instance) {
      report.instance.atCleanup = await instanceForEvidence(() => svc.describeInstance(probe, interruption.giveUp.signal), report.warnings, interruption.giveUp.signal);
    }
  }
  report.interrupted = interruption.signal;
  interruption.dispose();
  services?.close();
  report.finishedAt = new Date(deps.now()).toISOString();
  report.exitCode = exitCodeOf(report);
  if (stack) await keepRecord(deps, report);
  return report;
}

/**
 * The evidence and, beside it, the HTML report rendered from it. The renderer loads verify/, so
 * it is imported here, once a stack exists; a page that cannot be written is a warning, not a failure.
 */
async function keepRecord(deps: LabDeps, report: LabReport): Promise<void> {
  const file = writeEvidence(deps.projectDir, report);
  try {
    const { writeReport } = await import("./report/cli");
    writeReport(report, path.join(path.dirname(file), REPORT_FILE));
  } catch (error) {
    deps.log(`warning: could not write the HTML report beside ${file}: ${describe(error)}`);
  }
}

export interface CleanupOptions {
  stack: string;
  region?: string;
  template: TemplateConfig;
  destroyAttempts: number;
  destroyRetryMs: number;
}

/** `--cleanup <stack>`: destroy a leftover stack (clearing pending operations), sweep, remove it. */
export async function runCleanup(options: CleanupOptions, deps: LabDeps): Promise<LabReport> {
  const report = newReport("cleanup", options.stack, new Date(deps.now()));
  const phases = new Phases(report, deps.now);
  const interruption = new Interruption(deps.signals, deps.log, deps.now);
  let services: LabServices | undefined;
  const settings = labSettings(options.template.config, options.region, deps.env);
  try {
    checkStackName(options.stack);
    deps.checkCli();
    const engine = await deps.openEngine();
    report.backend = engine.backend;
    const stack = await engine.openStack(options.stack, false);
    let region = options.region;
    if (stack && !region) {
      const config = await stack.getConfig();
      region = config["aws:region"];
    }
    region = region ?? settings.region;
    if (!region) throw new NoRegionError();
    report.region = region;
    services = deps.services(region);
    const identity = await services.identity();
    report.accountId = identity.account;
    report.callerArn = identity.arn;
    deps.log(`AWS account ${identity.account} (${identity.arn}), region ${region}, stack ${options.stack}`);
    const svc = services;
    const prefixes = labBucketPrefixes(settings.bucketPrefix);
    if (stack) {
      try {
        report.outputs = await stack.outputs();
      } catch {
        report.outputs = null;
      }
      const target = region;
      report.cleanup = await phases.run("destroy", () =>
        cleanUp(stack, {
          repair: true,
          region: target,
          bucketNames: knownBuckets(report.outputs),
          bucketPrefixes: prefixes,
          ...cleanupPolicy(svc, engine, interruption, options, deps),
        }),
      );
    } else {
      deps.log(`No stack '${options.stack}' in ${engine.backend}; sweeping ${region} for resources tagged with it.`);
      report.cleanup = await phases.run("sweep", () => sweepOnly(options.stack, region, prefixes, svc.sweeper));
    }
  } catch (error) {
    recordError(report, error);
  }
  report.interrupted = interruption.signal;
  interruption.dispose();
  services?.close();
  report.finishedAt = new Date(deps.now()).toISOString();
  report.exitCode = exitCodeOf(report);
  return report;
}
