// What a run may have left behind, and how a user removes it by hand: the kinds of resources the
// lab creates, the resources a Pulumi state still holds, and the commands (aws, or the lab's own
// --cleanup) that every listing of leftovers prints; the pulumi ones are engine/commands.ts's.
import type { PendingOperation, StackState } from "../engine/lab-engine";
import { PROJECT } from "../engine/stack-config";

export type LeftoverKind = "instance" | "security-group" | "trail" | "bucket" | "kms-key" | "log-group" | "stack" | "resource";

export interface Leftover {
  kind: LeftoverKind;
  id: string;
  region: string;
  /** A command that removes it by hand. */
  removeWith: string;
  /** Why it is still there, when the sweep tried and failed. */
  reason?: string;
}

/** The lab's own way to remove a stack and whatever carries its tag. */
export function cleanupCommand(stack: string): string {
  return `npm run lab -- --cleanup ${stack}`;
}

export function removeCommand(kind: LeftoverKind, id: string, region: string): string {
  switch (kind) {
    case "instance":
      return `aws ec2 terminate-instances --region ${region} --instance-ids ${id}`;
    case "security-group":
      return `aws ec2 delete-security-group --region ${region} --group-id ${id}`;
    case "trail":
      return `aws cloudtrail delete-trail --region ${region} --name ${id}`;
    case "bucket":
      return `aws s3 rb s3://${id} --force   # a versioned bucket: delete every object version first if this fails`;
    case "kms-key":
      return `aws kms schedule-key-deletion --region ${region} --key-id ${id} --pending-window-in-days 7`;
    case "log-group":
      return `aws logs delete-log-group --region ${region} --log-group-name ${id}`;
    case "stack":
    case "resource":
      return cleanupCommand(id);
  }
}

export function leftover(kind: LeftoverKind, id: string, region: string, reason?: string): Leftover {
  return { kind, id, region, removeWith: removeCommand(kind, id, region), ...(reason ? { reason } : {}) };
}

const KINDS: Record<string, LeftoverKind> = {
  "aws:ec2/instance:Instance": "instance",
  "aws:ec2/securityGroup:SecurityGroup": "security-group",
  "aws:cloudtrail/trail:Trail": "trail",
  "aws:s3/bucket:Bucket": "bucket",
};

/** The real resources a state still holds (not providers, components or the stack itself). */
export function resourcesInState(state: StackState | null, stackName: string, region: string): Leftover[] {
  const resources = state?.deployment?.resources ?? [];
  return resources
    .filter((r) => !r.type.startsWith("pulumi:") && !r.type.startsWith(`${PROJECT}:`) && r.id)
    .map((r) => {
      const kind = KINDS[r.type] ?? "resource";
      const id = r.id as string;
      // Resources without a one-line CLI removal are left to `--cleanup`, which destroys the stack.
      const removeWith =
        kind === "resource" ? `${removeCommand("resource", stackName, region)}   # ${r.type} ${id}` : removeCommand(kind, id, region);
      return { kind, id, region, removeWith };
    });
}

/**
 * Creates that were in flight when the state was read (its pending operations): each resource may
 * exist, under an id the state does not hold yet, so it is named by its Pulumi name, and removed
 * by `--cleanup`, whose sweep finds it by the stack's tag.
 */
export function pendingCreates(pending: readonly PendingOperation[], stackName: string, region: string): Leftover[] {
  return pending
    .filter((p) => p.type === "creating")
    .map((p) => {
      const name = p.resource.urn.split("::").pop() ?? p.resource.urn;
      const type = p.resource.type ?? "resource";
      return {
        kind: KINDS[type] ?? "resource",
        id: p.resource.id ?? name,
        region,
        removeWith: `${cleanupCommand(stackName)}   # ${type} ${name}: created after the state was read, if at all; the sweep finds it by its tag`,
        reason: "its create was in flight when the run gave up: it may exist",
      };
    });
}
