// One client per service and region, configured once from the standard AWS environment
// (credential chain, the region as the AWS CLI picks it, AWS_ENDPOINT_URL[_S3|_CLOUDTRAIL|_ATHENA]),
// with the --profile a command was given, each request bounded by a connection and a socket-idle
// timeout (common/aws-http.ts).
import { AthenaClient } from "@aws-sdk/client-athena";
import { CloudTrailClient } from "@aws-sdk/client-cloudtrail";
import { S3Client } from "@aws-sdk/client-s3";
import { S3ControlClient } from "@aws-sdk/client-s3-control";
import { REGION_HINT, chooseProfile, chooseRegion, credentialsFor } from "../common/aws-config";
import { requestHandlerOptions, type HttpTimeouts } from "../common/aws-http";
import { UsageError } from "../common/errors";
import type { CheckTarget } from "./target";

export interface AwsClients {
  s3: S3Client;
  cloudTrail: CloudTrailClient;
}

export interface ClientSettings {
  /** Resolved already (resolveRegion): a client is made synchronously. */
  region: string;
  /**
   * The AWS CLI profile whose credentials to use.
   * @default none: the SDK's default chain, AWS_PROFILE included
   */
  profile?: string;
  /**
   * Attempts per call, SDK backoff included; throttled LookupEvents retry again above this.
   * @default DEFAULT_MAX_ATTEMPTS
   */
  maxAttempts?: number;
  /**
   * Connection and socket-idle timeouts of every request.
   * @default DEFAULT_CONNECT_TIMEOUT_MS and DEFAULT_IDLE_TIMEOUT_MS (common/aws-http.ts)
   */
  timeouts?: HttpTimeouts;
  /**
   * Connections per host at once.
   * @default DEFAULT_MAX_SOCKETS (common/aws-http.ts), the SDK's own
   */
  maxSockets?: number;
  /**
   * Where the endpoint overrides (AWS_ENDPOINT_URL*) are read.
   * @default process.env
   */
  env?: NodeJS.ProcessEnv;
}

export const DEFAULT_MAX_ATTEMPTS = 5;

/** The region a check runs in: `region` when given, else as the AWS CLI picks it for the profile. */
export async function resolveRegion(region: string | undefined, profile?: string, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const chosen = await chooseRegion(region, chooseProfile(profile, env), env);
  if (!chosen) {
    throw new UsageError(`No AWS region: ${REGION_HINT}.`);
  }
  return chosen.value;
}

type EndpointService = "S3" | "S3_CONTROL" | "CLOUDTRAIL" | "ATHENA";

/** The endpoint override for one service, as the SDK's own env convention names it. */
export function endpointOverride(service: EndpointService, env: NodeJS.ProcessEnv = process.env): string | undefined {
  return env[`AWS_ENDPOINT_URL_${service}`] || env.AWS_ENDPOINT_URL || undefined;
}

/** Region, credentials, attempts, timeouts and endpoint override: what every client here is configured with. */
function baseConfig(service: EndpointService, settings: ClientSettings, credentials = credentialsFor(settings.profile)) {
  const env = settings.env ?? process.env;
  const endpoint = endpointOverride(service, env);
  return {
    region: settings.region,
    maxAttempts: settings.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
    requestHandler: requestHandlerOptions(settings.timeouts, settings.maxSockets),
    credentials,
    ...(endpoint ? { endpoint } : {}),
  };
}

/** A CloudTrail client for one region: the regional calls (ListPublicKeys) want one per region. */
export function createCloudTrailClient(settings: ClientSettings): CloudTrailClient {
  return new CloudTrailClient(baseConfig("CLOUDTRAIL", settings));
}

/** The Athena client, for Athena search only. */
export function createAthenaClient(settings: ClientSettings): AthenaClient {
  return new AthenaClient(baseConfig("ATHENA", settings));
}

/**
 * The S3 Control client, for the account's own settings (posture's S3.1). S3 Control's endpoint
 * names the account in its host (<account>.s3-control.<region>.amazonaws.com), and the SDK's rules
 * put that prefix in front of an overridden endpoint too (123456789012.127.0.0.1 does not resolve);
 * with AWS_ENDPOINT_URL_S3_CONTROL or AWS_ENDPOINT_URL the requests go to the endpoint itself,
 * the account in their x-amz-account-id header, which is how moto and the project's S3 server
 * answer them.
 */
export function createS3ControlClient(settings: ClientSettings): S3ControlClient {
  const { endpoint, ...config } = baseConfig("S3_CONTROL", settings);
  return new S3ControlClient({ ...config, ...(endpoint ? { endpointProvider: () => ({ url: new URL(endpoint) }) } : {}) });
}

export interface HomeRegionClient {
  client: CloudTrailClient;
  /** Destroys the client when it was made for this call. */
  close(): void;
}

/**
 * The CloudTrail client for calls that answer only in a trail's home region (GetEventSelectors):
 * `current` when the trail is homed in `region`, else the target's `cloudTrailIn` for the home
 * region, else one made from the standard AWS environment with the target's profile. A target
 * that injected a CloudTrail client for one region and no `cloudTrailIn` keeps `current`, as
 * nothing here knows how to reach its other regions.
 */
export function homeRegionCloudTrail(
  homeRegion: string | null,
  region: string,
  current: CloudTrailClient,
  target: Pick<CheckTarget, "clients" | "profile">,
): HomeRegionClient {
  const keep = { client: current, close: () => undefined };
  if (!homeRegion || homeRegion === region) return keep;
  const cloudTrailIn = target.clients?.cloudTrailIn;
  if (cloudTrailIn) return { client: cloudTrailIn(homeRegion), close: () => undefined };
  if (target.clients?.cloudTrail) return keep;
  const client = createCloudTrailClient({ region: homeRegion, profile: target.profile });
  return { client, close: () => client.destroy() };
}

export function createAwsClients(settings: ClientSettings): AwsClients {
  // One provider for both: a profile's SSO or assume-role exchange happens once.
  const credentials = credentialsFor(settings.profile);
  const s3 = baseConfig("S3", settings, credentials);
  return {
    s3: new S3Client({
      ...s3,
      // The log bucket may live in another region than the API calls.
      followRegionRedirects: true,
      // Local and S3-compatible servers rarely resolve virtual-host bucket names.
      ...(s3.endpoint ? { forcePathStyle: true } : {}),
      // CloudTrail log objects carry no flexible checksums; asking for them only costs work.
      requestChecksumCalculation: "WHEN_REQUIRED",
      responseChecksumValidation: "WHEN_REQUIRED",
    }),
    cloudTrail: new CloudTrailClient(baseConfig("CLOUDTRAIL", settings, credentials)),
  };
}
