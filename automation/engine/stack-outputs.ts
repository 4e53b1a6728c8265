// The stack's outputs as infra/index.ts exports them, read once into one typed model: an output
// that is missing or of the wrong type fails by name (StackOutputError) instead of reading as
// undefined further on. automation/ may not import infra/, so
// test/automation/engine/stack-outputs.test.ts runs the program under Pulumi mocks and holds
// STACK_OUTPUTS to its exports.
import { TrailLabError } from "../../common/errors";
import { ExitCode } from "../../common/exit-codes";

/** The stack's outputs (infra/index.ts). A nullable one is null where the stack has it switched off. */
export interface StackOutputs {
  /** The audit bucket the trail writes into. */
  bucketName: string;
  trailName: string;
  trailArn: string;
  /** The region the stack deployed to: the trail's home, where its logs are found. */
  region: string;
  accountId: string;
  /** Where the trail's log files start: [<trail-lab:logPrefix>/]AWSLogs/<account>/CloudTrail/. */
  logPrefix: string;
  /** The probe instance; null while trail-lab:probeInstance is off. */
  instanceId: string | null;
  /** The bucket the audit bucket's access logs go to; null with trail-lab:accessLogging off. */
  accessLogBucketName: string | null;
  /** The trail's KMS key; null with trail-lab:kmsEncryption off (the lab's default, for cost). */
  kmsKeyArn: string | null;
  /** The trail's CloudWatch Logs group; null with trail-lab:cloudWatchLogs off (the lab's default, for cost). */
  logGroupName: string | null;
  /** The Athena table over the logs (--search athena); null with trail-lab:athena off. */
  athenaDatabase: string | null;
  athenaTable: string | null;
  athenaWorkgroup: string | null;
  /** The bucket whose objects' reads and writes the trail records as data events; null with trail-lab:dataEvents off. */
  canaryBucketName: string | null;
  /** The detections' alert topic and the queue subscribed to it (--drill reads it); null with trail-lab:detections off. */
  alertTopicArn: string | null;
  alertQueueUrl: string | null;
}

/** Each output's kind, by name: the interface above as a table the reader walks. */
export const STACK_OUTPUTS = {
  bucketName: "text",
  trailName: "text",
  trailArn: "text",
  region: "text",
  accountId: "text",
  logPrefix: "text",
  instanceId: "text or null",
  accessLogBucketName: "text or null",
  kmsKeyArn: "text or null",
  logGroupName: "text or null",
  athenaDatabase: "text or null",
  athenaTable: "text or null",
  athenaWorkgroup: "text or null",
  canaryBucketName: "text or null",
  alertTopicArn: "text or null",
  alertQueueUrl: "text or null",
} as const satisfies { [K in keyof StackOutputs]: null extends StackOutputs[K] ? "text or null" : "text" };

/** An output the lab needs is missing or of the wrong type: the program and this reader disagree. */
export class StackOutputError extends TrailLabError {
  constructor(
    readonly stackName: string,
    readonly output: string,
    readonly problem: string,
  ) {
    super(
      `Stack '${stackName}' has its output '${output}' ${problem}. The lab reads the outputs infra/index.ts exports ` +
        `(StackOutputs, automation/engine/stack-outputs.ts): an export renamed or retyped there must change here too. ` +
        `'pulumi stack output --stack ${stackName} --json' shows what the stack exports.`,
      ExitCode.AwsError,
    );
  }
}

function shown(value: unknown): string {
  if (value === null) return "null";
  if (value === "") return "an empty string";
  return Array.isArray(value) ? "an array" : `a ${typeof value}`;
}

/**
 * The outputs as the engine returned them (`LabStack.outputs()`), checked against StackOutputs.
 * A nullable output that is absent reads as null: a stack of an older program, or a stand-in
 * engine, may leave out what is switched off.
 */
export function readOutputs(outputs: Record<string, unknown>, stack: string): StackOutputs {
  const read: Record<string, string | null> = {};
  for (const [name, kind] of Object.entries(STACK_OUTPUTS)) {
    const value = outputs[name];
    if (typeof value === "string" && value !== "") read[name] = value;
    else if (kind === "text or null" && (value === null || value === undefined)) read[name] = null;
    else if (value === undefined) throw new StackOutputError(stack, name, "missing");
    else
      throw new StackOutputError(
        stack,
        name,
        `as ${shown(value)}, expected ${kind === "text" ? "a non-empty string" : "a non-empty string or null"}`,
      );
  }
  return read as unknown as StackOutputs;
}

/** The outputs that name the stack's buckets; the sweep finds the rest by prefix and tag. */
const BUCKET_OUTPUTS = ["bucketName", "accessLogBucketName", "canaryBucketName"] as const satisfies readonly (keyof StackOutputs)[];

/**
 * The stack's buckets by name, as far as its outputs tell. Unlike readOutputs it never throws: the
 * cleanup takes whatever a half-created stack, or one of an older program, still says.
 */
export function bucketsInOutputs(outputs: Record<string, unknown> | null): string[] {
  return BUCKET_OUTPUTS.map((name) => outputs?.[name]).filter((value): value is string => typeof value === "string" && value !== "");
}
