// The probe instance as EC2 describes it, read for the evidence after verify and again after
// destroy: id, type, Name tag, AMI, subnet, public IP (the lab launches none), IMDSv2 and state.
// One DescribeInstances call under its own timeout; an id EC2 no longer knows is an answer
// (found: false), a refusal or a call that does not answer in time is an InstanceReadError.
import { DescribeInstancesCommand, type EC2Client, type Instance } from "@aws-sdk/client-ec2";
import { awsErrorCode } from "../../common/aws-error-code";
import { TrailLabError } from "../../common/errors";
import { ExitCode } from "../../common/exit-codes";

export const INSTANCE_READ_TIMEOUT_MS = 15_000;

export interface InstanceView {
  instanceId: string;
  /** When EC2 answered. */
  readAt: string;
  /** False when EC2 no longer knows the id (a terminated instance drops out of DescribeInstances after a while). */
  found: boolean;
  /** pending, running, shutting-down, terminated, stopping, stopped; null when not found. */
  state: string | null;
  instanceType: string | null;
  /** The Name tag. */
  name: string | null;
  imageId: string | null;
  subnetId: string | null;
  vpcId: string | null;
  availabilityZone: string | null;
  /** Null when the instance has no public IPv4 address, as the lab's probe never should. */
  publicIpAddress: string | null;
  privateIpAddress: string | null;
  /** MetadataOptions.HttpTokens: "required" means IMDSv2 only. */
  httpTokens: string | null;
  launchTime: string | null;
}

export class InstanceReadError extends TrailLabError {
  constructor(
    readonly instanceId: string,
    readonly reason: string,
    cause?: unknown,
  ) {
    super(
      `Could not describe instance ${instanceId} (ec2:DescribeInstances): ${reason}. The evidence shows the instance as not read; ` +
        `'aws ec2 describe-instances --instance-ids ${instanceId}' shows it by hand.`,
      ExitCode.AwsError,
      { cause },
    );
  }
}

function viewOf(instanceId: string, readAt: string, instance: Instance | undefined): InstanceView {
  return {
    instanceId,
    readAt,
    found: instance !== undefined,
    state: instance?.State?.Name ?? null,
    instanceType: instance?.InstanceType ?? null,
    name: instance?.Tags?.find((t) => t.Key === "Name")?.Value ?? null,
    imageId: instance?.ImageId ?? null,
    subnetId: instance?.SubnetId ?? null,
    vpcId: instance?.VpcId ?? null,
    availabilityZone: instance?.Placement?.AvailabilityZone ?? null,
    publicIpAddress: instance?.PublicIpAddress ?? null,
    privateIpAddress: instance?.PrivateIpAddress ?? null,
    httpTokens: instance?.MetadataOptions?.HttpTokens ?? null,
    launchTime: instance?.LaunchTime?.toISOString() ?? null,
  };
}

export interface ReadInstanceOptions {
  /**
   * How long the one DescribeInstances call may take.
   * @default INSTANCE_READ_TIMEOUT_MS
   */
  timeoutMs?: number;
  /**
   * The run's stop signal: a Ctrl-C ends the read at once.
   * @default none: only the timeout ends it
   */
  signal?: AbortSignal;
  /** The clock of `readAt`. @default Date.now */
  now?: () => number;
}

export async function readInstance(ec2: EC2Client, instanceId: string, options: ReadInstanceOptions = {}): Promise<InstanceView> {
  const timeoutMs = options.timeoutMs ?? INSTANCE_READ_TIMEOUT_MS;
  const timeout = AbortSignal.timeout(timeoutMs);
  const abortSignal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  const now = options.now ?? Date.now;
  try {
    const answer = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }), { abortSignal });
    const instance = answer.Reservations?.flatMap((r) => r.Instances ?? []).find((i) => i.InstanceId === instanceId);
    return viewOf(instanceId, new Date(now()).toISOString(), instance);
  } catch (error) {
    if (awsErrorCode(error) === "InvalidInstanceID.NotFound") return viewOf(instanceId, new Date(now()).toISOString(), undefined);
    if (timeout.aborted && !options.signal?.aborted)
      throw new InstanceReadError(instanceId, `no answer within ${timeoutMs / 1000} s`, error);
    if (options.signal?.aborted) throw error;
    throw new InstanceReadError(instanceId, `${awsErrorCode(error)}: ${error instanceof Error ? error.message : String(error)}`, error);
  }
}

/**
 * The probe for the evidence: what `read` answers, or null with a warning when it fails, since a
 * view of the instance never decides a run. A read cut short by the run's own stop is no warning.
 */
export async function instanceForEvidence(
  read: () => Promise<InstanceView>,
  warnings: string[],
  signal?: AbortSignal,
): Promise<InstanceView | null> {
  try {
    return await read();
  } catch (error) {
    if (!signal?.aborted) warnings.push(error instanceof Error ? error.message : String(error));
    return null;
  }
}
