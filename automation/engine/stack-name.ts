// A run's stack name: unique per run and sortable by time, checked before anything uses it, and
// recognised again (`lab-` prefix) when a later run lists the backend's leftover lab stacks.
import { labUsageError } from "../errors";
import { TEMPLATE_STACK } from "./stack-config";

export const STACK_PREFIX = "lab-";

/** The stack's own name: Pulumi Cloud lists `org/project/stack` (or `org/stack`), a file backend `stack`. */
export function shortStackName(name: string): string {
  return name.slice(name.lastIndexOf("/") + 1);
}

/** A stack name unique per run, sortable by time: lab-20261125-221500-3fa9. */
export function uniqueStackName(now: Date, random = Math.random): string {
  const stamp = now.toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15);
  const suffix = Math.floor(random() * 0x10000)
    .toString(16)
    .padStart(4, "0");
  return `${STACK_PREFIX}${stamp}-${suffix}`;
}

export function checkStackName(name: string): void {
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/.test(name)) {
    throw labUsageError(`--stack '${name}' is not a valid stack name: letters, digits, '-', '_', '.', at most 100 characters.`);
  }
  if (name === TEMPLATE_STACK) {
    throw labUsageError(
      `--stack ${TEMPLATE_STACK} is the config template (Pulumi.${TEMPLATE_STACK}.yaml, tracked in git); choose another name.`,
    );
  }
}

/** The lab stacks among those a backend lists, other than this run's own, by the names --cleanup takes. */
export function otherLabStacks(listed: string[], own: string): string[] {
  return listed.map(shortStackName).filter((name) => name.startsWith(STACK_PREFIX) && name !== own);
}
