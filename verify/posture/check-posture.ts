// checkPosture: read the facts once (the trail: description, logging status, event selectors; its
// bucket and the stack's other buckets: configuration, ACL, policy; the account: its Block Public
// Access and its other trails), then judge every control; the report carries the facts judged and
// when they were read. AWS refusals reject with the named errors of verify/ (exit 3), except those
// a control reports as n/a with the reason (S3 Control's, another trail's); the answer itself,
// pass or fail, always resolves.
import { GetEventSelectorsCommand } from "@aws-sdk/client-cloudtrail";
import { toVerifyError } from "../aws-errors";
import { createAthenaClient, createAwsClients, createS3ControlClient, homeRegionCloudTrail, resolveRegion } from "../clients";
import { UsageError } from "../../common/errors";
import { ExitCode } from "../../common/exit-codes";
import { describeTrail, loggingStatus } from "../trail/trail-status";
import { DEFAULT_RETENTION_DAYS, judgeControls, type PostureFacts } from "./controls";
import { readAccountBlock, type AccountBlock } from "./facts/account-settings";
import { readAccountTrails } from "./facts/account-trails";
import { readBucketSettings } from "./facts/bucket-settings";
import { judgedFacts } from "./facts/judged-facts";
import { readStackBuckets, workgroupBucket } from "./facts/stack-buckets";
import type { PostureOptions, PostureReport } from "./types";

/** Options checked before any call, with messages that say what was expected. */
function checkOptions(options: PostureOptions): void {
  if (!options.trail) throw new UsageError("No trail: pass --trail <name|arn>.");
  const days = options.retentionDays;
  if (days !== undefined && !(Number.isInteger(days) && days >= 1)) {
    throw new UsageError(`retentionDays must be a whole number of days, 1 or more, not ${String(days)}.`);
  }
  const bad = (options.buckets ?? []).find((b) => !/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(b));
  if (bad !== undefined) throw new UsageError(`"${bad}" is not an S3 bucket name: pass names such as my-bucket, without s3:// or a key.`);
}

export async function checkPosture(options: PostureOptions): Promise<PostureReport> {
  checkOptions(options);
  const region = await resolveRegion(options.region, options.profile);
  const made = options.clients?.s3 && options.clients.cloudTrail ? null : createAwsClients({ region, profile: options.profile });
  const s3 = options.clients?.s3 ?? made!.s3;
  const cloudTrail = options.clients?.cloudTrail ?? made!.cloudTrail;
  const s3Control = options.clients?.s3Control ?? createS3ControlClient({ region, profile: options.profile });
  const athena = options.workgroup ? (options.clients?.athena ?? createAthenaClient({ region, profile: options.profile })) : null;
  const { signal } = options;
  try {
    const trail = await describeTrail(cloudTrail, options.trail, region, signal);
    const account = trail.arn.split(":")[4] ?? "";
    // GetEventSelectors answers only in the trail's home region; GetTrailStatus takes its ARN anywhere.
    const home = homeRegionCloudTrail(trail.homeRegion, region, cloudTrail, options);
    const [status, selectors, bucket, accountBlock, otherTrails, workgroup] = await Promise.all([
      loggingStatus(cloudTrail, trail.arn, signal),
      home.client.send(new GetEventSelectorsCommand({ TrailName: trail.arn }), { abortSignal: signal }).catch((err: unknown) => {
        throw toVerifyError("GetEventSelectors", `trail ${trail.arn}`, err);
      }),
      readBucketSettings(s3, trail.bucket, signal),
      /^\d{12}$/.test(account)
        ? readAccountBlock(s3Control, account, signal)
        : Promise.resolve<AccountBlock>({ read: false, reason: `the trail's ARN names no account (${trail.arn})` }),
      readAccountTrails(cloudTrail, region, trail.arn, options, signal),
      athena && options.workgroup ? workgroupBucket(athena, options.workgroup, signal) : Promise.resolve(null),
    ]).finally(() => home.close());
    const stack = await readStackBuckets({ s3, trailBucket: bucket, workgroup, named: options.buckets ?? [], signal });
    const checkedAt = new Date().toISOString();
    const partition = trail.arn.split(":")[1] || "aws";
    const facts: PostureFacts = {
      trail,
      status,
      selectors: { EventSelectors: selectors.EventSelectors, AdvancedEventSelectors: selectors.AdvancedEventSelectors },
      bucket,
      bucketArn: `arn:${partition}:s3:::${trail.bucket}`,
      region,
      otherBuckets: stack.buckets.map((b) => ({ ...b, arn: `arn:${partition}:s3:::${b.settings.bucket}` })),
      unreadBuckets: stack.unread,
      accountBlock,
      otherTrails,
      retentionDays: options.retentionDays ?? DEFAULT_RETENTION_DAYS,
    };
    return { controls: judgeControls(facts), facts: judgedFacts(facts), checkedAt };
  } finally {
    if (!options.clients?.s3Control) s3Control.destroy();
    if (athena && !options.clients?.athena) athena.destroy();
  }
}

/** 1 when any control fails, but for failures posture itself accepts; n/a is not a failure. */
export function postureExitCode(report: PostureReport): ExitCode {
  return report.controls.some((c) => c.status === "fail" && !c.accepted) ? ExitCode.CheckFailed : ExitCode.Ok;
}
