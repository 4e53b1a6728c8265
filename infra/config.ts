// Reads and validates the lab's Pulumi config, so that a bad value fails before any AWS call
// with a message that names the key and what to set it to.
import * as pulumi from "@pulumi/pulumi";

export interface LabConfig {
  /** CloudTrail trail name; CloudTrail's naming rules are checked here. */
  trailName: string;
  /** Optional S3 key prefix the trail writes under (no leading or trailing slash). */
  logPrefix?: string;
  /** Optional prefix for the generated bucket name. */
  bucketPrefix?: string;
  multiRegion: boolean;
  /** Days before log objects (and their old versions) expire. */
  retentionDays: number;
  /** Whether the probe instance exists; the lab driver turns it on once the trail is logging. */
  probeInstance: boolean;
  instanceType: string;
  instanceName: string;
  subnetId?: string;
  /** Server access logging of the audit bucket into a second bucket (CloudTrail.7, S3.9). */
  accessLogging: boolean;
  /** SSE-KMS with a customer managed key for log files (CloudTrail.2); costs USD 1/month per key. */
  kmsEncryption: boolean;
  /** Also deliver to CloudWatch Logs (CloudTrail.5); ingestion is billed per GB. */
  cloudWatchLogs: boolean;
  /** Athena search over the trail's bucket: a Glue table and a workgroup. */
  athena: boolean;
  /**
   * S3 data events for a small canary bucket's objects only (advanced event selectors): billed per
   * 100,000 events delivered. The audit bucket and its access-log bucket are never selected.
   */
  dataEvents: boolean;
  /** EventBridge rules, an encrypted SNS topic and an SQS queue (and, with cloudWatchLogs, CIS alarms) for tampering. */
  detections: boolean;
  /** Regions the table projects; default: every enabled region for a multi-region trail, else the home region. */
  athenaRegions?: string[];
  /** First day the table projects, yyyy/MM/dd. */
  athenaStartDate: string;
  /** Organization trail id (o-...) when the logs are an organization trail's. */
  athenaOrgId?: string;
  /** Athena cancels a query that would scan more than this many bytes (minimum 10 MB). */
  athenaScanCutoffBytes: number;
  /** User tags added to every taggable resource. */
  tags: Record<string, string>;
}

export const CONFIG_DEFAULTS = {
  trailName: "my-logs-trail",
  multiRegion: true,
  retentionDays: 90,
  probeInstance: true,
  instanceType: "t3.micro",
  instanceName: "test",
  accessLogging: true,
  kmsEncryption: false,
  cloudWatchLogs: false,
  athena: false,
  dataEvents: false,
  detections: false,
  athenaStartDate: "2025/01/01",
  athenaScanCutoffBytes: 1024 ** 3,
} as const;

export class InvalidConfigError extends Error {
  constructor(
    readonly key: string,
    readonly value: unknown,
    readonly rule: string,
  ) {
    super(
      `Invalid config '${key}' = ${JSON.stringify(value)}: ${rule}. ` +
        `Fix it with: pulumi config set ${key} <value> (or edit Pulumi.<stack>.yaml).`,
    );
    this.name = "InvalidConfigError";
  }
}

/** CloudTrail's documented trail-name rules (CreateTrail, Name). */
export function checkTrailName(name: string): string | undefined {
  if (name.length < 3 || name.length > 128) return "must be 3 to 128 characters long";
  if (!/^[A-Za-z0-9._-]+$/.test(name)) return "may contain only letters, digits, periods, underscores and dashes";
  if (!/^[A-Za-z0-9]/.test(name) || !/[A-Za-z0-9]$/.test(name)) return "must start and end with a letter or digit";
  if (/[._-]{2}/.test(name)) return "must not have adjacent periods, underscores or dashes (as in my-_trail or my--trail)";
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(name)) return "must not look like an IP address";
  return undefined;
}

const INSTANCE_TYPE = /^[a-z][a-z0-9-]*\.[a-z0-9]+$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;
const SUBNET_ID = /^subnet-([0-9a-f]{8}|[0-9a-f]{17})$/;
// CloudTrail allows 200 characters; S3 key characters that need no escaping in a policy ARN.
const LOG_PREFIX = /^[A-Za-z0-9!_.*'()-]+(\/[A-Za-z0-9!_.*'()-]+)*$/;
// S3 bucket names are at most 63 characters and the provider appends 26 to a bucketPrefix.
const BUCKET_PREFIX = /^[a-z0-9][a-z0-9.-]{0,36}$/;

function optionalString(config: pulumi.Config, key: string): string | undefined {
  const value = config.get(key);
  return value === undefined || value.trim() === "" ? undefined : value.trim();
}

/** Validates a raw config object; exported so that tests and the lab driver share the rules. */
export function validateConfig(raw: Partial<LabConfig>, ns = "trail-lab"): LabConfig {
  const key = (k: string) => `${ns}:${k}`;
  const cfg: LabConfig = {
    trailName: raw.trailName ?? CONFIG_DEFAULTS.trailName,
    logPrefix: raw.logPrefix,
    bucketPrefix: raw.bucketPrefix,
    multiRegion: raw.multiRegion ?? CONFIG_DEFAULTS.multiRegion,
    retentionDays: raw.retentionDays ?? CONFIG_DEFAULTS.retentionDays,
    probeInstance: raw.probeInstance ?? CONFIG_DEFAULTS.probeInstance,
    instanceType: raw.instanceType ?? CONFIG_DEFAULTS.instanceType,
    instanceName: raw.instanceName ?? CONFIG_DEFAULTS.instanceName,
    subnetId: raw.subnetId,
    accessLogging: raw.accessLogging ?? CONFIG_DEFAULTS.accessLogging,
    kmsEncryption: raw.kmsEncryption ?? CONFIG_DEFAULTS.kmsEncryption,
    cloudWatchLogs: raw.cloudWatchLogs ?? CONFIG_DEFAULTS.cloudWatchLogs,
    athena: raw.athena ?? CONFIG_DEFAULTS.athena,
    dataEvents: raw.dataEvents ?? CONFIG_DEFAULTS.dataEvents,
    detections: raw.detections ?? CONFIG_DEFAULTS.detections,
    athenaRegions: raw.athenaRegions,
    athenaStartDate: raw.athenaStartDate ?? CONFIG_DEFAULTS.athenaStartDate,
    athenaOrgId: raw.athenaOrgId,
    athenaScanCutoffBytes: raw.athenaScanCutoffBytes ?? CONFIG_DEFAULTS.athenaScanCutoffBytes,
    tags: raw.tags ?? {},
  };
  const trailProblem = checkTrailName(cfg.trailName);
  if (trailProblem) throw new InvalidConfigError(key("trailName"), cfg.trailName, trailProblem);
  if (cfg.logPrefix !== undefined && (cfg.logPrefix.length > 200 || !LOG_PREFIX.test(cfg.logPrefix))) {
    throw new InvalidConfigError(
      key("logPrefix"),
      cfg.logPrefix,
      "must be at most 200 characters of letters, digits and !_.*'()- in '/'-separated parts, without a leading or trailing '/'",
    );
  }
  if (cfg.bucketPrefix !== undefined && !BUCKET_PREFIX.test(cfg.bucketPrefix)) {
    throw new InvalidConfigError(
      key("bucketPrefix"),
      cfg.bucketPrefix,
      "must be 1 to 37 lowercase letters, digits, dots or dashes, starting with a letter or digit",
    );
  }
  if (!Number.isInteger(cfg.retentionDays) || cfg.retentionDays < 1) {
    throw new InvalidConfigError(key("retentionDays"), cfg.retentionDays, "must be a whole number of days, 1 or more");
  }
  if (!INSTANCE_TYPE.test(cfg.instanceType)) {
    throw new InvalidConfigError(key("instanceType"), cfg.instanceType, "must look like an EC2 instance type, such as t3.micro");
  }
  if (cfg.instanceName.trim() === "" || cfg.instanceName.length > 256) {
    throw new InvalidConfigError(key("instanceName"), cfg.instanceName, "must be 1 to 256 characters");
  }
  if (cfg.subnetId !== undefined && !SUBNET_ID.test(cfg.subnetId)) {
    throw new InvalidConfigError(key("subnetId"), cfg.subnetId, "must be a subnet id such as subnet-0123456789abcdef0");
  }
  if (cfg.athenaRegions !== undefined && (cfg.athenaRegions.length === 0 || !cfg.athenaRegions.every((r) => REGION.test(r)))) {
    throw new InvalidConfigError(key("athenaRegions"), cfg.athenaRegions, 'must be a non-empty list of region names such as ["us-east-1"]');
  }
  if (!/^\d{4}\/\d{2}\/\d{2}$/.test(cfg.athenaStartDate) || Number.isNaN(Date.parse(cfg.athenaStartDate.replace(/\//g, "-")))) {
    throw new InvalidConfigError(key("athenaStartDate"), cfg.athenaStartDate, "must be a date written yyyy/MM/dd");
  }
  if (cfg.athenaOrgId !== undefined && !/^o-[a-z0-9]{10,32}$/.test(cfg.athenaOrgId)) {
    throw new InvalidConfigError(key("athenaOrgId"), cfg.athenaOrgId, "must be an organization id such as o-a1b2c3d4e5");
  }
  if (!Number.isInteger(cfg.athenaScanCutoffBytes) || cfg.athenaScanCutoffBytes < 10 * 1024 ** 2) {
    throw new InvalidConfigError(
      key("athenaScanCutoffBytes"),
      cfg.athenaScanCutoffBytes,
      "must be a whole number of bytes, at least 10485760 (10 MB)",
    );
  }
  for (const [tagKey, tagValue] of Object.entries(cfg.tags)) {
    if (tagKey.toLowerCase().startsWith("aws:") || tagKey.length === 0 || tagKey.length > 128 || typeof tagValue !== "string") {
      throw new InvalidConfigError(
        key("tags"),
        cfg.tags,
        `tag '${tagKey}' is not allowed: keys are 1 to 128 characters, not starting with aws:, values are strings`,
      );
    }
  }
  return cfg;
}

/** Reads the stack's config (namespace = the Pulumi project name) and validates it. */
export function loadConfig(config = new pulumi.Config()): LabConfig {
  const number = (k: string) => {
    const v = optionalString(config, k);
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isFinite(n)) throw new InvalidConfigError(`${config.name}:${k}`, v, "must be a number");
    return n;
  };
  const bool = (k: string) => {
    const v = optionalString(config, k);
    if (v === undefined) return undefined;
    if (v !== "true" && v !== "false") throw new InvalidConfigError(`${config.name}:${k}`, v, "must be true or false");
    return v === "true";
  };
  return validateConfig(
    {
      trailName: config.get("trailName"),
      logPrefix: optionalString(config, "logPrefix"),
      bucketPrefix: optionalString(config, "bucketPrefix"),
      multiRegion: bool("multiRegion"),
      retentionDays: number("retentionDays"),
      probeInstance: bool("probeInstance"),
      instanceType: config.get("instanceType"),
      instanceName: config.get("instanceName"),
      subnetId: optionalString(config, "subnetId"),
      accessLogging: bool("accessLogging"),
      kmsEncryption: bool("kmsEncryption"),
      cloudWatchLogs: bool("cloudWatchLogs"),
      athena: bool("athena"),
      dataEvents: bool("dataEvents"),
      detections: bool("detections"),
      athenaRegions: config.getObject<string[]>("athenaRegions"),
      athenaStartDate: optionalString(config, "athenaStartDate"),
      athenaOrgId: optionalString(config, "athenaOrgId"),
      athenaScanCutoffBytes: number("athenaScanCutoffBytes"),
      tags: config.getObject<Record<string, string>>("tags"),
    },
    config.name,
  );
}
