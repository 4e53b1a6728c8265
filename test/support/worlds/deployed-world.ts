// What the lab's Pulumi program deploys, stood up on the local servers: the program runs under
// mocks (pulumi-program.ts) and its recorded resources become each bucket's configuration in the
// local S3 (the audit bucket, its access-log bucket, the Athena results bucket and the data events' canary when on) and the
// trail in the local CloudTrail. The account's own Block Public Access is not the stack's: it is
// left unset, as in a new account. A change to infra/ changes this world too.
import type { FixtureTrail, LocalCloudTrail } from "../servers/cloudtrail-server";
import { ACCOUNT, runProgram, type ProgramRun, type RecordedResource } from "../pulumi-program";
import type { LocalS3 } from "../servers/s3-server";
import { toApiSelectors } from "../fixtures/advanced-selectors";

export interface DeployedWorld {
  run: ProgramRun;
  trail: FixtureTrail;
  bucket: string;
  accessLogBucket: string | null;
  /** The data events' canary bucket, with trail-lab:dataEvents on. */
  canaryBucket: string | null;
}

function onBucket(run: ProgramRun, type: string, bucket: string): RecordedResource | undefined {
  return run.all(type).find((r) => r.inputs.bucket === bucket);
}

/** The bucket's configuration as the program declares it, set on the local S3. */
function configureBucket(s3: LocalS3, run: ProgramRun, bucket: string, region: string): void {
  const ownership = onBucket(run, "aws:s3/bucketOwnershipControls:BucketOwnershipControls", bucket);
  const pab = onBucket(run, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", bucket);
  const encryption = onBucket(run, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", bucket)?.inputs
    .rules?.[0];
  const versioning = onBucket(run, "aws:s3/bucketVersioning:BucketVersioning", bucket);
  const logging = onBucket(run, "aws:s3/bucketLogging:BucketLogging", bucket);
  const policy = onBucket(run, "aws:s3/bucketPolicy:BucketPolicy", bucket);
  const lifecycle = onBucket(run, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", bucket);
  Object.assign(s3.bucketConfig(bucket), {
    ownership: ownership?.inputs.rule.objectOwnership,
    publicAccessBlock: pab && {
      blockPublicAcls: pab.inputs.blockPublicAcls,
      ignorePublicAcls: pab.inputs.ignorePublicAcls,
      blockPublicPolicy: pab.inputs.blockPublicPolicy,
      restrictPublicBuckets: pab.inputs.restrictPublicBuckets,
    },
    encryption: encryption && {
      algorithm: encryption.applyServerSideEncryptionByDefault.sseAlgorithm,
      kmsKeyId: encryption.applyServerSideEncryptionByDefault.kmsMasterKeyId,
      bucketKeyEnabled: encryption.bucketKeyEnabled,
    },
    versioning: versioning?.inputs.versioningConfiguration.status,
    logging: logging && { targetBucket: logging.inputs.targetBucket, targetPrefix: logging.inputs.targetPrefix },
    policy: policy?.inputs.policy,
    lifecycle: lifecycle?.inputs.rules.map(
      (r: {
        id: string;
        status: "Enabled";
        filter?: { prefix?: string };
        expiration?: { days: number };
        noncurrentVersionExpiration?: { noncurrentDays: number };
      }) => ({
        id: r.id,
        status: r.status,
        prefix: r.filter?.prefix,
        expirationDays: r.expiration?.days,
        noncurrentDays: r.noncurrentVersionExpiration?.noncurrentDays,
      }),
    ),
    region,
    // S3 would judge the lab's policies not public: they grant only to AWS services, and deny.
    policyIsPublic: false,
  });
}

/** Runs the program with `config` (keys as in Pulumi.<stack>.yaml, without namespace) and stands up what it declares. */
export async function deployWorld(
  s3: LocalS3,
  cloudTrail: LocalCloudTrail,
  config: Record<string, string> = {},
  stack = "posture",
): Promise<DeployedWorld> {
  const region = cloudTrail.state.region;
  const run = await runProgram({ "aws:region": region, probeInstance: "false", ...config }, stack);
  const bucket = run.outputs.bucketName as string;
  const accessLogBucket = (run.outputs.accessLogBucketName as string | null) ?? null;
  const canaryBucket = (run.outputs.canaryBucketName as string | null) ?? null;
  const buckets = run.all("aws:s3/bucket:Bucket").map((r) => r.state.bucket as string);
  for (const name of buckets) {
    await s3.createBucket(name);
    configureBucket(s3, run, name, region);
  }

  const declared = run.one("aws:cloudtrail/trail:Trail").inputs;
  const trail: FixtureTrail = {
    name: declared.name,
    account: ACCOUNT,
    homeRegion: region,
    bucket: declared.s3BucketName,
    prefix: declared.s3KeyPrefix,
    isMultiRegion: declared.isMultiRegionTrail,
    isLogging: declared.enableLogging,
    logFileValidation: declared.enableLogFileValidation,
    // Declared without selectors, CloudTrail reports its default one (the local server does too).
    eventSelectors: declared.eventSelectors?.map((s: { readWriteType: string; includeManagementEvents: boolean }) => ({
      ReadWriteType: s.readWriteType,
      IncludeManagementEvents: s.includeManagementEvents,
      DataResources: [],
      ExcludeManagementEventSources: [],
    })),
    // As the provider puts them (only the operators set), and GetEventSelectors returns them.
    advancedEventSelectors: declared.advancedEventSelectors && toApiSelectors(declared.advancedEventSelectors),
    kmsKeyId: declared.kmsKeyId,
    cloudWatchLogs: declared.cloudWatchLogsGroupArn
      ? { groupArn: declared.cloudWatchLogsGroupArn, roleArn: declared.cloudWatchLogsRoleArn }
      : undefined,
  };
  cloudTrail.state.trails.push(trail);
  return { run, trail, bucket, accessLogBucket, canaryBucket };
}
