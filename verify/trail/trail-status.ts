// The trail as CloudTrail describes it: where it writes, whether it is logging, whether its
// delivery fails, and whether its selectors can capture the event asked for.
import {
  DescribeTrailsCommand,
  GetEventSelectorsCommand,
  GetTrailCommand,
  GetTrailStatusCommand,
  type CloudTrailClient,
  type Trail,
} from "@aws-sdk/client-cloudtrail";
import { awsErrorCode } from "../../common/aws-error-code";
import { UsageError } from "../../common/errors";
import { REGION_PATTERN } from "../../common/flag-table";
import { toVerifyError } from "../aws-errors";
import { TrailNotFoundError } from "../errors";
import { eventTraits, selectorGap } from "./event-selectors";

export interface TrailDescription {
  name: string;
  arn: string;
  bucket: string;
  prefix: string | null;
  homeRegion: string | null;
  isMultiRegion: boolean;
  isOrganization: boolean;
  /** The whole description as CloudTrail gave it (validation, KMS key, CloudWatch Logs...), for posture. */
  settings: Trail;
}

export interface LoggingStatus {
  isLogging: boolean;
  latestDeliveryTime: Date | null;
  latestDeliveryError: string | null;
}

/** arn:<partition>:cloudtrail:<region>:<account>:trail/<name> */
export function accountFromArn(arn: string): string | null {
  const account = arn.split(":")[4];
  return account && /^\d{12}$/.test(account) ? account : null;
}

/** A trail's ARN names its home region: arn:<partition>:cloudtrail:<home region>:<account>:trail/<name>. */
export function homeRegionFromArn(arn: string): string | null {
  const region = arn.split(":")[3];
  return region && REGION_PATTERN.test(region) ? region : null;
}

function toDescription(trail: Trail, asked: string): TrailDescription {
  if (!trail.TrailARN || !trail.S3BucketName) {
    throw new UsageError(`Trail "${asked}" has no ARN or no S3 bucket in its description; pass --bucket and --account.`);
  }
  return {
    name: trail.Name ?? asked,
    arn: trail.TrailARN,
    bucket: trail.S3BucketName,
    prefix: trail.S3KeyPrefix || null,
    // Some answers leave HomeRegion out (moto's GetTrail); the ARN still names it.
    homeRegion: trail.HomeRegion ?? homeRegionFromArn(trail.TrailARN),
    isMultiRegion: trail.IsMultiRegionTrail ?? false,
    isOrganization: trail.IsOrganizationTrail ?? false,
    settings: trail,
  };
}

export async function describeTrail(
  client: CloudTrailClient,
  trail: string,
  region: string,
  signal?: AbortSignal,
): Promise<TrailDescription> {
  try {
    const { Trail: found } = await client.send(new GetTrailCommand({ Name: trail }), { abortSignal: signal });
    if (found) return toDescription(found, trail);
  } catch (err) {
    const code = awsErrorCode(err);
    if (code === "InvalidTrailNameException") throw new UsageError(`"${trail}" is not a valid trail name or ARN.`);
    if (code !== "TrailNotFoundException") throw toVerifyError("GetTrail", `trail ${trail}`, err);
  }
  // GetTrail only knows trails homed in this region; DescribeTrails also lists shadow trails.
  try {
    const { trailList } = await client.send(new DescribeTrailsCommand({ trailNameList: [trail], includeShadowTrails: true }), {
      abortSignal: signal,
    });
    const found = trailList?.find((t) => t.Name === trail || t.TrailARN === trail);
    if (found) return toDescription(found, trail);
  } catch (err) {
    if (awsErrorCode(err) !== "TrailNotFoundException") throw toVerifyError("DescribeTrails", `trail ${trail}`, err);
  }
  throw new TrailNotFoundError(trail, region);
}

export async function loggingStatus(client: CloudTrailClient, trailArn: string, signal?: AbortSignal): Promise<LoggingStatus> {
  try {
    // The ARN, not the name: a shadow trail's status is only reachable by ARN.
    const status = await client.send(new GetTrailStatusCommand({ Name: trailArn }), { abortSignal: signal });
    return {
      isLogging: status.IsLogging ?? false,
      latestDeliveryTime: status.LatestDeliveryTime ?? null,
      latestDeliveryError: status.LatestDeliveryError || null,
    };
  } catch (err) {
    throw toVerifyError("GetTrailStatus", `trail ${trailArn}`, err);
  }
}

/** A warning when the selectors cannot capture the event, or cannot be read; else null. */
export async function selectorWarning(
  client: CloudTrailClient,
  trail: TrailDescription,
  eventName: string,
  signal?: AbortSignal,
): Promise<string | null> {
  try {
    const selectors = await client.send(new GetEventSelectorsCommand({ TrailName: trail.arn }), { abortSignal: signal });
    const gap = selectorGap(selectors, eventTraits(eventName));
    return (
      gap &&
      `Trail "${trail.name}" may never record ${eventName}: ${gap}. Check with: aws cloudtrail get-event-selectors --trail-name ${trail.arn}`
    );
  } catch (err) {
    if (awsErrorCode(err) === "AbortError") throw err;
    // Only a warning depends on this call, so a refusal does not stop the check.
    return `Could not read the event selectors of "${trail.name}" (${awsErrorCode(err)}); continuing without that check.`;
  }
}
