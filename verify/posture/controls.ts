// The controls posture checks, in the order it reports them: Security Hub's CloudTrail and S3
// controls (controls/cloudtrail.ts, controls/s3.ts) and trail-lab's own (controls/trail-lab.ts).
// A control on the trail, its bucket or the account gives one verdict; a control on each bucket
// gives one for every bucket of the stack, the trail's first. Each verdict carries the control's
// metadata beside it: severity, framework requirements, risk, and the fix as CLI and Pulumi.
import { CLOUDTRAIL_CONTROLS } from "./controls/cloudtrail";
import { trailBucket, type ControlSpec, type JudgedBucket, type PostureFacts, type Verdict } from "./controls/control";
import { S3_CONTROLS } from "./controls/s3";
import { TRAIL_LAB_CONTROLS } from "./controls/trail-lab";
import type { ControlResource, FrameworkRequirement, PostureControl } from "./types";

export type { PostureFacts, JudgedBucket } from "./controls/control";
export { DEFAULT_RETENTION_DAYS } from "./controls/trail-lab";

export const CONTROLS: readonly ControlSpec[] = [...CLOUDTRAIL_CONTROLS, ...S3_CONTROLS, ...TRAIL_LAB_CONTROLS];

export const FSBP = "AWS Foundational Security Best Practices v1.0.0";
/** trail-lab's own controls (TrailLab.*) as a framework of their own: they map to no published one. */
export const TRAIL_LAB_FRAMEWORK = "trail-lab controls";
const CIS = (version: string) => `CIS AWS Foundations Benchmark ${version}`;

/** The page Security Hub links from each finding of the control (its Remediation.Recommendation.Url); null for trail-lab's own. */
export function remediationUrl(id: string): string | null {
  return id.startsWith("TrailLab.") ? null : `https://docs.aws.amazon.com/console/securityhub/${id}/remediation`;
}

export function frameworksOf(control: ControlSpec): FrameworkRequirement[] {
  return [
    ...(["v3.0.0", "v1.4.0"] as const).flatMap((v) => (control.cis[v] ? [{ framework: CIS(v), requirement: control.cis[v] }] : [])),
    ...(control.fsbp ? [{ framework: FSBP, requirement: control.id }] : []),
    ...(control.id.startsWith("TrailLab.") ? [{ framework: TRAIL_LAB_FRAMEWORK, requirement: control.id }] : []),
  ];
}

function resourceOf(control: ControlSpec, facts: PostureFacts, subject: JudgedBucket): ControlResource {
  if (control.on === "trail") {
    return { type: "AWS::CloudTrail::Trail", arn: facts.trail.arn, region: facts.trail.homeRegion, name: facts.trail.name };
  }
  if (control.on === "account") {
    const account = facts.trail.arn.split(":")[4] ?? "";
    return { type: "AWS::::Account", arn: `AWS::::Account:${account}`, region: facts.region, name: account };
  }
  return { type: "AWS::S3::Bucket", arn: subject.arn, region: subject.settings.region, name: subject.settings.bucket, role: subject.role };
}

function fixOf(verdict: Verdict, cli: string): string | null {
  if (verdict.status === "pass") return null;
  if (verdict.status === "n/a") return `${verdict.manual ?? "Check it by hand"}.`;
  return `${verdict.advice ?? "Fix it"}: ${cli}.`;
}

function judged(control: ControlSpec, facts: PostureFacts, subject: JudgedBucket): PostureControl {
  const verdict = control.judge(facts, subject);
  const remediation = control.remediation(facts, subject);
  return {
    id: control.id,
    title: control.title,
    status: verdict.status,
    statusDetail: verdict.detail,
    evidence: verdict.evidence,
    fix: fixOf(verdict, remediation.cli),
    severity: control.severity,
    cis: control.cis,
    resource: resourceOf(control, facts, subject),
    remediationUrl: remediationUrl(control.id),
    risk: control.risk,
    remediation,
    frameworks: frameworksOf(control),
    accepted: verdict.status === "fail" ? (verdict.accepted ?? null) : null,
  };
}

export function judgeControls(facts: PostureFacts): PostureControl[] {
  const buckets: JudgedBucket[] = [trailBucket(facts), ...facts.otherBuckets];
  return CONTROLS.flatMap((control) =>
    control.on === "each-bucket" ? buckets.map((b) => judged(control, facts, b)) : [judged(control, facts, trailBucket(facts))],
  );
}
