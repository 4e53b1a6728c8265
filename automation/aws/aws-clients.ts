// One AWS SDK client per service the lab itself calls (preflight, trail status, sweep), created
// once with the region, retries and request timeouts (common/aws-http.ts: a silent endpoint must
// not hold up the cleanup); the default credential chain, with the lab's --profile when given,
// and AWS_ENDPOINT_URL* apply.
import { CloudTrailClient } from "@aws-sdk/client-cloudtrail";
import { CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";
import { EC2Client } from "@aws-sdk/client-ec2";
import { KMSClient } from "@aws-sdk/client-kms";
import { ResourceGroupsTaggingAPIClient } from "@aws-sdk/client-resource-groups-tagging-api";
import { S3Client } from "@aws-sdk/client-s3";
import { STSClient, type STSClientConfig } from "@aws-sdk/client-sts";
import { credentialsFor } from "../../common/aws-config";
import { requestHandlerOptions, type HttpTimeouts } from "../../common/aws-http";

export interface LabClients {
  sts: STSClient;
  ec2: EC2Client;
  cloudtrail: CloudTrailClient;
  s3: S3Client;
  /** The sweep finds the opt-in resources (KMS key, log group) by tag through these. */
  tagging: ResourceGroupsTaggingAPIClient;
  kms: KMSClient;
  logs: CloudWatchLogsClient;
}

/** Every call of the lab's own clients, first try and retries together (the SDK's standard retry mode). */
export const DEFAULT_MAX_ATTEMPTS = 5;

export interface LabClientOptions {
  region: string;
  /**
   * One endpoint for every service (tests).
   * @default the SDK's: AWS_ENDPOINT_URL* when set, else the service's own
   */
  endpoint?: string;
  /** @default the credentials of `profile`, else the default credential chain (credentialsFor) */
  credentials?: STSClientConfig["credentials"];
  /**
   * The AWS CLI profile whose credentials every client uses (when `credentials` is not given).
   * @default none: AWS_PROFILE applies, as the SDK reads it
   */
  profile?: string;
  /** @default DEFAULT_MAX_ATTEMPTS */
  maxAttempts?: number;
  /**
   * Connection and socket-idle timeouts of every request.
   * @default DEFAULT_CONNECT_TIMEOUT_MS and DEFAULT_IDLE_TIMEOUT_MS (common/aws-http.ts)
   */
  timeouts?: HttpTimeouts;
  /**
   * Where AWS_ENDPOINT_URL* are read, to send S3 requests path style when one is set.
   * @default process.env
   */
  env?: NodeJS.ProcessEnv;
}

/** What every client of the lab's shares: region, retries, timeouts, the endpoint and the credentials. */
export function commonConfig(options: LabClientOptions) {
  // One provider for all the clients: a profile's SSO or assume-role exchange happens once.
  const credentials = options.credentials ?? credentialsFor(options.profile);
  return {
    region: options.region,
    maxAttempts: options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
    requestHandler: requestHandlerOptions(options.timeouts),
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(credentials ? { credentials } : {}),
  };
}

/** A CloudTrail client like the lab's own, in another region: some calls answer only in a trail's home region. */
export function createCloudTrailClientIn(region: string, options: Omit<LabClientOptions, "region">): CloudTrailClient {
  return new CloudTrailClient(commonConfig({ ...options, region }));
}

/** S3 requests go path style when an endpoint is overridden (a local or emulated S3 serves no bucket subdomains). */
export function pathStyle(endpoint: string | undefined, env: NodeJS.ProcessEnv): boolean {
  return Boolean(endpoint || env.AWS_ENDPOINT_URL || env.AWS_ENDPOINT_URL_S3);
}

export function createLabClients(options: LabClientOptions): LabClients {
  const env = options.env ?? process.env;
  const common = commonConfig(options);
  const s3PathStyle = pathStyle(options.endpoint, env);
  return {
    sts: new STSClient(common),
    ec2: new EC2Client(common),
    cloudtrail: new CloudTrailClient(common),
    s3: new S3Client({ ...common, forcePathStyle: s3PathStyle, followRegionRedirects: true }),
    tagging: new ResourceGroupsTaggingAPIClient(common),
    kms: new KMSClient(common),
    logs: new CloudWatchLogsClient(common),
  };
}

export function destroyLabClients(clients: LabClients): void {
  clients.sts.destroy();
  clients.ec2.destroy();
  clients.cloudtrail.destroy();
  clients.s3.destroy();
  clients.tagging.destroy();
  clients.kms.destroy();
  clients.logs.destroy();
}
