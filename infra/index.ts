// The lab's Pulumi program: the audit bucket, the trail that delivers to it, and the probe
// instance whose launch the trail must record. `pulumi up` and the lab driver both run it.
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { loadConfig } from "./config";
import { labTags } from "./tags";
import { logRoot } from "./bucket-policy";
import { AuditBucket } from "./audit-bucket";
import { AuditTrail, trailArn as buildTrailArn } from "./audit-trail";
import { ProbeInstance } from "./probe-instance";

const config = loadConfig();
const tags = labTags(pulumi.getProject(), pulumi.getStack(), config.tags);

const partition = aws.getPartitionOutput().partition;
const region = aws.getRegionOutput().region;
const account = aws.getCallerIdentityOutput().accountId;
const knownTrailArn = pulumi
  .all([partition, region, account])
  .apply(([p, r, a]) => buildTrailArn(p, r, a, config.trailName));

const auditBucket = new AuditBucket("audit-logs", {
  bucketPrefix: config.bucketPrefix,
  partition,
  accountId: account,
  logPrefix: config.logPrefix,
  trailArn: knownTrailArn,
  retentionDays: config.retentionDays,
  tags,
});

const auditTrail = new AuditTrail("audit", {
  trailName: config.trailName,
  bucketName: auditBucket.bucketName,
  logPrefix: config.logPrefix,
  multiRegion: config.multiRegion,
  tags,
  bucketPolicy: auditBucket.policy,
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

export const bucketName = auditBucket.bucketName;
export const trailName = auditTrail.trailName;
export const trailArn = auditTrail.trailArn;
export const instanceId: pulumi.Output<string | null> = probe ? probe.instanceId : pulumi.output(null);
export { region };
export const accountId = account;
export const logPrefix = account.apply((a) => `${logRoot(a, config.logPrefix)}CloudTrail/`);
