// What an interrupted `npm run lab` leaves in moto, for the sweep to find: the stack's buckets,
// trail, KMS key and log group as infra/ declares them (moto-deploy.ts, with both paid switches
// on), the trail still logging, both buckets versioned and holding object versions and delete
// markers; the probe running in its security group, a second instance stopped and a third just
// launched, all tagged as infra/tags.ts tags them. Beside them what must survive: the same kinds
// of another lab stack, and untagged ones under the same name prefixes. And a census of all that
// moto holds, to compare before and after a sweep.
import {
  DescribeTrailsCommand,
  GetTrailStatusCommand,
  CreateTrailCommand,
  StartLoggingCommand,
  type CloudTrailClient,
} from "@aws-sdk/client-cloudtrail";
import { CreateLogGroupCommand, DescribeLogGroupsCommand } from "@aws-sdk/client-cloudwatch-logs";
import {
  CreateSecurityGroupCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
  RunInstancesCommand,
  StopInstancesCommand,
  type EC2Client,
  type Tag,
} from "@aws-sdk/client-ec2";
import { CreateKeyCommand, DescribeKeyCommand, ListKeysCommand } from "@aws-sdk/client-kms";
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  ListBucketsCommand,
  ListObjectVersionsCommand,
  PutBucketPolicyCommand,
  PutBucketTaggingCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { labTags } from "../../../infra/tags";
import { PROJECT } from "../../../automation/engine/stack-config";
import { FixtureFactory, logFile } from "../../support/fixtures/cloudtrail-fixtures";
import { deployToMoto } from "./moto-deploy";
import { motoClients, type MotoClients } from "./moto-world";
import { ACCOUNT } from "../../support/pulumi-program";

/** Another lab stack's resources share the lab's names and prefixes, but not its stack tag. */
export const OTHER_STACK = "lab-20261124-101500-0a1b";

export interface Leftovers {
  instances: string[];
  securityGroups: string[];
  /** ARNs. */
  trails: string[];
  buckets: string[];
  /** Key ids. */
  keys: string[];
  logGroups: string[];
}

export interface HalfFinishedLab {
  region: string;
  /** The buckets' policies as infra/ declares them, bucket to policy JSON; moto holds them without DenyInsecureTransport. */
  policies: Record<string, string>;
  /** Everything that carries the stack's tag. */
  stack: Leftovers;
  /** The probe, as the lab's evidence reads it. */
  probe: string;
}

/** What moto holds, kind by kind, in a form two censuses compare in. */
export interface Census {
  /** Instance id to state. */
  instances: Record<string, string>;
  /** Ids, the VPCs' default groups left out. */
  securityGroups: string[];
  /** Trail ARN to IsLogging. */
  trails: Record<string, boolean>;
  /** Bucket to how many object versions and delete markers it holds. */
  buckets: Record<string, number>;
  /** Key id to KeyState. */
  keys: Record<string, string>;
  logGroups: string[];
}

const BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy";

/**
 * The policy without its DenyInsecureTransport statement. moto treats every policy Condition as
 * met (test/moto/README.md), so that statement denies every object request there, the sweep's
 * DeleteObjects too, where AWS denies plain HTTP only and the product always speaks HTTPS to AWS.
 */
function withoutTransportDeny(policy: string): string {
  const document = JSON.parse(policy) as { Statement: { Sid?: string }[] };
  const kept = document.Statement.filter((s) => s.Sid !== "DenyInsecureTransport");
  if (kept.length === document.Statement.length)
    throw new Error("moto-leftovers: the lab's bucket policy has no DenyInsecureTransport statement any more; update withoutTransportDeny");
  return JSON.stringify({ ...document, Statement: kept });
}

const HOUR = 3_600_000;
const DELIVERED = new Date("2026-11-25T22:15:07Z");

const tagList = (tags: Record<string, string>): { Key: string; Value: string }[] =>
  Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
const ec2Tags = (tags: Record<string, string>): Tag[] => tagList(tags);

/** The probe's security group and instances, in the default VPC's first default subnet, as probe-instance.ts declares them. */
export async function launchProbe(
  ec2: EC2Client,
  tags: Record<string, string> | null,
  instanceName: string,
  count: number,
): Promise<{ group: string; instances: string[]; launchedAs: string[] }> {
  const vpc = (await ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: "isDefault", Values: ["true"] }] }))).Vpcs![0].VpcId!;
  const subnets = (
    await ec2.send(
      new DescribeSubnetsCommand({
        Filters: [
          { Name: "vpc-id", Values: [vpc] },
          { Name: "default-for-az", Values: ["true"] },
        ],
      }),
    )
  ).Subnets!;
  const subnet = subnets.map((s) => s.SubnetId!).sort()[0];
  const image = (await ec2.send(new DescribeImagesCommand({ Owners: ["amazon"] }))).Images!.map((i) => i.ImageId!).sort()[0];
  const groupTags = tags
    ? [{ ResourceType: "security-group" as const, Tags: ec2Tags({ ...tags, Name: `${instanceName}-sg` }) }]
    : undefined;
  const { GroupId } = await ec2.send(
    new CreateSecurityGroupCommand({
      GroupName: `probe-sg-${instanceName}-${Math.random().toString(16).slice(2, 9)}`,
      Description: "trail-lab probe instance: no inbound or outbound rules",
      VpcId: vpc,
      TagSpecifications: groupTags,
    }),
  );
  const instances: string[] = [];
  const launchedAs: string[] = [];
  for (let i = 0; i < count; i++) {
    const run = await ec2.send(
      new RunInstancesCommand({
        ImageId: image,
        InstanceType: "t3.micro",
        MinCount: 1,
        MaxCount: 1,
        SubnetId: subnet,
        SecurityGroupIds: [GroupId!],
        MetadataOptions: { HttpEndpoint: "enabled", HttpTokens: "required", HttpPutResponseHopLimit: 1 },
        TagSpecifications: tags
          ? [
              { ResourceType: "instance", Tags: ec2Tags({ ...tags, Name: instanceName }) },
              { ResourceType: "volume", Tags: ec2Tags(tags) },
            ]
          : undefined,
      }),
    );
    instances.push(run.Instances![0].InstanceId!);
    launchedAs.push(run.Instances![0].State!.Name!);
  }
  return { group: GroupId!, instances, launchedAs };
}

/** A bucket's logs as CloudTrail delivers them, one delivered twice (two versions), one deleted (a delete marker), a digest beside them. */
async function fillLogBucket(s3: S3Client, f: FixtureFactory, bucket: string, trailName: string): Promise<void> {
  const keys = [0, 1, 2].map((i) => f.logKey("us-east-1", new Date(DELIVERED.getTime() - i * 300_000)));
  for (const key of keys)
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: logFile(f.noiseRecords("us-east-1", DELIVERED, 5)) }));
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: keys[0], Body: logFile(f.noiseRecords("us-east-1", DELIVERED, 5)) }));
  await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: keys[2] }));
  const digestKey = f.digestKey("us-east-1", DELIVERED, trailName);
  await s3.send(
    new PutObjectCommand({ Bucket: bucket, Key: digestKey, Body: f.digest(new Date(DELIVERED.getTime() - HOUR), DELIVERED, bucket, keys) }),
  );
}

async function versionedBucket(s3: S3Client, bucket: string, tags: Record<string, string> | null): Promise<void> {
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  await s3.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: "Enabled" } }));
  if (tags) await s3.send(new PutBucketTaggingCommand({ Bucket: bucket, Tagging: { TagSet: tagList(tags) } }));
}

async function loggingTrail(
  cloudTrail: CloudTrailClient,
  name: string,
  bucket: string,
  tags: Record<string, string> | null,
): Promise<void> {
  const { TrailARN } = await cloudTrail.send(
    new CreateTrailCommand({
      Name: name,
      S3BucketName: bucket,
      IsMultiRegionTrail: true,
      EnableLogFileValidation: true,
      TagsList: tags ? tagList(tags) : undefined,
    }),
  );
  await cloudTrail.send(new StartLoggingCommand({ Name: TrailARN }));
}

async function keyAndLogGroup(c: MotoClients, logGroupName: string, tags: Record<string, string> | null): Promise<void> {
  await c.kms.send(
    new CreateKeyCommand({
      Description: "trail-lab: encrypts the audit trail's log files",
      Tags: tags ? Object.entries(tags).map(([TagKey, TagValue]) => ({ TagKey, TagValue })) : undefined,
    }),
  );
  await c.logs.send(new CreateLogGroupCommand({ logGroupName, tags: tags ?? undefined }));
}

/** Another stack's lab, whole, under the lab's prefixes: nothing of it carries `stack`'s tag. */
async function anotherStacksLab(c: MotoClients, f: FixtureFactory): Promise<void> {
  const tags = labTags(PROJECT, OTHER_STACK, {});
  const bucket = "audit-logs-bucket-20261124101500000000000007";
  await versionedBucket(c.s3, bucket, tags);
  await loggingTrail(c.cloudTrail, "other-lab-trail", bucket, tags);
  await fillLogBucket(c.s3, f, bucket, "other-lab-trail");
  await keyAndLogGroup(c, "/aws/cloudtrail/other-lab-trail", tags);
  await launchProbe(c.ec2, tags, "test", 1);
}

/** Someone's resources without the stack tag, under the same prefixes: no tags at all, or only their own. */
async function untaggedLookAlikes(c: MotoClients, f: FixtureFactory): Promise<void> {
  await versionedBucket(c.s3, "audit-logs-bucket-20261123090000000000000003", null);
  await fillLogBucket(c.s3, f, "audit-logs-bucket-20261123090000000000000003", "org-audit-trail");
  await versionedBucket(c.s3, "audit-logs-team-archive", { owner: "security-team" });
  await c.s3.send(new CreateBucketCommand({ Bucket: "athena-results-shared" }));
  await loggingTrail(c.cloudTrail, "org-audit-trail", "audit-logs-bucket-20261123090000000000000003", null);
  await keyAndLogGroup(c, "/aws/cloudtrail/org-audit-trail", null);
  await launchProbe(c.ec2, null, "test", 1);
}

/**
 * Stands up the half-finished lab of `stack` in moto, with another stack's and untagged look-alikes
 * beside it. The probe runs; a second instance in its group is stopped; a third, in a group of its
 * own as a retried up would make, is launched last (AWS would still report it pending).
 */
export async function buildHalfFinishedLab(endpoint: string, stack: string): Promise<HalfFinishedLab> {
  const deployed = await deployToMoto(endpoint, { kmsEncryption: "true", cloudWatchLogs: "true" }, stack);
  const c = motoClients(endpoint, deployed.region);
  const f = new FixtureFactory(ACCOUNT, 15);
  try {
    const policies = Object.fromEntries(deployed.run.all(BUCKET_POLICY).map((r) => [r.inputs.bucket as string, r.inputs.policy as string]));
    for (const [Bucket, policy] of Object.entries(policies))
      await c.s3.send(new PutBucketPolicyCommand({ Bucket, Policy: withoutTransportDeny(policy) }));
    const logging = deployed.run.all("aws:s3/bucketLogging:BucketLogging")[0];
    // Pulumi.dev.yaml sets no trail-lab:logPrefix: the logs sit under AWSLogs/ at the top.
    await fillLogBucket(c.s3, f, deployed.bucket, deployed.trailName);
    if (deployed.accessLogBucket) {
      // S3 names access logs <TargetPrefix>YYYY-mm-DD-HH-MM-SS-<16 hex>; expired ones leave delete markers.
      const prefix = (logging?.inputs.targetPrefix as string | undefined) ?? "";
      for (const [i, at] of [DELIVERED, new Date(DELIVERED.getTime() + 60_000)].entries()) {
        const key = `${prefix}${at.toISOString().slice(0, 19).replace(/[T:]/g, "-")}-7F3A9C1D2E4B5A6${i}`;
        await c.s3.send(
          new PutObjectCommand({
            Bucket: deployed.accessLogBucket,
            Key: key,
            Body: `${ACCOUNT} ${deployed.bucket} [${at.toUTCString()}] REST.GET.OBJECT\n`,
          }),
        );
        await c.s3.send(new DeleteObjectCommand({ Bucket: deployed.accessLogBucket, Key: key }));
      }
    }
    await anotherStacksLab(c, f);
    await untaggedLookAlikes(c, f);
    const tags = labTags(PROJECT, stack, {});
    const probe = await launchProbe(c.ec2, tags, "test", 2);
    await c.ec2.send(new StopInstancesCommand({ InstanceIds: [probe.instances[1]] }));
    const late = await launchProbe(c.ec2, tags, "test", 1);
    const { KeyMetadata } = await c.kms.send(new DescribeKeyCommand({ KeyId: deployed.kmsKeyArn! }));
    return {
      region: deployed.region,
      policies,
      probe: probe.instances[0],
      stack: {
        instances: [...probe.instances, ...late.instances],
        securityGroups: [probe.group, late.group],
        trails: [deployed.trailArn],
        buckets: [deployed.bucket, deployed.accessLogBucket].filter((b): b is string => Boolean(b)),
        keys: [KeyMetadata!.KeyId!],
        logGroups: [deployed.run.outputs.logGroupName as string],
      },
    };
  } finally {
    c.destroy();
  }
}

/** Everything moto holds in `region`, of the kinds the sweep removes. */
export async function takeCensus(endpoint: string, region: string): Promise<Census> {
  const c = motoClients(endpoint, region);
  try {
    const census: Census = { instances: {}, securityGroups: [], trails: {}, buckets: {}, keys: {}, logGroups: [] };
    for (const r of (await c.ec2.send(new DescribeInstancesCommand({}))).Reservations ?? []) {
      for (const i of r.Instances ?? []) census.instances[i.InstanceId!] = i.State!.Name!;
    }
    census.securityGroups = ((await c.ec2.send(new DescribeSecurityGroupsCommand({}))).SecurityGroups ?? [])
      .filter((g) => g.GroupName !== "default")
      .map((g) => g.GroupId!)
      .sort();
    for (const t of (await c.cloudTrail.send(new DescribeTrailsCommand({ includeShadowTrails: false }))).trailList ?? []) {
      census.trails[t.TrailARN!] = (await c.cloudTrail.send(new GetTrailStatusCommand({ Name: t.TrailARN }))).IsLogging ?? false;
    }
    for (const b of (await c.s3.send(new ListBucketsCommand({}))).Buckets ?? []) {
      const page = await c.s3.send(new ListObjectVersionsCommand({ Bucket: b.Name }));
      if (page.IsTruncated) throw new Error(`census: bucket ${b.Name} holds more than one page of versions`);
      census.buckets[b.Name!] = (page.Versions?.length ?? 0) + (page.DeleteMarkers?.length ?? 0);
    }
    for (const k of (await c.kms.send(new ListKeysCommand({}))).Keys ?? []) {
      census.keys[k.KeyId!] = (await c.kms.send(new DescribeKeyCommand({ KeyId: k.KeyId }))).KeyMetadata!.KeyState!;
    }
    census.logGroups = ((await c.logs.send(new DescribeLogGroupsCommand({}))).logGroups ?? []).map((g) => g.logGroupName!).sort();
    return census;
  } finally {
    c.destroy();
  }
}

/** The census `before` would become if exactly `gone` were removed as the sweep removes it. */
export function withoutLeftovers(before: Census, gone: Leftovers): Census {
  const drop = <T>(record: Record<string, T>, ids: string[]) =>
    Object.fromEntries(Object.entries(record).filter(([id]) => !ids.includes(id)));
  const set = (record: Record<string, string>, ids: string[], value: string) =>
    Object.fromEntries(Object.entries(record).map(([id, v]) => [id, ids.includes(id) ? value : v]));
  return {
    // A terminated instance stays listed for a while; a key waits out its pending window.
    instances: set(before.instances, gone.instances, "terminated"),
    securityGroups: before.securityGroups.filter((g) => !gone.securityGroups.includes(g)),
    trails: drop(before.trails, gone.trails),
    buckets: drop(before.buckets, gone.buckets),
    keys: set(before.keys, gone.keys, "PendingDeletion"),
    logGroups: before.logGroups.filter((g) => !gone.logGroups.includes(g)),
  };
}
