// checkPosture: read the trail (description, logging status, event selectors) and its bucket's
// configuration, then judge every control; the report carries the facts judged and when they were
// read. AWS refusals reject with the named errors of verify/
// (exit 3); the answer itself, pass or fail, always resolves.
import { GetEventSelectorsCommand } from "@aws-sdk/client-cloudtrail";
import { toVerifyError } from "../aws-errors";
import { createAwsClients, homeRegionCloudTrail, resolveRegion } from "../clients";
import { UsageError } from "../../common/errors";
import { ExitCode } from "../../common/exit-codes";
import { describeTrail, loggingStatus } from "../trail/trail-status";
import { readBucketSettings } from "./bucket-settings";
import { judgeControls, type PostureFacts } from "./controls";
import { judgedFacts } from "./facts";
import type { PostureOptions, PostureReport } from "./types";

export async function checkPosture(options: PostureOptions): Promise<PostureReport> {
  if (!options.trail) throw new UsageError("No trail: pass --trail <name|arn>.");
  const region = await resolveRegion(options.region, options.profile);
  const made = options.clients?.s3 && options.clients.cloudTrail ? null : createAwsClients({ region, profile: options.profile });
  const s3 = options.clients?.s3 ?? made!.s3;
  const cloudTrail = options.clients?.cloudTrail ?? made!.cloudTrail;
  const { signal } = options;

  const trail = await describeTrail(cloudTrail, options.trail, region, signal);
  // GetEventSelectors answers only in the trail's home region; GetTrailStatus takes its ARN anywhere.
  const home = homeRegionCloudTrail(trail.homeRegion, region, cloudTrail, options);
  const [status, selectors, bucket] = await Promise.all([
    loggingStatus(cloudTrail, trail.arn, signal),
    home.client.send(new GetEventSelectorsCommand({ TrailName: trail.arn }), { abortSignal: signal }).catch((err: unknown) => {
      throw toVerifyError("GetEventSelectors", `trail ${trail.arn}`, err);
    }),
    readBucketSettings(s3, trail.bucket, signal),
  ]).finally(() => home.close());
  const checkedAt = new Date().toISOString();
  const partition = trail.arn.split(":")[1] || "aws";
  const facts: PostureFacts = { trail, status, selectors, bucket, bucketArn: `arn:${partition}:s3:::${trail.bucket}`, region };
  return { controls: judgeControls(facts), facts: judgedFacts(facts), checkedAt };
}

/** 1 when any control fails; n/a is not a failure. */
export function postureExitCode(report: PostureReport): ExitCode {
  return report.controls.some((c) => c.status === "fail") ? ExitCode.CheckFailed : ExitCode.Ok;
}
