// Each run's stack starts from Pulumi.dev.yaml's config (the template users edit), plus the
// lab's flags. Only values the lab itself needs are read back out of it here.
import * as fs from "node:fs";
import * as path from "node:path";
import * as yaml from "js-yaml";
import type { Chosen } from "../../common/aws-config";
import type { ConfigValue } from "./lab-engine";

export const TEMPLATE_STACK = "dev";
export const PROJECT = "trail-lab";

export interface TemplateConfig {
  config: Record<string, ConfigValue>;
  /** Keys left out: secrets encrypted for the dev stack cannot move to another stack. */
  skipped: string[];
}

function scalar(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** Lists stay lists and maps stay maps; their leaves become strings, as top-level values do. */
function structured(value: unknown): ConfigValue {
  if (Array.isArray(value)) return value.map(structured);
  if (value !== null && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, structured(v)]));
  return scalar(value);
}

/** `{ secure: ... }` anywhere inside: a secret encrypted for the dev stack. */
function holdsSecret(value: unknown): boolean {
  if (value === null || typeof value !== "object") return false;
  if (!Array.isArray(value) && "secure" in value) return true;
  return Object.values(value).some(holdsSecret);
}

export function readTemplateConfig(projectDir: string): TemplateConfig {
  const file = path.join(projectDir, `Pulumi.${TEMPLATE_STACK}.yaml`);
  const result: TemplateConfig = { config: {}, skipped: [] };
  if (!fs.existsSync(file)) return result;
  const doc = yaml.load(fs.readFileSync(file, "utf8")) as { config?: Record<string, unknown> } | null;
  for (const [key, value] of Object.entries(doc?.config ?? {})) {
    if (value === null || value === undefined) continue;
    if (holdsSecret(value)) result.skipped.push(key);
    else result.config[key] = structured(value);
  }
  return result;
}

/** The template's aws:profile, the profile its provider would use: the lab's default profile. */
export function templateProfile(config: Record<string, ConfigValue>): Chosen | null {
  const profile = text(config, "aws:profile");
  return profile ? { value: profile, source: `aws:profile in Pulumi.${TEMPLATE_STACK}.yaml` } : null;
}

function text(config: Record<string, ConfigValue>, key: string): string | undefined {
  const value = config[`${PROJECT}:${key}`] ?? config[key];
  return typeof value === "string" && value.trim() !== "" ? value.trim() : undefined;
}

export interface LabSettings {
  /** The region and where it came from; null when nothing names one. */
  region: Chosen | null;
  trailName: string;
  subnetId: string | undefined;
  bucketPrefix: string | undefined;
}

// infra/config.ts CONFIG_DEFAULTS.trailName; automation/ does not import infra/.
const DEFAULT_TRAIL_NAME = "my-logs-trail";

/**
 * The stack's region, in the order an AWS user expects: --region, else what the AWS environment
 * says (AWS_REGION, AWS_DEFAULT_REGION, the profile's region: `aws`, chosen by the caller through
 * common/aws-config.ts), else the template's aws:region, the lab's default.
 */
export function labSettings(config: Record<string, ConfigValue>, region: string | undefined, aws: Chosen | null = null): LabSettings {
  const template = text(config, "aws:region");
  return {
    region: region
      ? { value: region, source: "--region" }
      : (aws ?? (template ? { value: template, source: `aws:region in Pulumi.${TEMPLATE_STACK}.yaml` } : null)),
    trailName: text(config, "trailName") ?? DEFAULT_TRAIL_NAME,
    subnetId: text(config, "subnetId"),
    bucketPrefix: text(config, "bucketPrefix"),
  };
}
