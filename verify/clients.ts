// One client per service and region, configured once from the standard AWS environment
// (credential chain, AWS_REGION, AWS_ENDPOINT_URL[_S3|_CLOUDTRAIL|_ATHENA]), each request bounded
// by a connection and a socket-idle timeout (common/aws-http.ts).
import { AthenaClient } from "@aws-sdk/client-athena";
import { CloudTrailClient } from "@aws-sdk/client-cloudtrail";
import { S3Client } from "@aws-sdk/client-s3";
import { requestHandlerOptions, type HttpTimeouts } from "../common/aws-http";
import { UsageError } from "../common/errors";

export interface AwsClients {
  s3: S3Client;
  cloudTrail: CloudTrailClient;
}

export interface ClientSettings {
  region?: string;
  /** Attempts per call, SDK backoff included; throttled LookupEvents retry again above this. */
  maxAttempts?: number;
  /** Connection and socket-idle timeouts of every request; defaults in common/aws-http.ts. */
  timeouts?: HttpTimeouts;
  /** Connections per host at once; defaults to the SDK's 50. */
  maxSockets?: number;
  env?: NodeJS.ProcessEnv;
}

const DEFAULT_MAX_ATTEMPTS = 5;

export function resolveRegion(region: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const resolved = region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  if (!resolved) throw new UsageError("No region: pass --region or set AWS_REGION.");
  return resolved;
}

/** The endpoint override for one service, as the SDK's own env convention names it. */
export function endpointOverride(service: "S3" | "CLOUDTRAIL" | "ATHENA", env: NodeJS.ProcessEnv = process.env): string | undefined {
  return env[`AWS_ENDPOINT_URL_${service}`] || env.AWS_ENDPOINT_URL || undefined;
}

/** Region, attempts, timeouts and endpoint override: what every client here is configured with. */
function baseConfig(service: "S3" | "CLOUDTRAIL" | "ATHENA", settings: ClientSettings) {
  const env = settings.env ?? process.env;
  const endpoint = endpointOverride(service, env);
  return {
    region: resolveRegion(settings.region, env),
    maxAttempts: settings.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
    requestHandler: requestHandlerOptions(settings.timeouts, settings.maxSockets),
    ...(endpoint ? { endpoint } : {}),
  };
}

/** A CloudTrail client for one region: the regional calls (ListPublicKeys) want one per region. */
export function createCloudTrailClient(settings: ClientSettings = {}): CloudTrailClient {
  return new CloudTrailClient(baseConfig("CLOUDTRAIL", settings));
}

/** The Athena client, for the Athena engine only. */
export function createAthenaClient(settings: ClientSettings = {}): AthenaClient {
  return new AthenaClient(baseConfig("ATHENA", settings));
}

export interface HomeRegionClient {
  client: CloudTrailClient;
  /** Destroys the client when it was made for this call. */
  close(): void;
}

/**
 * The CloudTrail client for calls that answer only in a trail's home region (GetEventSelectors):
 * `current` when the trail is homed in `region`, else `cloudTrailIn` for the home region, else
 * one made from the standard AWS environment. A caller that injected clients for one region and
 * no `cloudTrailIn` keeps `current`, as nothing here knows how to reach its other regions.
 */
export function homeRegionCloudTrail(
  homeRegion: string | null,
  region: string,
  current: CloudTrailClient,
  options: { injected: boolean; cloudTrailIn?: (region: string) => CloudTrailClient },
): HomeRegionClient {
  const keep = { client: current, close: () => undefined };
  if (!homeRegion || homeRegion === region) return keep;
  if (options.cloudTrailIn) return { client: options.cloudTrailIn(homeRegion), close: () => undefined };
  if (options.injected) return keep;
  const client = createCloudTrailClient({ region: homeRegion });
  return { client, close: () => client.destroy() };
}

export function createAwsClients(settings: ClientSettings = {}): AwsClients {
  const s3 = baseConfig("S3", settings);
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
    cloudTrail: createCloudTrailClient(settings),
  };
}
