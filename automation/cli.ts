// `trail-lab lab` (`npm run lab`): parses the lab's flags (one table, LAB_COMMAND, which --help
// is generated from), chooses the AWS profile and region as an AWS user expects, wires the real
// Pulumi engine and AWS clients into the cycle (lab.ts), prints the result on stdout (one JSON
// object with --json) and sets the exit code. An error is printed once, on stderr.
import * as fs from "node:fs";
import { chooseProfile, chooseRegion, checkProfileExists, type AwsTarget } from "../common/aws-config";
import { createCloudTrailClientIn, createLabClients, destroyLabClients } from "./aws/aws-clients";
import { chooseBackend } from "./engine/backend";
import { TrailLabError } from "../common/errors";
import { errorDetail, errorText } from "../common/error-detail";
import {
  PROFILE_FLAG,
  REGION_PATTERN,
  SHARED_FLAGS,
  helpText,
  parseCommandLine,
  type CommandSpec,
  type FlagTable,
} from "../common/flag-table";
import { durationRule, parseSeconds } from "../common/flag-values";
import { TOOL_ROOT, versionLine } from "../common/provenance";
import { redactUrls } from "../common/redact";
import { labUsageError } from "./errors";
import { readInstance } from "./aws/instance-view";
import { writeAndReadCanary } from "./aws/canary-object";
import type { LabReport } from "./evidence";
import { LAB_DEFAULTS, runCleanup, runLab, type LabDeps, type LabServices } from "./lab";
import { checkCredentials, checkDefaultVpc, checkPulumiCli, checkTrailNameFree } from "./aws/preflight";
import { renderSummary } from "./summary";
import { sleep, type SignalSource } from "./signals";
import { credentialPolicy, setCredentialPolicy } from "../common/credentials";
import { readTemplateConfig, templateProfile, type TemplateConfig } from "./engine/stack-config";
import { awsTagSweeper } from "./cleanup/sweep";
import { cloudTrailStatusReader } from "./aws/trail-wait";
import type { LabVerifier } from "./verifier/lab-verifier";
import { ExitCode } from "../common/exit-codes";
import { createDrillClients, destroyDrillClients } from "./aws/drill-clients";
import { sdkDrillAws } from "./drill/drill-aws";
import { parseTechniques, techniqueHelp, type TechniqueName } from "./drill/techniques";
import { drillArgv } from "./drill/drill-flag";
import type { LabDrillOptions } from "./lab-drill";
import { guardUnfinished } from "../common/unfinished";

export const LAB_COMMAND = {
  name: "lab",
  summary: "Creates a CloudTrail trail with Pulumi, proves it records an EC2 launch, and destroys it all.",
  flags: {
    stack: { type: "string", value: "<name>", help: "the stack's name", default: "a new lab-<time>-<random> per run" },
    ...PROFILE_FLAG,
    region: {
      type: "string",
      value: "<region>",
      help: "the AWS region the stack goes to",
      default: "AWS_REGION, else AWS_DEFAULT_REGION, else the profile's region, else aws:region in Pulumi.dev.yaml",
    },
    settle: {
      type: "string",
      value: "<seconds>",
      help: "how long to wait after the trail logs, before the probe launches",
      default: String(LAB_DEFAULTS.settleMs / 1000),
    },
    timeout: {
      type: "string",
      value: "<seconds>",
      help: "verify's deadline; with --drill, also the drill's one wait for its records and alerts",
      default: "verify's, 1200 (20 minutes)",
    },
    keep: { type: "boolean", help: "do not destroy; print the commands that destroy later" },
    "wait-digest": {
      type: "boolean",
      help: `keep the trail until the first digest lists the event's log file (up to about ${LAB_DEFAULTS.digestWaitMs / 60_000} min; the probe is removed first), validate the log's integrity, then destroy`,
    },
    search: {
      type: "string",
      value: "<s3|athena>",
      help: "who searches the logs: this process reading S3, or Athena (the stack adds a Glue table and an Athena workgroup, and verify runs SQL there)",
      default: "s3",
    },
    "data-events": {
      type: "boolean",
      help: "also prove S3 data events: the stack adds a canary bucket whose objects' reads and writes the trail logs (billed per 100,000 data events; the lab makes a handful), and the lab writes and reads one object there and finds both calls in the logs",
    },
    drill: {
      type: "string",
      value: "[<techniques>]",
      help: "after the proof, tamper with the run's own trail and bucket and prove each change recorded, seen, alerted on and put back (adds the detections); alone: every technique, else a comma-separated list",
    },
    cleanup: {
      type: "string",
      value: "<stack>",
      help: "destroy a leftover lab stack and sweep what carries its tag; goes with --profile, --region and --json only",
    },
    json: { type: "boolean", help: "print the evidence as one JSON object on stdout" },
    ...SHARED_FLAGS,
  },
  // "engine" means the Pulumi engine only; who searches the logs is the search.
  renamed: { engine: "search" },
  examples: [
    "trail-lab lab --profile lab --region eu-west-1",
    "trail-lab lab --keep --json > run.json",
    "trail-lab lab --cleanup lab-20250131-1200-k3x9 --profile lab",
    "trail-lab lab --drill stop,selectors",
  ],
  notes: [
    `Durations (--settle, --timeout) are ${durationRule(0)}.`,
    "The region is printed before anything is created, with where it came from. With a profile, the stack's aws:profile " +
      "and the engine's AWS_PROFILE are set to it, so Pulumi acts as the same identity as the lab.",
    "Exit codes: 0 verified and cleaned up, 1 not verified, 2 bad usage or a failed preflight, 3 AWS or Pulumi failed, " +
      "4 cleanup incomplete (something may still cost money), 130 interrupted and cleaned up.",
    "--drill's techniques (docs/lab.md, 'The tamper drill'), run in this order:",
    ...techniqueHelp(),
  ],
} as const satisfies CommandSpec<FlagTable>;

export interface LabArgs {
  help: boolean;
  version: boolean;
  debug: boolean;
  json: boolean;
  keep: boolean;
  stack?: string;
  profile?: string;
  region?: string;
  cleanup?: string;
  settleMs: number;
  timeoutMs?: number;
  waitDigest: boolean;
  search: "s3" | "athena";
  dataEvents: boolean;
  /** --drill's techniques; absent without --drill. */
  drill?: TechniqueName[];
}

/**
 * --drill's options: its techniques and, when --timeout is given, that deadline as the drill's one
 * wait for its records and alerts too (a user who shortened the run's wait is not held 20 minutes).
 */
export function labDrillOptions(args: Pick<LabArgs, "drill" | "timeoutMs">): LabDrillOptions | undefined {
  if (!args.drill) return undefined;
  return { techniques: args.drill, ...(args.timeoutMs !== undefined ? { proofWaitMs: args.timeoutMs } : {}) };
}

export function parseLabArgs(argv: string[]): LabArgs {
  const v = parseCommandLine(LAB_COMMAND, drillArgv(argv)).values;
  if (v.search !== undefined && v.search !== "s3" && v.search !== "athena") {
    throw labUsageError(`--search is s3 or athena; got '${v.search}'.`);
  }
  if (
    v.cleanup !== undefined &&
    (v.keep ||
      v["wait-digest"] ||
      v["data-events"] ||
      v.drill !== undefined ||
      v.stack !== undefined ||
      v.settle !== undefined ||
      v.timeout !== undefined ||
      v.search !== undefined)
  ) {
    throw labUsageError("--cleanup <stack> takes the stack to remove and goes with --profile, --region and --json only.");
  }
  if (v.region !== undefined && !REGION_PATTERN.test(v.region)) {
    throw labUsageError(`--region '${v.region}' does not look like an AWS region (such as us-east-1).`);
  }
  const seconds = (flag: "settle" | "timeout") => {
    try {
      return parseSeconds(flag, v[flag]);
    } catch (error) {
      throw labUsageError((error as Error).message);
    }
  };
  return {
    help: v.help ?? false,
    version: v.version ?? false,
    debug: v.debug ?? false,
    json: v.json ?? false,
    keep: v.keep ?? false,
    stack: v.stack,
    profile: v.profile,
    region: v.region,
    cleanup: v.cleanup,
    settleMs: seconds("settle") ?? LAB_DEFAULTS.settleMs,
    timeoutMs: seconds("timeout"),
    waitDigest: v["wait-digest"] ?? false,
    search: v.search === "athena" ? "athena" : "s3",
    dataEvents: v["data-events"] ?? false,
    ...(v.drill !== undefined ? { drill: parseTechniques(v.drill) } : {}),
  };
}

/**
 * The profile (--profile, AWS_PROFILE, the template's aws:profile) and the region the AWS
 * environment names (AWS_REGION, AWS_DEFAULT_REGION, the profile's), read by the SDK's loaders;
 * --region and the template's aws:region are the run's to weigh (engine/stack-config.ts labSettings).
 */
export async function labAwsTarget(args: Pick<LabArgs, "profile">, template: TemplateConfig, env: NodeJS.ProcessEnv): Promise<AwsTarget> {
  const profile = chooseProfile(args.profile, env, templateProfile(template.config));
  if (profile) await checkProfileExists(profile, env);
  return { profile, region: await chooseRegion(undefined, profile, env) };
}

/** verify/ is loaded when the cycle reaches it, so a failed preflight never pays for loading it. */
function lazyVerifier(region: string, profile: string | undefined): LabVerifier {
  let adapter: Promise<LabVerifier> | undefined;
  const load = () => (adapter ??= import("./verifier/verify-adapter").then((m) => m.verifyAdapter(region, profile)));
  return {
    verify: async (request) => (await load()).verify(request),
    copyLogObject: async (request) => (await load()).copyLogObject(request),
    integrity: async (request) => (await load()).integrity(request),
    posture: async (request) => (await load()).posture(request),
  };
}

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: NodeJS.ProcessEnv;
  signals: SignalSource;
  projectDir: string;
}

export interface RealDepsOptions {
  /**
   * The AWS profile of the lab's own clients, verify's, and the engine's (AWS_PROFILE).
   * @default none: the default credential chain, as the environment says
   */
  profile?: string;
}

export function realDeps(io: CliIo, options: RealDepsOptions = {}): LabDeps {
  // Engine output can name the backend, credentials and all (postgres://user:pass@...).
  const log = (line: string) => io.stderr(`${redactUrls(line)}\n`);
  const { profile } = options;
  return {
    projectDir: io.projectDir,
    env: io.env,
    checkCli: () => void checkPulumiCli(io.env),
    services: (region): LabServices => {
      const clients = createLabClients({ region, env: io.env, profile });
      return {
        identity: () => checkCredentials(clients),
        checkDefaultVpc: (subnetId) => checkDefaultVpc(clients, region, subnetId),
        checkTrailNameFree: (name) =>
          checkTrailNameFree(clients, name, region, (home) => createCloudTrailClientIn(home, { env: io.env, profile })),
        trailStatus: cloudTrailStatusReader(clients),
        sweeper: awsTagSweeper(clients, { log }),
        verifier: lazyVerifier(region, profile),
        describeInstance: (instanceId, signal) => readInstance(clients.ec2, instanceId, { signal }),
        writeCanaryObject: (request) => writeAndReadCanary(clients.s3, request, () => Date.now()),
        drillAws: (userAgent) => {
          const drill = createDrillClients({ region, env: io.env, profile, userAgent });
          return { aws: sdkDrillAws(drill), close: () => destroyDrillClients(drill) };
        },
        close: () => destroyLabClients(clients),
      };
    },
    openEngine: async (letGo) => {
      const backend = chooseBackend(io.projectDir, io.env);
      if (backend.localDir) fs.mkdirSync(backend.localDir, { recursive: true });
      if (backend.passphrase === "empty") log("PULUMI_CONFIG_PASSPHRASE is not set: the lab's stacks use an empty passphrase.");
      // Loaded here, after preflight: the Automation API is large and needs the CLI anyway.
      const { createPulumiEngine } = await import("./engine/pulumi-engine");
      // The provider reads AWS_PROFILE as the SDK does; the stack's aws:profile says the same (lab.ts).
      const env = profile ? { ...backend.env, AWS_PROFILE: profile } : backend.env;
      return createPulumiEngine({ workDir: io.projectDir, env, backend: backend.description, letGo });
    },
    signals: io.signals,
    log,
    sleep,
    now: () => Date.now(),
  };
}

/**
 * The credential policy of a run: a signal ends a fetch in flight (a credential_process that never
 * answers must not hold the preflight), within the deadline in force (the default one). A fetch
 * after the signal (the cleanup's) runs normally.
 */
function credentialsStoppedBy(signals: SignalSource): { dispose(): void } {
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  const names = ["SIGINT", "SIGTERM", "SIGHUP"] as const;
  for (const name of names) signals.on(name, onSignal);
  const restore = setCredentialPolicy({ ...credentialPolicy(), signal: stop.signal });
  return {
    dispose() {
      restore();
      for (const name of names) signals.off(name, onSignal);
    },
  };
}

/** Makes the wiring once the flags have said which profile to use; realDeps unless a test says otherwise. */
export type DepsFactory = (options: RealDepsOptions) => LabDeps;

/**
 * Runs the command; returns the exit code and never throws. `deps` replaces the real wiring
 * (tests): made wiring, or a factory given the profile as realDeps would be.
 */
export async function main(argv: string[], io: CliIo, deps: LabDeps | DepsFactory = (options) => realDeps(io, options)): Promise<number> {
  let args: LabArgs;
  try {
    args = parseLabArgs(argv);
  } catch (error) {
    io.stderr(errorText(error, argv.includes("--debug")));
    return ExitCode.Usage;
  }
  if (args.help) {
    io.stdout(helpText(LAB_COMMAND));
    return ExitCode.Ok;
  }
  if (args.version) {
    io.stdout(versionLine());
    return ExitCode.Ok;
  }
  let report: LabReport;
  const credentials = credentialsStoppedBy(io.signals);
  try {
    const template = readTemplateConfig(io.projectDir);
    const aws = await labAwsTarget(args, template, io.env);
    const wired = typeof deps === "function" ? deps({ profile: aws.profile?.value }) : deps;
    // --debug: each error the run records, in full, as it happens (the raw engine output included).
    const run: LabDeps = args.debug ? { ...wired, onError: (error) => io.stderr(`${errorDetail(error)}\n`) } : wired;
    const retries = { destroyAttempts: LAB_DEFAULTS.destroyAttempts, destroyRetryMs: LAB_DEFAULTS.destroyRetryMs };
    report = args.cleanup
      ? await runCleanup({ stack: args.cleanup, region: args.region, aws, template, ...retries }, run)
      : await runLab(
          {
            stack: args.stack,
            region: args.region,
            aws,
            keep: args.keep,
            settleMs: args.settleMs,
            verifyTimeoutMs: args.timeoutMs,
            template,
            trailWaitMs: LAB_DEFAULTS.trailWaitMs,
            trailPollMs: LAB_DEFAULTS.trailPollMs,
            ...retries,
            clockSkewMs: LAB_DEFAULTS.clockSkewMs,
            waitDigest: args.waitDigest,
            search: args.search,
            dataEvents: args.dataEvents,
            ...(args.drill ? { drill: labDrillOptions(args) } : {}),
          },
          run,
        );
  } catch (error) {
    // runLab describes its own failures; this is a bad profile, an unreadable Pulumi.dev.yaml or a bug.
    io.stderr(errorText(error, args.debug));
    return error instanceof TrailLabError ? error.exitCode : ExitCode.AwsError;
  } finally {
    credentials.dispose();
  }
  // The error once, on stderr with the progress before it; the summary on stdout is the result
  // and says only that it failed (with --json the object carries the message as data).
  if (report.error) io.stderr(`${redactUrls(report.error.message)}\n`);
  io.stdout(args.json ? `${JSON.stringify(report)}\n` : renderSummary(report));
  return report.exitCode ?? ExitCode.AwsError;
}

/** The command as a process runs it: its stdio, environment and signals, the project beside this room. */
export function runProcess(argv: string[]): Promise<number> {
  return guardUnfinished("lab", () =>
    main(argv, {
      stdout: (text) => process.stdout.write(text),
      stderr: (text) => process.stderr.write(text),
      env: process.env,
      signals: process,
      projectDir: TOOL_ROOT,
    }),
  );
}

if (require.main === module) {
  void runProcess(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
