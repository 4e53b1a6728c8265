// Reading a posture report in tests: a verdict per control, keyed by its id, and for a
// bucket-level control on a bucket other than the trail's by `<id>@<bucket role>`
// (S3.9@access-log), as the lab's accepted risks key them too.
import type { PostureControl, PostureReport } from "../../verify";

export function controlKey(c: PostureControl): string {
  const role = c.resource?.role;
  return role && role !== "trail" ? `${c.id}@${role}` : c.id;
}

/** Each verdict's status by key; an accepted failure reads "accepted". */
export function statuses(report: PostureReport): Record<string, string> {
  return Object.fromEntries(report.controls.map((c) => [controlKey(c), c.status === "fail" && c.accepted ? "accepted" : c.status]));
}

export function control(report: PostureReport, key: string): PostureControl {
  const found = report.controls.find((c) => controlKey(c) === key);
  if (!found) throw new Error(`no control ${key} in the report (${report.controls.map(controlKey).join(", ")})`);
  return found;
}

/** The keys of the failures posture does not accept. */
export function failing(report: PostureReport): string[] {
  return report.controls.filter((c) => c.status === "fail" && !c.accepted).map(controlKey);
}
