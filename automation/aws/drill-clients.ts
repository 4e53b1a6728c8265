// The drill's own clients: the lab's settings (region, retries, timeouts, credentials, endpoints)
// plus a user agent suffix that names the run, so that every record of a call the drill makes
// (CloudTrail's `userAgent` field) is found without doubt among everything else in the account.
import { CloudTrailClient } from "@aws-sdk/client-cloudtrail";
import { S3Client } from "@aws-sdk/client-s3";
import { SQSClient } from "@aws-sdk/client-sqs";
import { commonConfig, pathStyle, type LabClientOptions } from "./aws-clients";

export interface DrillClients {
  cloudtrail: CloudTrailClient;
  s3: S3Client;
  /** Reads the detections' alert queue. */
  sqs: SQSClient;
}

export interface DrillClientOptions extends LabClientOptions {
  /** Appended to every request's User-Agent, e.g. "trail-lab-drill/<stack>". */
  userAgent: string;
}

export function createDrillClients(options: DrillClientOptions): DrillClients {
  const common = { ...commonConfig(options), customUserAgent: options.userAgent };
  return {
    cloudtrail: new CloudTrailClient(common),
    s3: new S3Client({ ...common, forcePathStyle: pathStyle(options.endpoint, options.env ?? process.env), followRegionRedirects: true }),
    // Always the client's own endpoint (the region's, or AWS_ENDPOINT_URL's): never a host read from the queue's URL.
    sqs: new SQSClient({ ...common, useQueueUrlAsEndpoint: false }),
  };
}

export function destroyDrillClients(clients: DrillClients): void {
  clients.cloudtrail.destroy();
  clients.s3.destroy();
  clients.sqs.destroy();
}
