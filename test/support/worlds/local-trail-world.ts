// The project's local S3 and CloudTrail with one trail world in them (trail-world.ts): what most
// verify suites start in before() and close in after().
import { startCloudTrailServer, type LocalCloudTrail } from "../servers/cloudtrail-server";
import { startS3Server, type LocalS3 } from "../servers/s3-server";
import { buildTrailWorld, type TrailWorld } from "./trail-world";

export interface LocalTrailWorld {
  s3: LocalS3;
  ct: LocalCloudTrail;
  world: TrailWorld;
}

/** Both servers started and the world built in `bucket`; `busyFolder` as buildTrailWorld takes it. */
export async function startTrailWorld(bucket: string, options: { busyFolder?: boolean } = {}): Promise<LocalTrailWorld> {
  const s3 = await startS3Server();
  const ct = await startCloudTrailServer();
  return { s3, ct, world: await buildTrailWorld(s3, ct, bucket, options) };
}

/** Closes what was started; a server that never started (a failed before()) is passed over. */
export async function closeServers(...servers: ({ close(): Promise<void> } | undefined)[]): Promise<void> {
  for (const server of servers) await server?.close();
}
