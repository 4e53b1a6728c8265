// One run, of the lab or of `--cleanup`, as far as both go alike: the record (evidence) it
// fills, its signals, the timing of each phase, the account check, the destroy with the run's
// retry policy, and the finish that closes it all and sets the one exit code.
import * as path from "node:path";
import { cleanUp, type CleanupContext, type CleanupReport } from "./cleanup/cleanup";
import type { LabEngine, LabStack } from "./engine/lab-engine";
import type { AwsTarget, Chosen } from "../common/aws-config";
import { TrailLabError, describe } from "../common/errors";
import { EvidenceNotWrittenError, InterruptedError } from "./errors";
import type { LabReport } from "./evidence";
import { REPORT_FILE, evidencePath, newReport, writeEvidence } from "./evidence";
import type { Identity } from "./aws/preflight";
import type { SignalSource, Sleep } from "./signals";
import { Interruption } from "./signals";
import type { LabSettings, TemplateConfig } from "./engine/stack-config";
import { labSettings } from "./engine/stack-config";
import { bucketsInOutputs } from "./engine/stack-outputs";
import type { TagSweeper } from "./cleanup/sweep";
import { labBucketPrefixes } from "./cleanup/sweep";
import type { TrailStatusReader } from "./aws/trail-wait";
import type { LabVerifier } from "./verifier/lab-verifier";
import { ExitCode } from "../common/exit-codes";
import type { InstanceView } from "./aws/instance-view";
import type { CanaryObject, CanaryRequest } from "./aws/canary-object";
import type { DrillConnection } from "./lab-drill";

/** The AWS side of the lab, bound to one region once it is known. */
export interface LabServices {
  identity(): Promise<Identity>;
  checkDefaultVpc(subnetId: string | undefined): Promise<void>;
  checkTrailNameFree(trailName: string): Promise<void>;
  trailStatus: TrailStatusReader;
  sweeper: TagSweeper;
  verifier: LabVerifier;
  /** The drill's own calls, each carrying `userAgent` (--drill); absent from a wiring without them (lab-drill.ts). */
  drillAws?: (userAgent: string) => DrillConnection;
  /** The probe as EC2 describes it (automation/aws/instance-view.ts), for the evidence. */
  describeInstance(instanceId: string, signal: AbortSignal): Promise<InstanceView>;
  /** Writes and reads back the data events' canary object (automation/aws/canary-object.ts). */
  writeCanaryObject(request: CanaryRequest): Promise<CanaryObject>;
  close(): void;
}

export interface LabDeps {
  projectDir: string;
  env: NodeJS.ProcessEnv;
  /** Throws MissingToolError when the Pulumi CLI is absent. */
  checkCli: () => void;
  services: (region: string) => LabServices;
  /**
   * Opens the engine; only called once preflight passed, since it may create the state folder.
   * `letGo` is the run's give-up: the engine then stops waiting for an up or destroy it told to stop.
   */
  openEngine: (letGo: AbortSignal) => Promise<LabEngine>;
  signals: SignalSource;
  /** One line of progress or engine output, to stderr. */
  log: (line: string) => void;
  sleep: Sleep;
  now: () => number;
  /** Sees each error the run records, whole (--debug prints its detail). */
  onError?: (error: unknown) => void;
}

/** The one exit code: incomplete cleanup wins, then a signal, then the error, then the verdict. */
export function exitCodeOf(report: LabReport): number {
  if (report.cleanup && report.cleanup.mode === "destroy" && !report.cleanup.complete) return ExitCode.CleanupIncomplete;
  if (report.interrupted) return ExitCode.Interrupted;
  if (report.error) return report.error.exitCode ?? ExitCode.AwsError;
  if (report.integrity?.status === "invalid") return ExitCode.CheckFailed;
  if (report.dataEvents?.status === "not-verified") return ExitCode.CheckFailed;
  if (report.verified === true) return ExitCode.Ok;
  if (report.verified === false) return ExitCode.CheckFailed;
  return report.command === "cleanup" ? ExitCode.Ok : ExitCode.AwsError;
}

/** What a lab run and a --cleanup run share: the record, the signals, the timings, the account check, the finish. */
export abstract class Run {
  readonly report: LabReport;
  protected readonly interruption: Interruption;
  protected readonly settings: LabSettings;
  /** The AWS profile the lab's clients and the engine use; null for the default chain. */
  protected readonly profile: Chosen | null;
  /** The AWS side, once the region is known; closed by finish. */
  private services: LabServices | null = null;
  private readonly retries: { attempts: number; retryMs: number };

  constructor(
    command: LabReport["command"],
    stackName: string,
    options: { region?: string; aws?: AwsTarget; template: TemplateConfig; destroyAttempts: number; destroyRetryMs: number },
    protected readonly deps: LabDeps,
  ) {
    this.report = newReport(command, stackName, new Date(deps.now()));
    this.interruption = new Interruption(deps.signals, deps.log, deps.now);
    this.settings = labSettings(options.template.config, options.region, options.aws?.region ?? null);
    this.profile = options.aws?.profile ?? null;
    this.retries = { attempts: options.destroyAttempts, retryMs: options.destroyRetryMs };
  }

  /** Fires at the first signal: waits and polls given it end early. */
  protected get stop(): AbortSignal {
    return this.interruption.stop.signal;
  }

  /** Whether the run keeps lab-runs/<stack>/: see each run. */
  protected abstract get keepsRecord(): boolean;

  /** Times one phase for the evidence, whether it succeeds or throws. */
  protected async timed<T>(name: string, work: () => Promise<T>): Promise<T> {
    const started = this.deps.now();
    const timing = { startedAt: new Date(started).toISOString(), endedAt: null as string | null, ms: null as number | null };
    this.report.timings[name] = timing;
    try {
      return await work();
    } finally {
      const ended = this.deps.now();
      timing.endedAt = new Date(ended).toISOString();
      timing.ms = ended - started;
    }
  }

  /** Binds the AWS side to the region, and says whose account, which region and why, before anything is created. */
  protected async identify(region: Chosen): Promise<LabServices> {
    this.report.region = region.value;
    const services = (this.services = this.deps.services(region.value));
    const identity = await services.identity();
    this.report.accountId = identity.account;
    this.report.callerArn = identity.arn;
    const profile = this.profile ? `, profile ${this.profile.value} (from ${this.profile.source})` : "";
    this.deps.log(
      `AWS account ${identity.account} (${identity.arn})${profile}, region ${region.value} (from ${region.source}), stack ${this.report.stack}`,
    );
    return services;
  }

  /** Destroys the stack and sweeps what carries its tag, with the run's signals and retry policy. */
  protected destroy(stack: LabStack, engine: LabEngine, services: LabServices, region: string, repair: boolean): Promise<CleanupReport> {
    const context: CleanupContext = {
      repair,
      region,
      bucketNames: bucketsInOutputs(this.report.outputs),
      bucketPrefixes: labBucketPrefixes(this.settings.bucketPrefix),
      sweeper: services.sweeper,
      engine,
      giveUp: this.interruption.giveUp.signal,
      attempts: this.retries.attempts,
      retryMs: this.retries.retryMs,
      sleep: this.deps.sleep,
      log: this.deps.log,
    };
    return this.timed("destroy", () => cleanUp(stack, context));
  }

  /** Keeps the error that ended the run; a signal is none (the run reports it as interrupted). */
  record(error: unknown): void {
    this.deps.onError?.(error);
    if (error instanceof InterruptedError) return;
    if (this.report.error) return;
    const exitCode = error instanceof TrailLabError ? error.exitCode : exitCodeProperty(error);
    this.report.error = {
      name: error instanceof Error ? error.name : "Error",
      message: error instanceof Error ? error.message : String(error),
      exitCode,
    };
  }

  /**
   * The evidence and, beside it, the HTML report rendered from it. The renderer loads verify/, so
   * it is imported here, once a stack exists; a page that cannot be written is a warning, not a failure.
   */
  async keepEvidence(): Promise<void> {
    if (!this.keepsRecord) return;
    let file: string;
    try {
      file = writeEvidence(this.deps.projectDir, this.report);
    } catch (error) {
      // Never thrown on: cleanup comes after this, and a lost record must not cost it.
      const lost = new EvidenceNotWrittenError(evidencePath(this.deps.projectDir, this.report.stack), describe(error));
      this.warnOnce(`evidence not written to ${lost.file}: ${describe(error)}`);
      this.record(lost);
      return;
    }
    try {
      const { writeReport } = await import("./report/write");
      writeReport(this.report, path.join(path.dirname(file), REPORT_FILE));
    } catch (error) {
      this.warnOnce(`could not write the HTML report beside ${file}: ${describe(error)}; render it later with 'npm run report -- ${file}'`);
    }
  }

  /** A warning for the record and stderr; the evidence is kept twice a run, and says it once. */
  private warnOnce(warning: string): void {
    if (this.report.warnings.includes(warning)) return;
    this.report.warnings.push(warning);
    this.deps.log(`warning: ${warning}`);
  }

  /** Ends the run: its signal handlers and clients go, its exit code is set, its record kept. */
  async finish(): Promise<void> {
    this.report.interrupted = this.interruption.signal;
    this.interruption.dispose();
    this.services?.close();
    this.report.finishedAt = new Date(this.deps.now()).toISOString();
    this.report.exitCode = exitCodeOf(this.report);
    await this.keepEvidence();
    // A record lost only now changes the code, which the record could not carry anyway.
    this.report.exitCode = exitCodeOf(this.report);
  }
}

/** What an earlier phase set: the phases run in order, so a missing one is a bug in that order. */
export function setBy<T>(value: T | null, phase: string): T {
  if (value === null) throw new Error(`the lab's phases ran out of order: ${phase} has not run`);
  return value;
}

function exitCodeProperty(error: unknown): number | null {
  const code = (error as { exitCode?: unknown } | null)?.exitCode;
  return typeof code === "number" ? code : null;
}
