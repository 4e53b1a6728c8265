// Reads what the real engine recorded, in the terms the mocks-based tests use: resources by type
// and logical name, parents and dependencies by name. From `pulumi stack export` (the checkpoint)
// and the stand-in provider's call log.
import type { Call } from "./plugin/store";

export interface EngineResource {
  urn: string;
  type: string;
  name: string;
  custom: boolean;
  id?: string;
  /** Logical name of the parent; undefined for the stack's direct children, as under mocks. */
  parent?: string;
  /** Logical names of every resource it depends on (declared dependsOn and inputs' resources). */
  dependencies: string[];
  inputs: Record<string, any>;
  outputs: Record<string, any>;
}

const STACK_TYPE = "pulumi:pulumi:Stack";
export const nameOf = (urn: string) => urn.split("::").slice(3).join("::");

/** The checkpoint's resources, the default provider left out (the mocks have none). */
export function engineResources(exported: any): EngineResource[] {
  const raw: any[] = exported?.deployment?.resources ?? [];
  const stack = raw.find((r) => r.type === STACK_TYPE)?.urn;
  return raw
    .filter((r) => !String(r.type).startsWith("pulumi:providers:"))
    .map((r) => ({
      urn: r.urn,
      type: r.type,
      name: nameOf(r.urn),
      custom: r.custom === true,
      id: r.id,
      parent: r.parent && r.parent !== stack ? nameOf(r.parent) : undefined,
      dependencies: ((r.dependencies ?? []) as string[]).map(nameOf),
      inputs: r.inputs ?? {},
      outputs: r.outputs ?? {},
    }));
}

/** Index in the call log of the first `method` call on the resource with that name that succeeded. */
export function callIndex(calls: Call[], method: string, name: string): number {
  return calls.findIndex((c) => c.method === method && c.name === name && c.outcome === undefined);
}

/** Replaces generated names and ids by `<name>` placeholders, so two runs' values compare equal. */
export function placeholders(value: unknown, generated: Map<string, string>): unknown {
  let text = JSON.stringify(value);
  for (const [real, placeholder] of [...generated].sort((a, b) => b[0].length - a[0].length)) {
    text = text.split(real).join(placeholder);
  }
  return JSON.parse(text);
}
