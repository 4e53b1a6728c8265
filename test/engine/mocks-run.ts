// The mocks-based run of the program (test/support/pulumi-program.ts) with the config a stack in
// the engine tests has, so the engine's results are held against what test/infra asserts of it,
// and the helpers that put both sides in the same terms.
import * as path from "node:path";
import { readTemplateConfig } from "../../automation/engine/stack-config";
import { runProgram, type ProgramRun } from "../support/pulumi-program";

const ROOT = path.resolve(__dirname, "../..");
/** Types whose id AWS (or Pulumi's auto-naming) makes up; the rest of each value must match the mocks'. */
const GENERATED_IDS = new Set([
  "aws:s3/bucket:Bucket",
  "aws:ec2/securityGroup:SecurityGroup",
  "aws:ec2/instance:Instance",
  "aws:kms/key:Key",
]);

/** Pulumi.dev.yaml's config, as `pulumi stack init dev` gives it to the program, plus `extra`. */
export function devConfig(extra: Record<string, string> = {}): Record<string, string> {
  const { config } = readTemplateConfig(ROOT);
  const plain = Object.fromEntries(Object.entries(config).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]));
  return { ...plain, ...extra };
}

/** The program under mocks with the dev stack's config (and `extra`), as stack `dev`. */
export function mocksRun(extra: Record<string, string> = {}): Promise<ProgramRun> {
  return runProgram(devConfig(extra), "dev");
}

/** Each generated id mapped to a placeholder named after its resource, for `placeholders`. */
export function generatedIds(resources: { type: string; name: string; id?: string }[]): Map<string, string> {
  const map = new Map<string, string>();
  for (const r of resources) if (GENERATED_IDS.has(r.type) && r.id) map.set(r.id, `<${r.name}>`);
  return map;
}

/** One line per resource: what both sides must agree on exactly. */
export const typeNameParent = (r: { type: string; name: string; parent?: string }) => `${r.type} ${r.name} parent=${r.parent ?? "(stack)"}`;
