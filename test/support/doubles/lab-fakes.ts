// A recording fake of everything the lab cycle touches (engine, stack, AWS services, verifier,
// sweeper, signals, clock), sharing one event list so tests can assert the order of phases.
/* eslint-disable @typescript-eslint/require-await, @typescript-eslint/no-this-alias -- fakes
 * implement async interfaces without awaiting, and their object literals close over the Fakes
 * instance */
import { createHash } from "node:crypto";
import { EventEmitter } from "node:events";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { ConfigValue, LabEngine, LabStack, LeftRunning, PendingOperation, StackState } from "../../../automation/engine/lab-engine";
import { EngineError, LeftRunningError, UpFailedError } from "../../../automation/engine/engine-errors";
import type { InstanceView } from "../../../automation/aws/instance-view";
import type { CanaryObject, CanaryRequest } from "../../../automation/aws/canary-object";
import type { LabDeps, LabOptions, LabServices } from "../../../automation/lab";
import type { SweepReport } from "../../../automation/cleanup/sweep";
import type {
  LabIntegrityRequest,
  LabPostureRequest,
  LabVerifyEvidence,
  LabVerifyRequest,
} from "../../../automation/verifier/lab-verifier";
import type { IntegrityResult, PostureReport } from "../../../verify";

export const OUTPUTS_TRAIL = {
  bucketName: "audit-logs-bucket-7f3a9c1",
  trailName: "my-logs-trail",
  trailArn: "arn:aws:cloudtrail:eu-west-1:123456789012:trail/my-logs-trail",
  instanceId: null,
  region: "eu-west-1",
  accountId: "123456789012",
  logPrefix: "AWSLogs/123456789012/CloudTrail/",
  accessLogBucketName: null,
  // The default stack leaves both paid switches off (infra's outputs are null then).
  kmsKeyArn: null,
  logGroupName: null,
};
export const INSTANCE_ID = "i-0fa1e2d3c4b5a6978";
export const LOG_KEY =
  "AWSLogs/123456789012/CloudTrail/eu-west-1/2026/11/25/123456789012_CloudTrail_eu-west-1_20261125T2235Z_Ab12Cd34Ef56Gh78.json.gz";

export function evidence(verified: boolean): LabVerifyEvidence {
  return {
    verified,
    trail: {
      name: "my-logs-trail",
      arn: OUTPUTS_TRAIL.trailArn,
      isLogging: true,
      bucket: OUTPUTS_TRAIL.bucketName,
      prefix: null,
      latestDeliveryTime: "2026-11-25T22:35:10.000Z",
      latestDeliveryError: null,
    },
    s3: verified
      ? {
          bucket: OUTPUTS_TRAIL.bucketName,
          found: true,
          key: LOG_KEY,
          eventId: "0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0",
          eventTime: "2026-11-25T22:31:02Z",
          foundAt: "2026-11-25T22:36:40.000Z",
          objectsScanned: 3,
          bytesScanned: 48213,
          bytesDownloaded: 9120,
          skipped: [],
        }
      : {
          bucket: OUTPUTS_TRAIL.bucketName,
          found: false,
          key: null,
          eventId: null,
          eventTime: null,
          foundAt: null,
          objectsScanned: 7,
          bytesScanned: 90210,
          bytesDownloaded: 20111,
          skipped: [],
        },
    eventHistory: verified
      ? {
          found: true,
          eventId: "0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0",
          eventTime: "2026-11-25T22:31:02Z",
          username: "lab-session",
          foundAt: "2026-11-25T22:36:41.000Z",
        }
      : { found: false, eventId: null, eventTime: null, username: null, foundAt: null },
    event: verified
      ? {
          eventName: "RunInstances",
          eventTime: "2026-11-25T22:31:02Z",
          eventID: "0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0",
          responseElements: { instancesSet: { items: [{ instanceId: INSTANCE_ID }] } },
        }
      : null,
    search: "s3",
    athena: null,
    eventCategory: "Management",
  };
}

/** What verify's integrity check answers: all valid, or one log missing. */
/** Posture as the lab's default stack gets it: the two controls it does not pay for fail. */
const onTrail = { type: "AWS::CloudTrail::Trail" as const, arn: OUTPUTS_TRAIL.trailArn, region: "eu-west-1" };
const securityHub = (id: string) => `https://docs.aws.amazon.com/console/securityhub/${id}/remediation`;
export const POSTURE: PostureReport = {
  controls: [
    {
      id: "CloudTrail.1",
      title:
        "CloudTrail should be enabled and configured with at least one multi-Region trail that includes read and write management events",
      status: "pass",
      evidence: { IsMultiRegionTrail: true },
      fix: null,
      severity: "high",
      cis: { "v1.4.0": "3.1", "v3.0.0": "3.1" },
      resource: onTrail,
      remediationUrl: securityHub("CloudTrail.1"),
    },
    {
      id: "CloudTrail.2",
      title: "CloudTrail should have encryption at-rest enabled",
      status: "fail",
      evidence: { KmsKeyId: null },
      fix: "Encrypt the log files with a KMS key.",
      severity: "medium",
      cis: { "v1.4.0": "3.7", "v3.0.0": "3.5" },
      resource: onTrail,
      remediationUrl: securityHub("CloudTrail.2"),
    },
    {
      id: "CloudTrail.5",
      title: "CloudTrail trails should be integrated with Amazon CloudWatch Logs",
      status: "fail",
      evidence: { CloudWatchLogsLogGroupArn: null },
      fix: "Deliver to CloudWatch Logs.",
      severity: "low",
      cis: { "v1.4.0": "3.4", "v3.0.0": null },
      resource: onTrail,
      remediationUrl: securityHub("CloudTrail.5"),
    },
  ],
  checkedAt: "2026-11-25T22:37:05.000Z",
};

export function integrityResult(valid: boolean): IntegrityResult {
  const digestKey =
    "AWSLogs/123456789012/CloudTrail-Digest/eu-west-1/2026/11/25/123456789012_CloudTrail-Digest_eu-west-1_my-logs-trail_eu-west-1_20261125T232815Z.json.gz";
  return {
    valid,
    trail: { name: "my-logs-trail", arn: OUTPUTS_TRAIL.trailArn, bucket: OUTPUTS_TRAIL.bucketName, prefix: null },
    range: { since: "2026-11-25T22:29:00.000Z", until: "2026-11-25T22:28:15.000Z" },
    covered: { from: "2026-11-25T22:28:15.000Z", to: "2026-11-25T23:28:15.000Z" },
    regions: ["eu-west-1"],
    accounts: ["123456789012"],
    digests: { valid: 1, total: 1 },
    logs: { valid: valid ? 3 : 2, total: 3 },
    failures: valid ? [] : [{ kind: "log", bucket: OUTPUTS_TRAIL.bucketName, key: LOG_KEY, reason: "not found", listedIn: digestKey }],
    unchecked: [],
    gaps: [],
    reason: null,
  };
}

export interface FakeBehaviour {
  existingStacks?: string[];
  upFails?: "trail" | "probe" | "remove-probe";
  /** Runs inside up (after the event is recorded); may wait for a test to send a signal, or for the up's own stop. */
  onUp?: (step: string, signal: AbortSignal) => Promise<void>;
  /** The first n destroys fail with BucketNotEmpty. */
  destroyBucketNotEmpty?: number;
  destroyFails?: boolean;
  /** The stack lacks the athena* outputs even when trail-lab:athena is on. */
  noAthenaOutputs?: boolean;
  /** The stack's accessLogBucketName output; null (no access logging) by default. */
  accessLogBucket?: string;
  onDestroy?: (signal: AbortSignal) => Promise<void>;
  pending?: PendingOperation[];
  trailStatuses?: boolean[];
  verify?: (request: LabVerifyRequest) => Promise<LabVerifyEvidence>;
  /** The integrity check of --wait-digest; a valid result by default. */
  integrity?: (request: LabIntegrityRequest) => Promise<IntegrityResult>;
  /** The posture check after verify; POSTURE (the default stack's verdicts) by default. */
  posture?: (request: LabPostureRequest) => Promise<PostureReport>;
  identityError?: Error;
  vpcError?: Error;
  trailNameError?: Error;
  cliMissing?: Error;
  sweep?: SweepReport;
  copyFails?: boolean;
  /** EC2's answer for the probe; running while the stack holds it, terminated after, by default. */
  describeInstance?: (instanceId: string) => Promise<InstanceView>;
  /** Laid over the stack's outputs (a world of the program's own names). */
  outputs?: Record<string, unknown>;
  /** S3's answer to the data events' canary write and read; as written, by default. */
  writeCanaryObject?: (request: CanaryRequest) => Promise<CanaryObject>;
}

export const CANARY_BUCKET = "data-canary-bucket-5e6f7a8";

/** The probe as EC2 describes it in `state`; EC2 drops the network of a terminated instance from its description. */
export function instanceView(instanceId: string, readAt: string, state: string, overrides: Partial<InstanceView> = {}): InstanceView {
  const gone = state === "terminated";
  return {
    instanceId,
    readAt,
    found: true,
    state,
    instanceType: "t3.micro",
    name: "test",
    imageId: "ami-0abcdef1234567890",
    subnetId: gone ? null : "subnet-0a1b2c3d4e5f60718",
    vpcId: gone ? null : "vpc-0f1e2d3c4b5a69788",
    availabilityZone: "eu-west-1a",
    publicIpAddress: null,
    privateIpAddress: gone ? null : "172.31.20.17",
    httpTokens: "required",
    launchTime: "2026-11-25T22:31:02.000Z",
    ...overrides,
  };
}

export class Fakes {
  readonly events: string[] = [];
  readonly signals = new EventEmitter();
  readonly projectDir = fs.mkdtempSync(path.join(os.tmpdir(), "trail-lab-run-"));
  readonly config: Record<string, ConfigValue> = {};
  verifyRequest: LabVerifyRequest | null = null;
  integrityRequest: LabIntegrityRequest | null = null;
  postureRequest: LabPostureRequest | null = null;
  engineOpened = false;
  /** The give-up the engine was opened with: it lets go of an up or destroy told to stop, as pulumi-process.ts does. */
  letGo: AbortSignal | null = null;
  readonly left: LeftRunning[] = [];
  clock = Date.parse("2026-11-25T22:30:00Z");
  stackExists = false;
  resources: { urn: string; type: string; id?: string }[] = [];
  pending: PendingOperation[];
  imported: StackState | null = null;
  private destroys = 0;
  private statusIndex = 0;

  constructor(readonly behaviour: FakeBehaviour = {}) {
    this.pending = behaviour.pending ?? [];
  }

  cleanup(): void {
    fs.rmSync(this.projectDir, { recursive: true, force: true });
  }

  stack(name: string): LabStack {
    const f = this;
    return {
      name,
      async setConfig(config) {
        Object.assign(f.config, config);
        f.events.push(
          `config ${Object.entries(config)
            .filter(([k]) => k.endsWith("probeInstance"))
            .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
            .join(" ")}`.trim(),
        );
      },
      async getConfig() {
        return Object.fromEntries(Object.entries(f.config).filter(([, v]) => typeof v === "string")) as Record<string, string>;
      },
      async up(step, onOutput, signal) {
        f.events.push(`up ${step}`);
        // What Pulumi receives: the SIGINT the engine sends when the lab stops the up.
        const stop = () => f.events.push(`stop up ${step}`);
        signal?.addEventListener("abort", stop, { once: true });
        onOutput(`Updating (${name})\n`);
        try {
          if (f.behaviour.onUp) await f.lettingGo("up", f.behaviour.onUp(step, signal), signal);
        } finally {
          signal?.removeEventListener("abort", stop);
        }
        if (f.behaviour.upFails === step) throw new UpFailedError(step, "creating EC2 Instance: UnauthorizedOperation");
        f.resources = [
          { urn: "urn:pulumi:s::trail-lab::pulumi:pulumi:Stack::trail-lab-s", type: "pulumi:pulumi:Stack" },
          {
            urn: "urn:pulumi:s::trail-lab::aws:s3/bucket:Bucket::audit-logs-bucket",
            type: "aws:s3/bucket:Bucket",
            id: OUTPUTS_TRAIL.bucketName,
          },
          {
            urn: "urn:pulumi:s::trail-lab::aws:cloudtrail/trail:Trail::audit-trail",
            type: "aws:cloudtrail/trail:Trail",
            id: "my-logs-trail",
          },
        ];
        if (step === "probe")
          f.resources.push({
            urn: "urn:pulumi:s::trail-lab::aws:ec2/instance:Instance::probe-instance",
            type: "aws:ec2/instance:Instance",
            id: INSTANCE_ID,
          });
      },
      async outputs() {
        f.events.push("outputs");
        const athena = f.config["trail-lab:athena"] === "true" && !f.behaviour.noAthenaOutputs;
        return {
          ...OUTPUTS_TRAIL,
          accessLogBucketName: f.behaviour.accessLogBucket ?? null,
          instanceId: f.config["trail-lab:probeInstance"] === "true" ? INSTANCE_ID : null,
          athenaWorkgroup: athena ? `trail-lab-${name}` : null,
          athenaDatabase: athena ? `trail_lab_${name.replace(/-/g, "_")}` : null,
          athenaTable: athena ? "cloudtrail_logs" : null,
          canaryBucketName: f.config["trail-lab:dataEvents"] === "true" ? CANARY_BUCKET : null,
          ...f.behaviour.outputs,
        };
      },
      async exportState() {
        f.events.push("export");
        return { version: 3, deployment: { resources: f.resources, pending_operations: f.pending } };
      },
      async importState(state) {
        f.events.push("import");
        f.imported = state;
        f.pending = state.deployment?.pending_operations ?? [];
      },
      async destroy(onOutput, signal) {
        f.destroys++;
        const n = f.destroys;
        f.events.push(`destroy ${n}`);
        const stop = () => f.events.push(`stop destroy ${n}`);
        signal?.addEventListener("abort", stop, { once: true });
        onOutput("Destroying\n");
        try {
          if (f.behaviour.onDestroy) await f.lettingGo("destroy", f.behaviour.onDestroy(signal), signal);
        } finally {
          signal?.removeEventListener("abort", stop);
        }
        if (f.destroys <= (f.behaviour.destroyBucketNotEmpty ?? 0)) {
          throw new EngineError(
            "destroy",
            "deleting S3 Bucket (audit-logs-bucket-7f3a9c1): BucketNotEmpty: The bucket you tried to delete is not empty",
          );
        }
        if (f.behaviour.destroyFails) throw new EngineError("destroy", "deleting EC2 Instance: UnauthorizedOperation");
        f.resources = [];
      },
      async releaseStaleLock() {
        // A killed command's lock is the stand-in CLI's and the real engine's to show (pulumi-engine.test.ts).
        return false;
      },
      async remove() {
        f.events.push("remove");
        f.stackExists = false;
      },
    };
  }

  engine(): LabEngine {
    const f = this;
    return {
      backend: "file:///tmp/x/.pulumi-state (local, default)",
      shellEnv: { PULUMI_BACKEND_URL: "file:///tmp/x/.pulumi-state", PULUMI_CONFIG_PASSPHRASE: "" },
      workDir: f.projectDir,
      async openStack(name, create) {
        f.events.push(`open ${name}${create ? " create" : ""}`);
        const exists = f.stackExists || (f.behaviour.existingStacks ?? []).includes(name);
        if (!exists && !create) return null;
        f.stackExists = true;
        return f.stack(name);
      },
      async listStacks() {
        return [...(f.behaviour.existingStacks ?? [])];
      },
      leftRunning: async () => f.left.map((l) => ({ ...l })),
    };
  }

  /** The command's work, unless the give-up comes once it was told to stop: then it is let go, as the real engine does. */
  private lettingGo(command: string, work: Promise<void>, stop: AbortSignal | undefined): Promise<void> {
    const letGo = this.letGo;
    if (!letGo || !stop) return work;
    return new Promise<void>((resolve, reject) => {
      const leave = () => {
        if (!stop.aborted || !letGo.aborted) return;
        const pid = 40_000 + this.left.length;
        const output = path.join(os.tmpdir(), `trail-lab-pulumi-${command}-fake`);
        this.left.push({ command: `pulumi ${command}`, pid, output });
        reject(new LeftRunningError([command], pid, output));
      };
      stop.addEventListener("abort", leave);
      letGo.addEventListener("abort", leave);
      work.then(resolve, reject).finally(() => {
        stop.removeEventListener("abort", leave);
        letGo.removeEventListener("abort", leave);
      });
    });
  }

  services(): LabServices {
    const f = this;
    const b = f.behaviour;
    return {
      async identity() {
        f.events.push("identity");
        if (b.identityError) throw b.identityError;
        return { account: "123456789012", arn: "arn:aws:iam::123456789012:user/lab" };
      },
      async checkDefaultVpc() {
        f.events.push("vpc");
        if (b.vpcError) throw b.vpcError;
      },
      async checkTrailNameFree(name) {
        f.events.push(`trail-name ${name}`);
        if (b.trailNameError) throw b.trailNameError;
      },
      trailStatus: {
        async status() {
          const statuses = b.trailStatuses ?? [true];
          const isLogging = statuses[Math.min(f.statusIndex++, statuses.length - 1)];
          f.events.push(`status ${isLogging}`);
          return { isLogging, latestDeliveryError: null };
        },
      },
      sweeper: {
        async sweep(stack, hints) {
          f.events.push(`sweep ${stack} ${hints.bucketNames.join(",")}`);
          return b.sweep ?? { removed: [], remaining: [] };
        },
      },
      verifier: {
        async verify(request) {
          f.events.push("verify");
          f.verifyRequest = request;
          return b.verify ? b.verify(request) : evidence(true);
        },
        async integrity(request) {
          f.events.push("integrity");
          f.integrityRequest = request;
          return b.integrity ? b.integrity(request) : integrityResult(true);
        },
        async posture(request) {
          f.events.push("posture");
          f.postureRequest = request;
          return b.posture ? b.posture(request) : POSTURE;
        },
        async copyLogObject(request) {
          f.events.push("copy");
          if (b.copyFails) throw new Error("AccessDenied");
          fs.mkdirSync(path.dirname(request.file), { recursive: true });
          const raw = Buffer.from([0x1f, 0x8b, 0x08, 0x00]);
          fs.writeFileSync(request.file, raw);
          return { bytes: raw.length, sha256: createHash("sha256").update(raw).digest("hex") };
        },
      },
      async describeInstance(instanceId) {
        f.events.push(`describe ${instanceId}`);
        if (b.describeInstance) return b.describeInstance(instanceId);
        const gone = f.resources.every((r) => r.id !== instanceId);
        return instanceView(instanceId, new Date(f.clock).toISOString(), gone ? "terminated" : "running");
      },
      async writeCanaryObject(request) {
        f.events.push(`canary ${request.bucket}/${request.key}`);
        if (b.writeCanaryObject) return b.writeCanaryObject(request);
        const at = new Date(f.clock).toISOString();
        return {
          bucket: request.bucket,
          key: request.key,
          bytes: request.body.length,
          sha256: createHash("sha256").update(request.body).digest("hex"),
          etag: '"9b2cf535f27731c974343645a3985328"',
          versionId: "3HL4kqtJlcpXroDTDmjVBH40Nrjfkd",
          writtenAt: at,
          readAt: at,
        };
      },
      close() {
        f.events.push("close");
      },
    };
  }

  deps(): LabDeps {
    const f = this;
    return {
      projectDir: f.projectDir,
      env: {},
      checkCli: () => {
        f.events.push("cli");
        if (f.behaviour.cliMissing) throw f.behaviour.cliMissing;
      },
      services: () => f.services(),
      openEngine: async (letGo) => {
        f.engineOpened = true;
        f.letGo = letGo;
        return f.engine();
      },
      signals: f.signals,
      log: (line) => f.events.push(`log ${line}`),
      sleep: async (ms, signal) => {
        f.events.push(`sleep ${ms}`);
        if (!signal?.aborted) f.clock += ms;
      },
      now: () => f.clock,
    };
  }

  /** Events without the log lines. */
  steps(): string[] {
    return this.events.filter((e) => !e.startsWith("log "));
  }

  logs(): string[] {
    return this.events.filter((e) => e.startsWith("log ")).map((e) => e.slice(4));
  }
}

export function labOptions(overrides: Partial<LabOptions> = {}): LabOptions {
  return {
    stack: "lab-test",
    region: "eu-west-1",
    keep: false,
    settleMs: 5,
    template: {
      config: { "aws:region": "us-east-1", "trail-lab:trailName": "my-logs-trail", "trail-lab:instanceType": "t3.micro" },
      skipped: [],
    },
    trailWaitMs: 50,
    trailPollMs: 10,
    destroyAttempts: 4,
    destroyRetryMs: 7,
    clockSkewMs: 60_000,
    ...overrides,
  };
}

/** Resolves when `emit` is called; lets a fake up or verify wait for the test's signal. */
export function gate(): { wait: Promise<void>; open: () => void } {
  let open: () => void = () => undefined;
  const wait = new Promise<void>((resolve) => (open = resolve));
  return { wait, open };
}

/** A destroy that begins and hangs until `release()`: `started` resolves once it has begun. */
export function hangingDestroy(): { onDestroy: () => Promise<void>; started: Promise<void>; release: () => void } {
  const begun = gate();
  const hold = gate();
  return {
    onDestroy: async () => {
      begun.open();
      await hold.wait;
    },
    started: begun.wait,
    release: hold.open,
  };
}
