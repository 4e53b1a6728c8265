// The lab's Pulumi program: the audit bucket, the trail that delivers to it, and the probe
// instance whose launch the trail must record; opt-in extras beside them (a KMS key, CloudWatch
// Logs, Athena, detections). `pulumi up` and the lab driver both run it.
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { loadConfig } from "./config";
import { labTags } from "./tags";
import { logRoot } from "./bucket-policy";
import { AuditBucket } from "./audit-bucket";
import { AuditTrail, trailArn as buildTrailArn } from "./audit-trail";
import { ProbeInstance } from "./probe-instance";
import { TrailKey } from "./trail-key";
import { TrailLogGroup } from "./trail-log-group";
import { AthenaSearch } from "./athena-search";
import { DataEventCanary } from "./data-event-canary";
import { Detections } from "./detections";

const config = loadConfig();
const tags = labTags(pulumi.getProject(), pulumi.getStack(), config.tags);

const partition = aws.getPartitionOutput().partition;
const region = aws.getRegionOutput().region;
const account = aws.getCallerIdentityOutput().accountId;
const knownTrailArn = pulumi.all([partition, region, account]).apply(([p, r, a]) => buildTrailArn(p, r, a, config.trailName));

const trailKey = config.kmsEncryption
  ? new TrailKey("trail-key", { partition, accountId: account, trailArn: knownTrailArn, tags })
  : undefined;

const logGroup = config.cloudWatchLogs
  ? new TrailLogGroup("trail-events", {
      trailName: config.trailName,
      accountId: account,
      retentionDays: config.retentionDays,
      tags,
    })
  : undefined;

const auditBucket = new AuditBucket("audit-logs", {
  bucketPrefix: config.bucketPrefix,
  partition,
  accountId: account,
  logPrefix: config.logPrefix,
  trailArn: knownTrailArn,
  retentionDays: config.retentionDays,
  accessLogging: config.accessLogging,
  tags,
});

const canary = config.dataEvents ? new DataEventCanary("data-canary", { partition, retentionDays: config.retentionDays, tags }) : undefined;

const auditTrail = new AuditTrail("audit", {
  trailName: config.trailName,
  bucketName: auditBucket.bucketName,
  logPrefix: config.logPrefix,
  multiRegion: config.multiRegion,
  tags,
  bucketPolicy: auditBucket.policy,
  kmsKeyArn: trailKey?.keyArn,
  cloudWatchLogs: logGroup && { groupArn: logGroup.groupArnForTrail, roleArn: logGroup.roleArn, ready: logGroup.ready },
  advancedEventSelectors: canary?.trailSelectors,
});

const probe = config.probeInstance
  ? new ProbeInstance("probe", {
      instanceType: config.instanceType,
      instanceName: config.instanceName,
      subnetId: config.subnetId,
      tags,
      trail: auditTrail.trail,
    })
  : undefined;

const athena = config.athena
  ? new AthenaSearch("athena", {
      bucketName: auditBucket.bucketName,
      partition,
      accountId: account,
      logPrefix: config.logPrefix,
      orgId: config.athenaOrgId,
      regions: config.athenaRegions ?? (config.multiRegion ? aws.getRegionsOutput().names : region.apply((r) => [r])),
      startDate: config.athenaStartDate,
      bytesScannedCutoffPerQuery: config.athenaScanCutoffBytes,
      resultRetentionDays: 7,
      tags,
    })
  : undefined;

const detections = config.detections
  ? new Detections("detections", {
      trailName: config.trailName,
      bucketName: auditBucket.bucketName,
      partition,
      region,
      accountId: account,
      logGroupName: logGroup?.logGroup.name,
      tags,
    })
  : undefined;

export const bucketName = auditBucket.bucketName;
export const trailName = auditTrail.trailName;
export const trailArn = auditTrail.trailArn;
export const instanceId: pulumi.Output<string | null> = probe ? probe.instanceId : pulumi.output(null);
export { region };
export const accountId = account;
export const logPrefix = account.apply((a) => `${logRoot(a, config.logPrefix)}CloudTrail/`);
export const accessLogBucketName: pulumi.Output<string | null> = auditBucket.accessLogBucket?.bucketName ?? pulumi.output(null);
export const kmsKeyArn: pulumi.Output<string | null> = trailKey?.keyArn ?? pulumi.output(null);
export const logGroupName: pulumi.Output<string | null> = logGroup?.logGroup.name ?? pulumi.output(null);
export const athenaDatabase: pulumi.Output<string | null> = athena?.database.name ?? pulumi.output(null);
export const athenaTable: pulumi.Output<string | null> = athena?.table.name ?? pulumi.output(null);
export const athenaWorkgroup: pulumi.Output<string | null> = athena?.workgroup.name ?? pulumi.output(null);
export const canaryBucketName: pulumi.Output<string | null> = canary?.bucketName ?? pulumi.output(null);
export const alertTopicArn: pulumi.Output<string | null> = detections?.topic.arn ?? pulumi.output(null);
export const alertQueueUrl: pulumi.Output<string | null> = detections?.queue.url ?? pulumi.output(null);
