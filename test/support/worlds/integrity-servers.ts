// The servers the integrity tests check worlds against: a real local S3 (s3rver) and one local
// CloudTrail per region (us-east-1, eu-west-1), each listing only its own region's signing key,
// as CloudTrail's regions do; and `check`, validateIntegrity pointed at them over a world's range.
import { validateIntegrity, type IntegrityOptions, type IntegrityResult } from "../../../verify";
import { listedKey, newSigningKey, type SigningKey } from "../fixtures/signed-digests";
import { startCloudTrailServer, type LocalCloudTrail } from "../servers/cloudtrail-server";
import { startS3Server, type LocalS3 } from "../servers/s3-server";
import { buildIntegrityWorld, type IntegrityWorld, type WorldShape } from "./integrity-world";

/** Each region's key is valid for the first months of 2025, around the worlds' 2025-03-01. */
export const KEY_VALIDITY = [new Date("2025-01-01T00:00:00Z"), new Date("2025-06-01T00:00:00Z")] as const;

export interface IntegrityServers {
  s3: LocalS3;
  east: LocalCloudTrail;
  west: LocalCloudTrail;
  keys: { east: SigningKey; west: SigningKey };
  /** The regions the check asked a CloudTrail client for (cloudTrailIn), since the last reset. */
  regionalClients: string[];
  world(shape?: WorldShape): Promise<IntegrityWorld>;
  /** validateIntegrity on the world's trail over its range (SINCE to UNTIL by default), through these servers. */
  check(w: IntegrityWorld, extra?: Partial<IntegrityOptions>): Promise<IntegrityResult>;
  /** Forgets the requests and calls recorded so far. */
  reset(): void;
  close(): Promise<void>;
}

export async function startIntegrityServers(): Promise<IntegrityServers> {
  const s3 = await startS3Server();
  const east = await startCloudTrailServer({ region: "us-east-1" });
  const west = await startCloudTrailServer({ region: "eu-west-1" });
  const keys = { east: newSigningKey(), west: newSigningKey() };
  east.state.publicKeys.push(listedKey(keys.east, ...KEY_VALIDITY));
  west.state.publicKeys.push(listedKey(keys.west, ...KEY_VALIDITY));
  const regionalClients: string[] = [];
  return {
    s3,
    east,
    west,
    keys,
    regionalClients,
    world: (shape) => buildIntegrityWorld(s3, east, keys, shape),
    check: (w, extra = {}) =>
      validateIntegrity({
        trail: w.trail.name,
        region: "us-east-1",
        since: w.since,
        until: w.until,
        clients: {
          s3: s3.client,
          cloudTrail: east.client(),
          cloudTrailIn: (region) => {
            regionalClients.push(region);
            return region === "eu-west-1" ? west.client() : east.client();
          },
        },
        ...extra,
      }),
    reset() {
      regionalClients.length = 0;
      s3.requests.length = 0;
      east.calls.length = 0;
      west.calls.length = 0;
    },
    async close() {
      await s3.close();
      await east.close();
      await west.close();
    },
  };
}
