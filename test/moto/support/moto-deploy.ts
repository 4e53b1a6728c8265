// What the lab's Pulumi program declares, stood up in moto with the real SDK: the program runs
// under mocks (pulumi-program.ts) from the repository's Pulumi.dev.yaml plus the test's
// overrides, and each recorded resource becomes the API calls the AWS provider would make, in the
// order the program registered them (dependsOn included). Nothing is restated by hand: a change
// to infra/ or to Pulumi.dev.yaml changes this world too. moto then judges the calls as AWS
// would where it can (a logging target without the log-delivery policy is refused, a trail's
// bucket must exist).
import * as path from "node:path";
import { CreateTrailCommand, PutEventSelectorsCommand, StartLoggingCommand, type EventSelector } from "@aws-sdk/client-cloudtrail";
import { CreateLogGroupCommand, PutRetentionPolicyCommand } from "@aws-sdk/client-cloudwatch-logs";
import { CreateKeyCommand, EnableKeyRotationCommand } from "@aws-sdk/client-kms";
import {
  CreateBucketCommand,
  PutBucketEncryptionCommand,
  PutBucketLifecycleConfigurationCommand,
  PutBucketLoggingCommand,
  PutBucketOwnershipControlsCommand,
  PutBucketPolicyCommand,
  PutBucketTaggingCommand,
  PutBucketVersioningCommand,
  PutPublicAccessBlockCommand,
  type LifecycleRule,
} from "@aws-sdk/client-s3";
import { readTemplateConfig } from "../../../automation/engine/stack-config";
import { motoClients, type MotoClients } from "./moto-world";
import { runProgram, type ProgramRun, type RecordedResource } from "../../support/pulumi-program";
import { toApiSelectors } from "../../support/fixtures/advanced-selectors";

const ROOT = path.resolve(__dirname, "../../..");

export interface MotoDeployedWorld {
  run: ProgramRun;
  region: string;
  bucket: string;
  accessLogBucket: string | null;
  /** The data events' canary bucket, with trail-lab:dataEvents on. */
  canaryBucket: string | null;
  trailName: string;
  /** As moto answered CreateTrail. */
  trailArn: string;
  /** moto's ARN of the trail's KMS key, when kmsEncryption is on. */
  kmsKeyArn: string | null;
  /** Resource types of the program that have no moto counterpart here, with why. */
  notCreated: { name: string; type: string; why: string }[];
}

// Types the program declares that are not created in moto, and why that loses nothing here.
const NOT_CREATED: Record<string, string> = {
  "aws:iam/role:Role": "the project has no IAM client, and moto's CreateTrail does not check the CloudWatch Logs role",
  "aws:iam/rolePolicy:RolePolicy": "the project has no IAM client, and moto's CreateTrail does not check the CloudWatch Logs role",
};

/** The config the lab starts each stack from: Pulumi.dev.yaml, as strings the mocks' config takes. */
export function templateConfig(): Record<string, string> {
  const { config } = readTemplateConfig(ROOT);
  return Object.fromEntries(Object.entries(config).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]));
}

const tagSet = (tags: Record<string, string> | undefined) => Object.entries(tags ?? {}).map(([Key, Value]) => ({ Key, Value }));

type Apply = (clients: MotoClients, inputs: Record<string, any>, r: RecordedResource) => Promise<string | void>;

/** Per resource type, the provider's calls; a returned string is the resource's ARN in moto. */
const APPLY: Record<string, Apply> = {
  "aws:s3/bucket:Bucket": async ({ s3 }, inputs, r) => {
    const Bucket = r.state.bucket as string;
    await s3.send(new CreateBucketCommand({ Bucket }));
    if (inputs.tags) await s3.send(new PutBucketTaggingCommand({ Bucket, Tagging: { TagSet: tagSet(inputs.tags) } }));
  },
  "aws:s3/bucketOwnershipControls:BucketOwnershipControls": async ({ s3 }, inputs) => {
    await s3.send(
      new PutBucketOwnershipControlsCommand({
        Bucket: inputs.bucket,
        OwnershipControls: { Rules: [{ ObjectOwnership: inputs.rule.objectOwnership }] },
      }),
    );
  },
  "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": async ({ s3 }, inputs) => {
    await s3.send(
      new PutPublicAccessBlockCommand({
        Bucket: inputs.bucket,
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: inputs.blockPublicAcls,
          IgnorePublicAcls: inputs.ignorePublicAcls,
          BlockPublicPolicy: inputs.blockPublicPolicy,
          RestrictPublicBuckets: inputs.restrictPublicBuckets,
        },
      }),
    );
  },
  "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": async ({ s3 }, inputs) => {
    await s3.send(
      new PutBucketEncryptionCommand({
        Bucket: inputs.bucket,
        ServerSideEncryptionConfiguration: {
          Rules: (inputs.rules as any[]).map((rule) => ({
            ApplyServerSideEncryptionByDefault: {
              SSEAlgorithm: rule.applyServerSideEncryptionByDefault.sseAlgorithm,
              KMSMasterKeyID: rule.applyServerSideEncryptionByDefault.kmsMasterKeyId,
            },
            BucketKeyEnabled: rule.bucketKeyEnabled,
          })),
        },
      }),
    );
  },
  "aws:s3/bucketVersioning:BucketVersioning": async ({ s3 }, inputs) => {
    await s3.send(
      new PutBucketVersioningCommand({ Bucket: inputs.bucket, VersioningConfiguration: { Status: inputs.versioningConfiguration.status } }),
    );
  },
  "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": async ({ s3 }, inputs) => {
    const Rules: LifecycleRule[] = (inputs.rules as any[]).map((rule) => ({
      ID: rule.id,
      Status: rule.status,
      Filter: rule.filter?.prefix ? { Prefix: rule.filter.prefix } : {},
      Expiration: rule.expiration && { Days: rule.expiration.days },
      NoncurrentVersionExpiration: rule.noncurrentVersionExpiration && { NoncurrentDays: rule.noncurrentVersionExpiration.noncurrentDays },
      AbortIncompleteMultipartUpload: rule.abortIncompleteMultipartUpload && {
        DaysAfterInitiation: rule.abortIncompleteMultipartUpload.daysAfterInitiation,
      },
    }));
    await s3.send(new PutBucketLifecycleConfigurationCommand({ Bucket: inputs.bucket, LifecycleConfiguration: { Rules } }));
  },
  "aws:s3/bucketLogging:BucketLogging": async ({ s3 }, inputs) => {
    await s3.send(
      new PutBucketLoggingCommand({
        Bucket: inputs.bucket,
        BucketLoggingStatus: { LoggingEnabled: { TargetBucket: inputs.targetBucket, TargetPrefix: inputs.targetPrefix } },
      }),
    );
  },
  "aws:s3/bucketPolicy:BucketPolicy": async ({ s3 }, inputs) => {
    await s3.send(new PutBucketPolicyCommand({ Bucket: inputs.bucket, Policy: inputs.policy }));
  },
  "aws:kms/key:Key": async ({ kms }, inputs) => {
    const { KeyMetadata } = await kms.send(
      new CreateKeyCommand({
        Description: inputs.description,
        Policy: inputs.policy,
        Tags: Object.entries(inputs.tags ?? {}).map(([TagKey, TagValue]) => ({ TagKey, TagValue: String(TagValue) })),
      }),
    );
    if (inputs.enableKeyRotation) await kms.send(new EnableKeyRotationCommand({ KeyId: KeyMetadata!.KeyId }));
    return KeyMetadata!.Arn;
  },
  "aws:cloudwatch/logGroup:LogGroup": async ({ logs }, inputs) => {
    await logs.send(new CreateLogGroupCommand({ logGroupName: inputs.name, tags: inputs.tags }));
    if (inputs.retentionInDays)
      await logs.send(new PutRetentionPolicyCommand({ logGroupName: inputs.name, retentionInDays: inputs.retentionInDays }));
  },
  "aws:cloudtrail/trail:Trail": async ({ cloudTrail }, inputs) => {
    const created = await cloudTrail.send(
      new CreateTrailCommand({
        Name: inputs.name,
        S3BucketName: inputs.s3BucketName,
        S3KeyPrefix: inputs.s3KeyPrefix,
        IncludeGlobalServiceEvents: inputs.includeGlobalServiceEvents,
        IsMultiRegionTrail: inputs.isMultiRegionTrail,
        EnableLogFileValidation: inputs.enableLogFileValidation,
        KmsKeyId: inputs.kmsKeyId,
        CloudWatchLogsLogGroupArn: inputs.cloudWatchLogsGroupArn,
        CloudWatchLogsRoleArn: inputs.cloudWatchLogsRoleArn,
        TagsList: tagSet(inputs.tags),
      }),
    );
    const TrailARN = created.TrailARN!;
    if (inputs.advancedEventSelectors) {
      // As the provider puts them: only the operators set (trail-lab:dataEvents, data-event-canary.ts).
      const AdvancedEventSelectors = toApiSelectors(inputs.advancedEventSelectors);
      await cloudTrail.send(new PutEventSelectorsCommand({ TrailName: TrailARN, AdvancedEventSelectors }));
    } else if (!inputs.eventSelectors) {
      // A trail created without selectors: AWS then reports its default one (every management
      // event, Read and Write) and moto reports none (a moto limitation, test/moto/README.md), so
      // the deploy puts that default, as AWS would show it.
      const EventSelectors: EventSelector[] = [
        { ReadWriteType: "All", IncludeManagementEvents: true, DataResources: [], ExcludeManagementEventSources: [] },
      ];
      await cloudTrail.send(new PutEventSelectorsCommand({ TrailName: TrailARN, EventSelectors }));
    } else {
      const EventSelectors: EventSelector[] = (inputs.eventSelectors as any[]).map((s) => ({
        ReadWriteType: s.readWriteType,
        IncludeManagementEvents: s.includeManagementEvents,
        ...(s.dataResources ? { DataResources: s.dataResources.map((d: any) => ({ Type: d.type, Values: d.values })) } : {}),
        ...(s.excludeManagementEventSources ? { ExcludeManagementEventSources: s.excludeManagementEventSources } : {}),
      }));
      await cloudTrail.send(new PutEventSelectorsCommand({ TrailName: TrailARN, EventSelectors }));
    }
    if (inputs.enableLogging !== false) await cloudTrail.send(new StartLoggingCommand({ Name: TrailARN }));
    return TrailARN;
  },
};

/** Replaces the mocks' ARNs inside `inputs` with the ARNs moto gave the same resources. */
function withMotoArns(inputs: Record<string, any>, arns: Map<string, string>): Record<string, any> {
  let text = JSON.stringify(inputs);
  for (const [mock, real] of arns) text = text.split(mock).join(real);
  return JSON.parse(text) as Record<string, any>;
}

/**
 * Runs the program with Pulumi.dev.yaml's config and `overrides` (keys without namespace go to
 * `trail-lab:`), the probe instance off, and creates what it declares in moto at `endpoint`.
 */
export async function deployToMoto(endpoint: string, overrides: Record<string, string> = {}, stack = "moto"): Promise<MotoDeployedWorld> {
  const config: Record<string, string> = { ...templateConfig(), "trail-lab:probeInstance": "false", ...overrides };
  const run = await runProgram(config, stack);
  const region = run.outputs.region as string;
  const clients = motoClients(endpoint, region);
  const arns = new Map<string, string>();
  const done = new Set<string>();
  const notCreated: MotoDeployedWorld["notCreated"] = [];
  let trailArn: string | null = null;
  try {
    for (const resource of run.resources) {
      const missing = resource.dependsOn.filter((d) => !done.has(d));
      if (missing.length > 0)
        throw new Error(`moto-deploy: ${resource.name} was registered before ${missing.join(", ")}, which it depends on`);
      done.add(resource.name);
      if (!resource.type.startsWith("aws:")) continue;
      if (NOT_CREATED[resource.type]) {
        notCreated.push({ name: resource.name, type: resource.type, why: NOT_CREATED[resource.type] });
        continue;
      }
      const apply = APPLY[resource.type];
      if (!apply) throw new Error(`moto-deploy: no calls known for ${resource.type} (${resource.name}); add them to APPLY`);
      const arn = await apply(clients, withMotoArns(resource.inputs, arns), resource);
      if (arn && resource.state.arn) arns.set(resource.state.arn as string, arn);
      if (resource.type === "aws:cloudtrail/trail:Trail" && arn) trailArn = arn;
    }
  } finally {
    clients.destroy();
  }
  if (!trailArn) throw new Error("moto-deploy: the program declared no trail");
  const declaredKey = run.all("aws:kms/key:Key")[0];
  return {
    run,
    region,
    bucket: run.outputs.bucketName as string,
    accessLogBucket: (run.outputs.accessLogBucketName as string | null) ?? null,
    canaryBucket: (run.outputs.canaryBucketName as string | null) ?? null,
    trailName: run.outputs.trailName as string,
    trailArn,
    kmsKeyArn: declaredKey ? (arns.get(declaredKey.state.arn as string) ?? null) : null,
    notCreated,
  };
}
