// TEST DOUBLE. What the stand-in AWS provider does per resource type: the names Pulumi would
// generate (Check), the ids and outputs AWS would return (Create/Update), which input changes
// force a replacement (Diff), and the refusals AWS makes that an ordering mistake would trigger
// (a trail before its bucket policy, a security group deleted while an instance uses it).
import { randomBytes, randomUUID } from "node:crypto";
import { DEFAULT_SUBNETS } from "../../support/fixtures/lab-account";
import type { StoredResource } from "./store";
import { trailSelectorChanges, trailSelectorOutputs } from "./trail-selectors";

/** What the provider was configured with, and the resources it holds, for outputs that depend on them. */
export interface World {
  region: string;
  account: string;
  partition: string;
  resources: StoredResource[];
}

export interface ParsedUrn {
  urn: string;
  type: string;
  name: string;
}

/** `urn:pulumi:<stack>::<project>::<parent types$>type::<name>` */
export function parseUrn(urn: string): ParsedUrn {
  const parts = urn.split("::");
  const qualified = parts[2] ?? "";
  return { urn, type: qualified.split("$").pop() ?? qualified, name: parts.slice(3).join("::") };
}

/** An error as the AWS provider words it: the operation, the API call, the status and AWS's code and message. */
export class AwsApiError extends Error {
  constructor(what: string, service: string, operation: string, status: number, code: string, message: string) {
    super(
      `${what}: operation error ${service}: ${operation}, https response error StatusCode: ${status}, ` +
        `RequestID: ${randomUUID()}, api error ${code}: ${message}`,
    );
    this.name = "AwsApiError";
  }
}

const hex = (n: number) =>
  randomBytes(Math.ceil(n / 2))
    .toString("hex")
    .slice(0, n);
/** Pulumi's auto-name: the logical name, a dash and seven random hex digits. */
const autoName = (name: string) => `${name}-${hex(7)}`;
/** The Terraform provider's unique suffix for a name prefix: a timestamp and a counter, 26 digits. */
function prefixedName(prefix: string): string {
  const d = new Date();
  const stamp = d
    .toISOString()
    .replace(/[-:TZ.]/g, "")
    .slice(0, 17);
  return `${prefix}${stamp}${String(Math.floor(Math.random() * 1e9)).padStart(9, "0")}`;
}

type Inputs = Record<string, any>;

interface TypeRule {
  /** Service and API call named in errors, e.g. ["S3", "CreateBucket"]. */
  api: [string, string, string];
  /** A human name for errors ("S3 Bucket"). */
  label: string;
  /** Input property Pulumi auto-names when the program leaves it out. */
  autoNamed?: string;
  /** Input properties whose change replaces the resource. */
  replaces?: string[];
  /** The AWS id and computed outputs; `previous` holds the outputs before an update. */
  create(name: string, inputs: Inputs, world: World, previous?: Inputs): { id: string; outputs: Inputs };
  /**
   * Inputs the provider diffs against its state as read back rather than against the old inputs
   * (`keys`), and which of them changed: where the read-back differs from what was declared.
   */
  stateDiff?: { keys: string[]; changed(state: Inputs, news: Inputs): string[] };
  /** AWS's refusal of the create, if any, given what exists. */
  refuseCreate?(name: string, inputs: Inputs, world: World): Error | undefined;
  refuseDelete?(resource: StoredResource, world: World): Error | undefined;
}

const tagsAll = (inputs: Inputs) => ({ tagsAll: { ...(inputs.tags ?? {}) } });
const of = (world: World, type: string) => world.resources.filter((r) => r.type === type);

/** An S3 bucket configuration (policy, versioning, ...): its id is the bucket's name, and the bucket must exist. */
function bucketPart(label: string, operation: string, deleteOperation: string): TypeRule {
  return {
    api: ["S3", operation, deleteOperation],
    label,
    replaces: ["bucket", "expectedBucketOwner"],
    create: (_name, inputs, world) => ({ id: String(inputs.bucket), outputs: { ...inputs, region: world.region } }),
    refuseCreate(_name, inputs, world) {
      if (of(world, "aws:s3/bucket:Bucket").some((b) => b.outputs.bucket === inputs.bucket)) return undefined;
      return new AwsApiError(
        `creating ${label} (${inputs.bucket})`,
        "S3",
        operation,
        404,
        "NoSuchBucket",
        "The specified bucket does not exist",
      );
    },
  };
}

const RULES: Record<string, TypeRule> = {
  "aws:s3/bucket:Bucket": {
    api: ["S3", "CreateBucket", "DeleteBucket"],
    label: "S3 Bucket",
    autoNamed: "bucket",
    replaces: ["bucket", "bucketPrefix", "objectLockEnabled"],
    create(_name, inputs, world, previous) {
      const bucket = String(previous?.bucket ?? inputs.bucket ?? prefixedName(inputs.bucketPrefix ?? "terraform-"));
      const regional = world.region === "us-east-1" ? "s3" : `s3.${world.region}`;
      return {
        id: bucket,
        outputs: {
          forceDestroy: false,
          objectLockEnabled: false,
          ...inputs,
          bucket,
          arn: `arn:${world.partition}:s3:::${bucket}`,
          bucketDomainName: `${bucket}.s3.amazonaws.com`,
          bucketRegionalDomainName: `${bucket}.${regional}.amazonaws.com`,
          hostedZoneId: world.region === "us-east-1" ? "Z3AQBSTGFYJSTF" : "Z1BKCTXD74EZPE",
          region: world.region,
          ...tagsAll(inputs),
        },
      };
    },
    refuseCreate(_name, inputs, world) {
      if (!inputs.bucket || !of(world, "aws:s3/bucket:Bucket").some((b) => b.outputs.bucket === inputs.bucket)) return undefined;
      return new AwsApiError(
        `creating S3 Bucket (${inputs.bucket})`,
        "S3",
        "CreateBucket",
        409,
        "BucketAlreadyOwnedByYou",
        "Your previous request to create the named bucket succeeded and you already own it.",
      );
    },
  },
  "aws:s3/bucketOwnershipControls:BucketOwnershipControls": bucketPart(
    "S3 Bucket Ownership Controls",
    "PutBucketOwnershipControls",
    "DeleteBucketOwnershipControls",
  ),
  "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": bucketPart(
    "S3 Bucket Public Access Block",
    "PutPublicAccessBlock",
    "DeletePublicAccessBlock",
  ),
  "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": bucketPart(
    "S3 Bucket Server-side Encryption Configuration",
    "PutBucketEncryption",
    "DeleteBucketEncryption",
  ),
  "aws:s3/bucketVersioning:BucketVersioning": bucketPart("S3 Bucket Versioning", "PutBucketVersioning", "PutBucketVersioning"),
  "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": bucketPart(
    "S3 Bucket Lifecycle Configuration",
    "PutBucketLifecycleConfiguration",
    "DeleteBucketLifecycle",
  ),
  "aws:s3/bucketLogging:BucketLogging": bucketPart("S3 Bucket Logging", "PutBucketLogging", "PutBucketLogging"),
  "aws:s3/bucketPolicy:BucketPolicy": bucketPart("S3 Bucket Policy", "PutBucketPolicy", "DeleteBucketPolicy"),
  "aws:cloudtrail/trail:Trail": {
    api: ["CloudTrail", "CreateTrail", "DeleteTrail"],
    label: "CloudTrail Trail",
    autoNamed: "name",
    replaces: ["name"],
    create(_name, inputs, world) {
      const arn = `arn:${world.partition}:cloudtrail:${world.region}:${world.account}:trail/${inputs.name}`;
      return {
        id: arn,
        outputs: {
          enableLogging: true,
          includeGlobalServiceEvents: true,
          isMultiRegionTrail: false,
          isOrganizationTrail: false,
          enableLogFileValidation: false,
          ...inputs,
          // The selectors as a Read after PutEventSelectors leaves them (trail-selectors.ts).
          ...trailSelectorOutputs(inputs),
          arn,
          homeRegion: world.region,
          region: world.region,
          ...tagsAll(inputs),
        },
      };
    },
    stateDiff: { keys: ["advancedEventSelectors", "eventSelectors"], changed: trailSelectorChanges },
    refuseCreate(_name, inputs, world) {
      const what = `creating CloudTrail Trail (${inputs.name})`;
      if (of(world, "aws:cloudtrail/trail:Trail").some((t) => t.outputs.name === inputs.name)) {
        return new AwsApiError(
          what,
          "CloudTrail",
          "CreateTrail",
          400,
          "TrailAlreadyExistsException",
          `Trail ${inputs.name} already exists for customer: ${world.account}`,
        );
      }
      if (!of(world, "aws:s3/bucket:Bucket").some((b) => b.outputs.bucket === inputs.s3BucketName)) {
        return new AwsApiError(
          what,
          "CloudTrail",
          "CreateTrail",
          400,
          "S3BucketDoesNotExistException",
          `S3 bucket ${inputs.s3BucketName} does not exist.`,
        );
      }
      // CloudTrail tests the bucket policy on creation: the reason the program orders the trail after it.
      if (!of(world, "aws:s3/bucketPolicy:BucketPolicy").some((p) => p.outputs.bucket === inputs.s3BucketName)) {
        return new AwsApiError(
          what,
          "CloudTrail",
          "CreateTrail",
          400,
          "InsufficientS3BucketPolicyException",
          `Incorrect S3 bucket policy is detected for bucket: ${inputs.s3BucketName}`,
        );
      }
      return undefined;
    },
  },
  "aws:ec2/securityGroup:SecurityGroup": {
    api: ["EC2", "CreateSecurityGroup", "DeleteSecurityGroup"],
    label: "EC2 Security Group",
    autoNamed: "name",
    replaces: ["name", "namePrefix", "vpcId", "description"],
    create(_name, inputs, world, previous) {
      const id = String(previous?.id ?? `sg-${hex(17)}`);
      return {
        id,
        outputs: {
          revokeRulesOnDelete: false,
          ...inputs,
          id,
          arn: `arn:${world.partition}:ec2:${world.region}:${world.account}:security-group/${id}`,
          ownerId: world.account,
          ingress: inputs.ingress ?? [],
          egress: inputs.egress ?? [],
          namePrefix: "",
          region: world.region,
          ...tagsAll(inputs),
        },
      };
    },
    refuseDelete(resource, world) {
      const user = of(world, "aws:ec2/instance:Instance").find((i) =>
        ((i.outputs.vpcSecurityGroupIds as string[]) ?? []).includes(resource.id),
      );
      if (!user) return undefined;
      return new AwsApiError(
        `deleting Security Group (${resource.id})`,
        "EC2",
        "DeleteSecurityGroup",
        400,
        "DependencyViolation",
        `resource ${resource.id} has a dependent object`,
      );
    },
  },
  "aws:ec2/instance:Instance": {
    api: ["EC2", "RunInstances", "TerminateInstances"],
    label: "EC2 Instance",
    replaces: ["ami", "subnetId", "availabilityZone", "keyName", "associatePublicIpAddress", "privateIp"],
    create(_name, inputs, world, previous) {
      const id = String(previous?.id ?? `i-${hex(17)}`);
      const zone = `${world.region}${DEFAULT_SUBNETS[String(inputs.subnetId)] ?? "a"}`;
      const privateIp = String(
        previous?.privateIp ?? `172.31.${16 * (zone.charCodeAt(zone.length - 1) - 97) + 1}.${2 + (randomBytes(1)[0] % 250)}`,
      );
      const dns = world.region === "us-east-1" ? "ec2.internal" : `${world.region}.compute.internal`;
      return {
        id,
        outputs: {
          ...inputs,
          id,
          arn: `arn:${world.partition}:ec2:${world.region}:${world.account}:instance/${id}`,
          availabilityZone: zone,
          instanceState: "running",
          privateIp,
          privateDns: `ip-${privateIp.replace(/\./g, "-")}.${dns}`,
          publicIp: "",
          publicDns: "",
          primaryNetworkInterfaceId: String(previous?.primaryNetworkInterfaceId ?? `eni-${hex(17)}`),
          tenancy: "default",
          rootBlockDevice: {
            deviceName: "/dev/xvda",
            volumeSize: 8,
            iops: 3000,
            throughput: 125,
            volumeId: `vol-${hex(17)}`,
            ...(inputs.rootBlockDevice ?? {}),
          },
          region: world.region,
          ...tagsAll(inputs),
        },
      };
    },
  },
  "aws:kms/key:Key": {
    api: ["KMS", "CreateKey", "ScheduleKeyDeletion"],
    label: "KMS Key",
    create(_name, inputs, world, previous) {
      const keyId = String(previous?.keyId ?? randomUUID());
      return {
        id: keyId,
        outputs: {
          keyUsage: "ENCRYPT_DECRYPT",
          customerMasterKeySpec: "SYMMETRIC_DEFAULT",
          isEnabled: true,
          ...inputs,
          keyId,
          arn: `arn:${world.partition}:kms:${world.region}:${world.account}:key/${keyId}`,
          region: world.region,
          ...tagsAll(inputs),
        },
      };
    },
  },
  "aws:cloudwatch/logGroup:LogGroup": {
    api: ["CloudWatch Logs", "CreateLogGroup", "DeleteLogGroup"],
    label: "CloudWatch Logs Log Group",
    autoNamed: "name",
    replaces: ["name", "namePrefix"],
    create: (_name, inputs, world) => ({
      id: String(inputs.name),
      outputs: {
        logGroupClass: "STANDARD",
        retentionInDays: 0,
        ...inputs,
        arn: `arn:${world.partition}:logs:${world.region}:${world.account}:log-group:${inputs.name}`,
        region: world.region,
        ...tagsAll(inputs),
      },
    }),
  },
  "aws:iam/role:Role": {
    api: ["IAM", "CreateRole", "DeleteRole"],
    label: "IAM Role",
    autoNamed: "name",
    replaces: ["name", "namePrefix", "path"],
    create: (_name, inputs, world, previous) => ({
      id: String(inputs.name),
      outputs: {
        path: "/",
        maxSessionDuration: 3600,
        ...inputs,
        arn: `arn:${world.partition}:iam::${world.account}:role/${inputs.name}`,
        uniqueId: String(previous?.uniqueId ?? `AROA${randomBytes(9).toString("hex").toUpperCase().slice(0, 17)}`),
        createDate: String(previous?.createDate ?? new Date().toISOString()),
        ...tagsAll(inputs),
      },
    }),
  },
  "aws:iam/rolePolicy:RolePolicy": {
    api: ["IAM", "PutRolePolicy", "DeleteRolePolicy"],
    label: "IAM Role Policy",
    autoNamed: "name",
    replaces: ["name", "namePrefix", "role"],
    create: (_name, inputs) => ({ id: `${inputs.role}:${inputs.name}`, outputs: { ...inputs } }),
  },
  "aws:glue/catalogDatabase:CatalogDatabase": {
    api: ["Glue", "CreateDatabase", "DeleteDatabase"],
    label: "Glue Catalog Database",
    autoNamed: "name",
    replaces: ["name", "catalogId"],
    create: (_name, inputs, world) => ({
      id: `${world.account}:${inputs.name}`,
      outputs: {
        ...inputs,
        catalogId: world.account,
        arn: `arn:${world.partition}:glue:${world.region}:${world.account}:database/${inputs.name}`,
        region: world.region,
        ...tagsAll(inputs),
      },
    }),
  },
  "aws:glue/catalogTable:CatalogTable": {
    api: ["Glue", "CreateTable", "DeleteTable"],
    label: "Glue Catalog Table",
    autoNamed: "name",
    replaces: ["name", "databaseName", "catalogId"],
    create: (_name, inputs, world) => ({
      id: `${world.account}:${inputs.databaseName}:${inputs.name}`,
      outputs: {
        ...inputs,
        catalogId: world.account,
        arn: `arn:${world.partition}:glue:${world.region}:${world.account}:table/${inputs.databaseName}/${inputs.name}`,
        region: world.region,
      },
    }),
  },
  "aws:athena/workgroup:Workgroup": {
    api: ["Athena", "CreateWorkGroup", "DeleteWorkGroup"],
    label: "Athena WorkGroup",
    autoNamed: "name",
    replaces: ["name"],
    create: (_name, inputs, world) => ({
      id: String(inputs.name),
      outputs: {
        state: "ENABLED",
        ...inputs,
        arn: `arn:${world.partition}:athena:${world.region}:${world.account}:workgroup/${inputs.name}`,
        region: world.region,
        ...tagsAll(inputs),
      },
    }),
  },
};

/** A resource that belongs to another (a policy of a topic, a target of a rule): AWS refuses it while the owner is missing. */
function needs(
  label: string,
  api: [string, string, string],
  owner: { type: string; input: string; output: string; code: string; message: string },
  create: TypeRule["create"],
  extra: Partial<TypeRule> = {},
): TypeRule {
  return {
    api,
    label,
    create,
    refuseCreate(_name, inputs, world) {
      if (of(world, owner.type).some((r) => r.outputs[owner.output] === inputs[owner.input])) return undefined;
      return new AwsApiError(`creating ${label}`, api[0], api[1], 404, owner.code, `${owner.message}: ${String(inputs[owner.input])}`);
    },
    ...extra,
  };
}

const TOPIC = { type: "aws:sns/topic:Topic", output: "arn", code: "NotFound", message: "Topic does not exist" };
const QUEUE = {
  type: "aws:sqs/queue:Queue",
  output: "url",
  code: "AWS.SimpleQueueService.NonExistentQueue",
  message: "The specified queue does not exist",
};

/** The detections (infra/detections.ts): an SNS topic, an SQS queue, EventBridge rules, CloudWatch filters and alarms. */
const DETECTION_RULES: Record<string, TypeRule> = {
  "aws:sns/topic:Topic": {
    api: ["SNS", "CreateTopic", "DeleteTopic"],
    label: "SNS Topic",
    autoNamed: "name",
    replaces: ["name", "namePrefix", "fifoTopic"],
    create: (_name, inputs, world) => {
      const arn = `arn:${world.partition}:sns:${world.region}:${world.account}:${inputs.name}`;
      return { id: arn, outputs: { fifoTopic: false, ...inputs, arn, owner: world.account, region: world.region, ...tagsAll(inputs) } };
    },
  },
  "aws:sns/topicPolicy:TopicPolicy": needs(
    "SNS Topic Policy",
    ["SNS", "SetTopicAttributes", "SetTopicAttributes"],
    { ...TOPIC, input: "arn" },
    (_name, inputs, world) => ({ id: String(inputs.arn), outputs: { ...inputs, owner: world.account, region: world.region } }),
    { replaces: ["arn"] },
  ),
  "aws:sns/topicSubscription:TopicSubscription": needs(
    "SNS Topic Subscription",
    ["SNS", "Subscribe", "Unsubscribe"],
    { ...TOPIC, input: "topic" },
    (_name, inputs, world, previous) => {
      const arn = String(previous?.arn ?? `${inputs.topic}:${randomUUID()}`);
      return {
        id: arn,
        outputs: {
          rawMessageDelivery: false,
          ...inputs,
          arn,
          owner: world.account,
          pendingConfirmation: false,
          confirmationWasAuthenticated: true,
          region: world.region,
        },
      };
    },
    { replaces: ["topic", "protocol", "endpoint"] },
  ),
  "aws:sqs/queue:Queue": {
    api: ["SQS", "CreateQueue", "DeleteQueue"],
    label: "SQS Queue",
    autoNamed: "name",
    replaces: ["name", "namePrefix", "fifoQueue"],
    create: (_name, inputs, world) => {
      const url = `https://sqs.${world.region}.amazonaws.com/${world.account}/${inputs.name}`;
      return {
        id: url,
        outputs: {
          fifoQueue: false,
          ...inputs,
          url,
          arn: `arn:${world.partition}:sqs:${world.region}:${world.account}:${inputs.name}`,
          region: world.region,
          ...tagsAll(inputs),
        },
      };
    },
  },
  "aws:sqs/queuePolicy:QueuePolicy": needs(
    "SQS Queue Policy",
    ["SQS", "SetQueueAttributes", "SetQueueAttributes"],
    { ...QUEUE, input: "queueUrl" },
    (_name, inputs, world) => ({ id: String(inputs.queueUrl), outputs: { ...inputs, region: world.region } }),
    { replaces: ["queueUrl"] },
  ),
  "aws:cloudwatch/eventRule:EventRule": {
    api: ["EventBridge", "PutRule", "DeleteRule"],
    label: "EventBridge Rule",
    autoNamed: "name",
    replaces: ["name", "namePrefix", "eventBusName"],
    create: (_name, inputs, world) => ({
      id: String(inputs.name),
      outputs: {
        eventBusName: "default",
        state: "ENABLED",
        ...inputs,
        arn: `arn:${world.partition}:events:${world.region}:${world.account}:rule/${inputs.name}`,
        region: world.region,
        ...tagsAll(inputs),
      },
    }),
  },
  "aws:cloudwatch/eventTarget:EventTarget": needs(
    "EventBridge Target",
    ["EventBridge", "PutTargets", "RemoveTargets"],
    {
      type: "aws:cloudwatch/eventRule:EventRule",
      input: "rule",
      output: "name",
      code: "ResourceNotFoundException",
      message: "Rule does not exist",
    },
    (_name, inputs, world, previous) => {
      const targetId = String(inputs.targetId ?? previous?.targetId ?? `terraform-${prefixedName("").slice(0, 26)}`);
      return { id: `${inputs.rule}-${targetId}`, outputs: { eventBusName: "default", ...inputs, targetId, region: world.region } };
    },
    { replaces: ["rule", "targetId", "eventBusName"] },
  ),
  "aws:cloudwatch/logMetricFilter:LogMetricFilter": needs(
    "CloudWatch Logs Metric Filter",
    ["CloudWatch Logs", "PutMetricFilter", "DeleteMetricFilter"],
    {
      type: "aws:cloudwatch/logGroup:LogGroup",
      input: "logGroupName",
      output: "name",
      code: "ResourceNotFoundException",
      message: "The specified log group does not exist",
    },
    (_name, inputs, world) => ({ id: String(inputs.name), outputs: { ...inputs, region: world.region } }),
    { autoNamed: "name", replaces: ["name", "logGroupName"] },
  ),
  "aws:cloudwatch/metricAlarm:MetricAlarm": {
    api: ["CloudWatch", "PutMetricAlarm", "DeleteAlarms"],
    label: "CloudWatch Metric Alarm",
    autoNamed: "name",
    replaces: ["name"],
    create: (_name, inputs, world) => ({
      id: String(inputs.name),
      outputs: {
        actionsEnabled: true,
        ...inputs,
        arn: `arn:${world.partition}:cloudwatch:${world.region}:${world.account}:alarm:${inputs.name}`,
        region: world.region,
        ...tagsAll(inputs),
      },
    }),
  },
};

export class UnknownResourceTypeError extends Error {
  constructor(type: string) {
    super(`The stand-in AWS provider (a test double) has no behaviour for ${type}: add it to test/engine/plugin/resources.ts.`);
    this.name = "UnknownResourceTypeError";
  }
}

export function ruleFor(type: string): TypeRule {
  const rule = RULES[type] ?? DETECTION_RULES[type];
  if (!rule) throw new UnknownResourceTypeError(type);
  return rule;
}

/** Check: the inputs with Pulumi's auto-name filled in, kept from the previous inputs so a rerun is no change. */
export function checkInputs(type: string, name: string, olds: Inputs, news: Inputs): Inputs {
  const rule = ruleFor(type);
  const field = rule.autoNamed;
  if (!field || news[field] !== undefined || news[`${field}Prefix`] !== undefined) return news;
  return { ...news, [field]: olds[field] ?? autoName(name) };
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

/**
 * Diff: which inputs changed since the stored ones (or, for a rule's `stateDiff` keys, against the
 * stored outputs as the provider reads them back), and whether one of them forces a replacement.
 */
export function diffInputs(type: string, olds: Inputs, news: Inputs, state: Inputs = olds): { changes: boolean; replaces: string[] } {
  const byState = ruleFor(type).stateDiff;
  const keys = new Set([...Object.keys(olds), ...Object.keys(news)].filter((k) => !k.startsWith("__") && !byState?.keys.includes(k)));
  const changed = [...[...keys].filter((k) => !same(olds[k], news[k])), ...(byState?.changed(state, news) ?? [])];
  const replaces = changed.filter((k) => (ruleFor(type).replaces ?? []).includes(k));
  return { changes: changed.length > 0, replaces };
}

/** The realistic default message when a test asks for a failure without giving one. */
export function defaultFailure(type: string, name: string, op: "create" | "update" | "delete"): Error {
  const rule = ruleFor(type);
  const [service, createCall, deleteCall] = rule.api;
  const call = op === "delete" ? deleteCall : createCall;
  const verb = op === "delete" ? "deleting" : op === "update" ? "updating" : "creating";
  return new AwsApiError(
    `${verb} ${rule.label} (${name})`,
    service,
    call,
    500,
    "InternalError",
    "We encountered an internal error. Please try again.",
  );
}
