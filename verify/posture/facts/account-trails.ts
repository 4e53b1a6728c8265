// The account's other trails, for the controls Security Hub judges on the account rather than on
// one trail (S3.22 and S3.23: is any multi-Region trail recording S3 object-level events?):
// DescribeTrails lists every trail that applies in the region (shadow trails of other regions'
// multi-Region trails included); each one's status comes from GetTrailStatus by ARN, and its
// selectors from GetEventSelectors in its home region, the only one that answers it. A trail
// whose status or selectors are refused is kept with the reason, so that a verdict resting on it
// can say it was not read.
import { DescribeTrailsCommand, GetEventSelectorsCommand, GetTrailStatusCommand, type CloudTrailClient } from "@aws-sdk/client-cloudtrail";
import { awsErrorCode } from "../../../common/aws-error-code";
import { homeRegionCloudTrail } from "../../clients";
import { isRefusal, toVerifyError } from "../../aws-errors";
import type { CheckTarget } from "../../target";
import { homeRegionFromArn } from "../../trail/trail-status";
import type { Selectors } from "../../trail/event-selectors";

export interface AccountTrail {
  name: string;
  arn: string;
  homeRegion: string | null;
  isMultiRegion: boolean;
  /** Null when its status was not read. */
  isLogging: boolean | null;
  /** Null when its selectors were not read. */
  selectors: Selectors | null;
  /** Why its status or selectors were not read; null when both were. */
  unread: string | null;
}

/** A refusal, or a trail the caller may not see (an organization's trail from a member account), is an answer; the rest rejects. */
function unreadBecause(operation: string, trailArn: string, err: unknown): string {
  if (isRefusal(err) || awsErrorCode(err) === "TrailNotFoundException") return `${operation} on ${trailArn}: ${awsErrorCode(err)}`;
  throw toVerifyError(operation, `trail ${trailArn}`, err);
}

/** Every trail the region lists except `known` (the trail already read), with its status and selectors. */
export async function readAccountTrails(
  cloudTrail: CloudTrailClient,
  region: string,
  known: string,
  target: Pick<CheckTarget, "clients" | "profile">,
  signal?: AbortSignal,
): Promise<AccountTrail[]> {
  let trailList;
  try {
    ({ trailList } = await cloudTrail.send(new DescribeTrailsCommand({ includeShadowTrails: true }), { abortSignal: signal }));
  } catch (err) {
    throw toVerifyError("DescribeTrails", `region ${region}`, err);
  }
  const others = (trailList ?? []).filter((t) => t.TrailARN && t.TrailARN !== known);
  return Promise.all(
    others.map(async (t): Promise<AccountTrail> => {
      const arn = t.TrailARN!;
      const homeRegion = t.HomeRegion ?? homeRegionFromArn(arn);
      const unread: string[] = [];
      const status = await cloudTrail.send(new GetTrailStatusCommand({ Name: arn }), { abortSignal: signal }).catch((err: unknown) => {
        unread.push(unreadBecause("GetTrailStatus", arn, err));
        return null;
      });
      const home = homeRegionCloudTrail(homeRegion, region, cloudTrail, target);
      const selectors = await home.client
        .send(new GetEventSelectorsCommand({ TrailName: arn }), { abortSignal: signal })
        .catch((err: unknown) => {
          unread.push(unreadBecause("GetEventSelectors", arn, err));
          return null;
        })
        .finally(() => home.close());
      return {
        name: t.Name ?? arn,
        arn,
        homeRegion,
        isMultiRegion: t.IsMultiRegionTrail ?? false,
        isLogging: status ? (status.IsLogging ?? false) : null,
        selectors: selectors && { EventSelectors: selectors.EventSelectors, AdvancedEventSelectors: selectors.AdvancedEventSelectors },
        unread: unread.length > 0 ? unread.join("; ") : null,
      };
    }),
  );
}
