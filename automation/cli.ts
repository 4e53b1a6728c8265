// `npm run lab`: parses the lab's flags, wires the real Pulumi engine and AWS clients into the
// cycle (lab.ts), prints the result on stdout (one JSON object with --json) and sets the exit code.
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { createCloudTrailClientIn, createLabClients, destroyLabClients } from "./aws-clients";
import { chooseBackend } from "./backend";
import { TrailLabError, describe } from "../common/errors";
import { redactUrls } from "../common/redact";
import { labUsageError } from "./errors";
import { readInstance } from "./instance-view";
import type { LabReport } from "./evidence";
import { LAB_DEFAULTS, runCleanup, runLab, type LabDeps, type LabServices } from "./lab";
import { checkCredentials, checkDefaultVpc, checkPulumiCli, checkTrailNameFree } from "./preflight";
import { renderSummary } from "./render";
import type { SignalSource } from "./signals";
import { sleep } from "./sleep";
import { readTemplateConfig } from "./stack-config";
import { awsTagSweeper } from "./sweep";
import { cloudTrailStatusReader } from "./trail-wait";
import type { LabVerifier } from "./verifier";
import { ExitCode } from "../common/exit-codes";

export const USAGE = `Usage: npm run -s lab -- [flags]

Creates a CloudTrail trail with Pulumi, proves it records an EC2 launch, and destroys it all.

  --stack <name>      stack name (default: a new lab-<time>-<random> per run)
  --region <region>   AWS region (default: aws:region in Pulumi.dev.yaml, else AWS_REGION)
  --settle <s>        seconds to wait after the trail logs, before the probe launches (default 60)
  --timeout <s>       verify's deadline in seconds (default: verify's, 20 minutes)
  --keep              do not destroy; print the commands that destroy later
  --wait-digest       keep the stack until the first digest lists the event's log file (up to
                      about 75 min), validate log file integrity, then destroy
  --engine <e>        who searches the logs: s3 (default, this process) or athena (the stack
                      adds a Glue table and an Athena workgroup, and verify runs SQL there)
  --cleanup <stack>   destroy a leftover lab stack and sweep what carries its tag
  --json              print the evidence as one JSON object on stdout
  -h, --help          this text
`;

export interface LabArgs {
  help: boolean;
  json: boolean;
  keep: boolean;
  stack?: string;
  region?: string;
  cleanup?: string;
  settleMs: number;
  timeoutMs?: number;
  waitDigest: boolean;
  engine: "s3" | "athena";
}

function seconds(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n) || n < 0) throw labUsageError(`--${flag} takes a number of seconds, 0 or more; got '${value}'.`);
  return Math.round(n * 1000);
}

export function parseLabArgs(argv: string[]): LabArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        stack: { type: "string" },
        region: { type: "string" },
        keep: { type: "boolean", default: false },
        "wait-digest": { type: "boolean", default: false },
        engine: { type: "string" },
        cleanup: { type: "string" },
        settle: { type: "string" },
        timeout: { type: "string" },
        json: { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
    });
  } catch (error) {
    throw labUsageError(error instanceof Error ? error.message : String(error));
  }
  const v = parsed.values;
  if (v.engine !== undefined && v.engine !== "s3" && v.engine !== "athena") {
    throw labUsageError(`--engine is s3 or athena; got '${v.engine}'.`);
  }
  if (v.cleanup !== undefined && (v.keep || v["wait-digest"] || v.stack !== undefined || v.settle !== undefined || v.timeout !== undefined || v.engine !== undefined)) {
    throw labUsageError("--cleanup <stack> takes the stack to remove and goes with --region and --json only.");
  }
  if (v.region !== undefined && !/^[a-z]{2}(-[a-z]+)+-\d+$/.test(v.region)) {
    throw labUsageError(`--region '${v.region}' does not look like an AWS region (such as us-east-1).`);
  }
  return {
    help: v.help ?? false,
    json: v.json ?? false,
    keep: v.keep ?? false,
    stack: v.stack,
    region: v.region,
    cleanup: v.cleanup,
    settleMs: seconds("settle", v.settle) ?? LAB_DEFAULTS.settleMs,
    timeoutMs: seconds("timeout", v.timeout),
    waitDigest: v["wait-digest"] ?? false,
    engine: v.engine === "athena" ? "athena" : "s3",
  };
}

/** verify/ is loaded when the cycle reaches it, so a failed preflight never pays for loading it. */
function lazyVerifier(region: string): LabVerifier {
  let adapter: Promise<LabVerifier> | undefined;
  const load = () => (adapter ??= import("./verify-adapter").then((m) => m.verifyAdapter(region)));
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

export function realDeps(io: CliIo): LabDeps {
  // Engine output can name the backend, credentials and all (postgres://user:pass@...).
  const log = (line: string) => io.stderr(`${redactUrls(line)}\n`);
  return {
    projectDir: io.projectDir,
    env: io.env,
    checkCli: () => void checkPulumiCli(io.env),
    services: (region): LabServices => {
      const clients = createLabClients({ region, env: io.env });
      return {
        identity: () => checkCredentials(clients),
        checkDefaultVpc: (subnetId) => checkDefaultVpc(clients, region, subnetId),
        checkTrailNameFree: (name) => checkTrailNameFree(clients, name, region, (home) => createCloudTrailClientIn(home, { env: io.env })),
        trailStatus: cloudTrailStatusReader(clients),
        sweeper: awsTagSweeper(clients, { log }),
        verifier: lazyVerifier(region),
        describeInstance: (instanceId, signal) => readInstance(clients.ec2, instanceId, { signal }),
        close: () => destroyLabClients(clients),
      };
    },
    openEngine: async () => {
      const backend = chooseBackend(io.projectDir, io.env);
      if (backend.localDir) fs.mkdirSync(backend.localDir, { recursive: true });
      if (backend.passphrase === "empty") log("PULUMI_CONFIG_PASSPHRASE is not set: the lab's stacks use an empty passphrase.");
      // Loaded here, after preflight: the Automation API is large and needs the CLI anyway.
      const { createPulumiEngine } = await import("./pulumi-engine");
      return createPulumiEngine({ workDir: io.projectDir, env: backend.env, backend: backend.description });
    },
    signals: io.signals,
    log,
    sleep,
    now: () => Date.now(),
  };
}

/** Runs the command; returns the exit code and never throws. */
export async function main(argv: string[], io: CliIo, deps: LabDeps = realDeps(io)): Promise<number> {
  let args: LabArgs;
  try {
    args = parseLabArgs(argv);
  } catch (error) {
    io.stderr(`${error instanceof Error ? error.message : String(error)}\n`);
    return ExitCode.Usage;
  }
  if (args.help) {
    io.stdout(USAGE);
    return ExitCode.Ok;
  }
  let report: LabReport;
  try {
    const template = readTemplateConfig(io.projectDir);
    report = args.cleanup
      ? await runCleanup(
          { stack: args.cleanup, region: args.region, template, destroyAttempts: LAB_DEFAULTS.destroyAttempts, destroyRetryMs: LAB_DEFAULTS.destroyRetryMs },
          deps,
        )
      : await runLab(
          {
            stack: args.stack,
            region: args.region,
            keep: args.keep,
            settleMs: args.settleMs,
            verifyTimeoutMs: args.timeoutMs,
            template,
            trailWaitMs: LAB_DEFAULTS.trailWaitMs,
            trailPollMs: LAB_DEFAULTS.trailPollMs,
            destroyAttempts: LAB_DEFAULTS.destroyAttempts,
            destroyRetryMs: LAB_DEFAULTS.destroyRetryMs,
            clockSkewMs: LAB_DEFAULTS.clockSkewMs,
            waitDigest: args.waitDigest,
            engine: args.engine,
          },
          deps,
        );
  } catch (error) {
    // runLab describes its own failures; this is a bug or an unreadable Pulumi.dev.yaml.
    io.stderr(`trail-lab: ${describe(error)}\n`);
    return error instanceof TrailLabError ? error.exitCode : ExitCode.AwsError;
  }
  if (report.error) io.stderr(`${report.error.message}\n`);
  io.stdout(args.json ? `${JSON.stringify(report)}\n` : renderSummary(report));
  return report.exitCode ?? ExitCode.AwsError;
}

if (require.main === module) {
  void main(process.argv.slice(2), {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    env: process.env,
    signals: process,
    projectDir: path.resolve(__dirname, ".."),
  }).then((code) => {
    process.exitCode = code;
  });
}
