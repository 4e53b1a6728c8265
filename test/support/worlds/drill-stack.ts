// The lab's stack with its detections, as the drill finds it: the program run under Pulumi's mocks
// (so nothing of infra/ is restated), its state as `pulumi stack export` would hold it, its
// outputs, and a drill world (drill-world.ts) holding what the program declares: the trail
// logging with the default selectors, the bucket's policy and lifecycle, the alert queue, the
// EventBridge rules and (with cloudWatchLogs) the alarms, all from the same run. Plus trail-lab's
// checks as the drill reads them, judged on the world's state: a posture result built here (the
// controls the drill expects, as the posture check words them) and the S3 search over what the
// world delivered.
import { runProgram, type ProgramRun } from "../pulumi-program";
import type { CheckpointLike, DrillTarget } from "../../../automation/drill/declared";
import type { DrillChecks, LogFind } from "../../../automation/drill/drill";
import { startDrillWorld, type DrillWorld } from "./drill-world";
import { createDrillClients, type DrillClients } from "../../../automation/aws/drill-clients";
import type { StackOutputs } from "../../../automation/engine/stack-outputs";
import { drillTarget } from "../../../automation/lab-drill";

export interface DrillStack {
  run: ProgramRun;
  world: DrillWorld;
  target: DrillTarget;
  checkpoint: CheckpointLike;
}

/** Pulumi's lifecycle rule inputs in S3's API shape, as the AWS provider sends them. */
function lifecycleRules(rules: Record<string, any>[]): Record<string, unknown>[] {
  return rules.map((rule) => ({
    ID: rule.id,
    Filter: rule.filter?.prefix ? { Prefix: rule.filter.prefix } : {},
    Status: rule.status,
    ...(rule.expiration ? { Expiration: { Days: rule.expiration.days } } : {}),
    ...(rule.noncurrentVersionExpiration
      ? { NoncurrentVersionExpiration: { NoncurrentDays: rule.noncurrentVersionExpiration.noncurrentDays } }
      : {}),
    ...(rule.abortIncompleteMultipartUpload
      ? { AbortIncompleteMultipartUpload: { DaysAfterInitiation: rule.abortIncompleteMultipartUpload.daysAfterInitiation } }
      : {}),
  }));
}

/** The mocks' run as an exported deployment: each resource's inputs, and its state as outputs. */
export function checkpointOf(run: ProgramRun, stack: string): CheckpointLike {
  return {
    deployment: {
      resources: run.resources.map((r) => ({
        type: r.type,
        urn: `urn:pulumi:${stack}::trail-lab::${r.type}::${r.name}`,
        id: r.id,
        inputs: r.inputs,
        outputs: r.state,
      })),
    },
  };
}

/** Puts what the program declares into the world (an empty world, or one the engine tests fill from the stand-in plugin). */
export function declareInWorld(
  world: DrillWorld,
  run: Pick<ProgramRun, "outputs" | "all">,
  options: { stack: string; cloudWatchLogs: boolean },
): DrillTarget {
  const outputs = run.outputs as Record<string, string>;
  world.addTrail({ name: outputs.trailName, arn: outputs.trailArn, bucket: outputs.bucketName, cloudWatchLogs: options.cloudWatchLogs });
  const onBucket = (type: string) => run.all(type).find((r) => r.inputs.bucket === outputs.bucketName)?.inputs;
  world.addBucket(outputs.bucketName, {
    policy: onBucket("aws:s3/bucketPolicy:BucketPolicy")?.policy ?? null,
    lifecycle: lifecycleRules(onBucket("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration")?.rules ?? []),
  });
  const queue = outputs.alertQueueUrl;
  world.addQueue(queue);
  for (const rule of run.all("aws:cloudwatch/eventRule:EventRule"))
    world.addRule(rule.state.name, JSON.parse(rule.inputs.eventPattern), queue);
  const filters = run.all("aws:cloudwatch/logMetricFilter:LogMetricFilter").map((f) => f.inputs);
  for (const alarm of run.all("aws:cloudwatch/metricAlarm:MetricAlarm").map((a) => a.inputs)) {
    const filter = filters.find((f) => f.metricTransformation.name === alarm.metricName);
    if (filter) world.addAlarm(alarm.name, filter.pattern, queue);
  }
  return drillTarget(options.stack, run.outputs as unknown as StackOutputs);
}

/** The drill's own clients (the run's user agent on every call) for the world's endpoint. */
export function worldDrillClients(world: DrillWorld, target: DrillTarget, userAgent: string): DrillClients {
  return createDrillClients({
    region: target.region,
    endpoint: world.endpoint,
    credentials: { accessKeyId: "AKIDLOCAL", secretAccessKey: "local" },
    maxAttempts: 1,
    userAgent,
  });
}

/** Runs of the program already made, by config: a run is only read, and the mocks take seconds. */
const runs = new Map<string, Promise<ProgramRun>>();

/** The stack (config `detections` on, plus `config`) in a new world. */
export async function drillStack(config: Record<string, string> = {}, stack = "lab-drill"): Promise<DrillStack> {
  const key = JSON.stringify([config, stack]);
  if (!runs.has(key)) runs.set(key, runProgram({ detections: "true", ...config }, stack));
  const run = await runs.get(key)!;
  const world = await startDrillWorld(run.outputs.accountId as string, run.outputs.region as string);
  const target = declareInWorld(world, run, { stack, cloudWatchLogs: config.cloudWatchLogs === "true" });
  return { run, world, target, checkpoint: checkpointOf(run, stack) };
}

/**
 * Posture as trail-lab judges the controls the drill reads, on the world's state: CloudTrail.1
 * and .3 (logging, write management events recorded), TrailLab.Retention (no enabled rule on the
 * log prefix expires logs in fewer than `retentionDays`) and TrailLab.Delivery (CloudTrail may
 * still PutObject). A result built for the drill's tests: the posture agent owns the real controls.
 */
export function worldPosture(world: DrillWorld, target: DrillTarget, retentionDays = 90): { controls: { id: string; status: string }[] } {
  const trail = world.trails.get(target.trailArn);
  const bucket = world.buckets.get(target.bucketName);
  const selectors = (trail?.selectors.EventSelectors ?? []) as { ReadWriteType?: string; IncludeManagementEvents?: boolean }[];
  const writes = selectors.some((s) => s.IncludeManagementEvents !== false && s.ReadWriteType !== "ReadOnly");
  const root = target.logPrefix.replace(/CloudTrail\/$/, "");
  const expiresEarly = (bucket?.lifecycle ?? []).some((rule: any) => {
    const prefix: string = rule.Filter?.Prefix ?? "";
    return (
      rule.Status === "Enabled" &&
      root.startsWith(prefix) &&
      typeof rule.Expiration?.Days === "number" &&
      rule.Expiration.Days < retentionDays
    );
  });
  let delivers = false;
  try {
    delivers = (JSON.parse(bucket?.policy ?? "{}").Statement ?? []).some(
      (s: any) => s.Effect === "Allow" && s.Principal?.Service === "cloudtrail.amazonaws.com" && [s.Action].flat().includes("s3:PutObject"),
    );
  } catch {
    delivers = false;
  }
  const verdict = (ok: boolean) => (ok ? "pass" : "fail");
  return {
    controls: [
      { id: "CloudTrail.1", status: verdict(!!trail?.isLogging && writes) },
      { id: "CloudTrail.2", status: "fail" },
      { id: "CloudTrail.3", status: verdict(!!trail?.isLogging) },
      { id: "TrailLab.Retention", status: verdict(!expiresEarly) },
      { id: "TrailLab.Delivery", status: verdict(delivers) },
    ],
  };
}

/** The S3 search as verify answers it: the earliest delivered record of the event (on the resource) since the time asked. */
export function worldLogSearch(world: DrillWorld, bucket: string): DrillChecks["findInLogs"] {
  return (request) => {
    const hits = world.delivered
      .filter((d) => d.bucket === bucket && d.record.eventName === request.eventName)
      .filter((d) => Date.parse(String(d.record.eventTime)) >= request.since.getTime())
      .filter(
        (d) =>
          request.resource === null ||
          ((d.record.resources as { ARN: string }[] | undefined) ?? []).some((r) => r.ARN.endsWith(`:${request.resource}`)),
      )
      .sort((a, b) => String(a.record.eventTime).localeCompare(String(b.record.eventTime)));
    const hit = hits[0];
    const find: LogFind = hit
      ? {
          found: true,
          key: hit.key,
          eventId: String(hit.record.eventID),
          eventTime: String(hit.record.eventTime),
          foundAt: new Date().toISOString(),
          userAgent: String(hit.record.userAgent),
        }
      : { found: false, key: null, eventId: null, eventTime: null, foundAt: null, userAgent: null };
    return Promise.resolve(find);
  };
}
