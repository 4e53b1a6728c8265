// Putting the project's fixture worlds (trail-world.ts and friends) into moto: an object store
// on moto's S3, a store that writes to two servers at once so that both oracles hold the very
// same objects, and a fixture trail created in moto's CloudTrail with the SDK.
import {
  CloudTrailClient,
  CreateTrailCommand,
  PutEventSelectorsCommand,
  StartLoggingCommand,
  type EventSelector,
} from "@aws-sdk/client-cloudtrail";
import { CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";
import { EC2Client } from "@aws-sdk/client-ec2";
import { KMSClient } from "@aws-sdk/client-kms";
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import type { FixtureTrail } from "../../support/servers/cloudtrail-server";
import { MOTO_CREDENTIALS } from "./moto-suite";
import { putObjects } from "../../support/servers/s3-server";
import type { ObjectStore } from "../../support/worlds/trail-world";

export interface MotoClients {
  s3: S3Client;
  cloudTrail: CloudTrailClient;
  kms: KMSClient;
  logs: CloudWatchLogsClient;
  ec2: EC2Client;
  destroy(): void;
}

/** The test's own clients for moto, to build worlds with; the product's come from the environment. */
export function motoClients(endpoint: string, region = "us-east-1"): MotoClients {
  const common = { region, endpoint, credentials: MOTO_CREDENTIALS, maxAttempts: 1 };
  const clients = {
    s3: new S3Client({ ...common, forcePathStyle: true }),
    cloudTrail: new CloudTrailClient(common),
    kms: new KMSClient(common),
    logs: new CloudWatchLogsClient(common),
    ec2: new EC2Client(common),
  };
  return {
    ...clients,
    destroy() {
      for (const client of Object.values(clients)) client.destroy();
    },
  };
}

export function motoStore(s3: S3Client): ObjectStore {
  return {
    async createBucket(bucket) {
      await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    },
    put: (bucket, objects) => putObjects(s3, bucket, objects),
  };
}

/** Every bucket and object goes to both stores. */
export function bothStores(a: ObjectStore, b: ObjectStore): ObjectStore {
  return {
    async createBucket(bucket) {
      await Promise.all([a.createBucket(bucket), b.createBucket(bucket)]);
    },
    async put(bucket, objects) {
      const list = [...objects];
      await Promise.all([a.put(bucket, list), b.put(bucket, list)]);
    },
  };
}

/** The fixture trail in moto, in the client's region: created, its selectors put, and logging unless it says not. Returns its ARN. */
export async function createMotoTrail(cloudTrail: CloudTrailClient, trail: FixtureTrail): Promise<string> {
  const { TrailARN } = await cloudTrail.send(
    new CreateTrailCommand({
      Name: trail.name,
      S3BucketName: trail.bucket,
      S3KeyPrefix: trail.prefix,
      IsMultiRegionTrail: trail.isMultiRegion ?? true,
      IsOrganizationTrail: trail.isOrganization,
      EnableLogFileValidation: trail.logFileValidation ?? true,
      KmsKeyId: trail.kmsKeyId,
    }),
  );
  if (trail.eventSelectors)
    await cloudTrail.send(new PutEventSelectorsCommand({ TrailName: TrailARN, EventSelectors: trail.eventSelectors as EventSelector[] }));
  if (trail.isLogging !== false) await cloudTrail.send(new StartLoggingCommand({ Name: TrailARN }));
  return TrailARN!;
}
