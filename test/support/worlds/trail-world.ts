// One account's audit trail as the verify tests meet it: a trail with a key prefix writing to a
// bucket, several days and two regions of noise, a folder of more than 1000 keys, digests, an
// Insight file, broken objects, an event before --since, the probe's RunInstances delivered
// twice, and Event History holding it. Built relative to now, since verify lists up to today.
import { gzipSync } from "node:zlib";
import { FixtureFactory, logFile, type FixtureRecord } from "../fixtures/cloudtrail-fixtures";
import type { CloudTrailState, FixtureTrail } from "../servers/cloudtrail-server";
import type { LocalS3 } from "../servers/s3-server";

/** Where the world's objects go: the project's S3, moto's, or both at once. */
export type ObjectStore = Pick<LocalS3, "createBucket" | "put">;
/** Where its trail and Event History go: the project's CloudTrail, or a plain state to copy elsewhere. */
export interface TrailSink {
  state: Pick<CloudTrailState, "trails" | "events">;
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export interface TrailWorld {
  trail: FixtureTrail;
  since: Date;
  instanceId: string;
  target: FixtureRecord;
  /** Another instance's launch, after --since, in eu-west-1. */
  other: FixtureRecord;
  /** Where the target was delivered first, and again. */
  targetKey: string;
  duplicateKey: string;
  /** Log objects verify must read, and what it must never open. */
  logKeys: string[];
  /** Stored size of every object. */
  sizes: Map<string, number>;
  neverRead: string[];
  broken: { corrupt: string; invalidJson: string; noRecords: string };
  bigFolderSize: number;
}

/** What verify is asked about the world: its trail, its two regions, since when, the probe's instance. */
export function verifyTargetOf(world: TrailWorld): { trail: string; region: string; regions: string[]; since: Date; resource: string } {
  return {
    trail: world.trail.name,
    region: "us-east-1",
    regions: ["us-east-1", "eu-west-1"],
    since: world.since,
    resource: world.instanceId,
  };
}

/** `busyFolder: false` leaves out the folder of more than 1000 keys, for tests that are not about listing. */
export async function buildTrailWorld(
  s3: ObjectStore,
  cloudTrail: TrailSink,
  bucket: string,
  { busyFolder = true } = {},
): Promise<TrailWorld> {
  const now = new Date();
  const f = new FixtureFactory("123456789012", 1234);
  const prefix = "lab";
  const regions = ["us-east-1", "eu-west-1"];
  const since = new Date(now.getTime() - 2 * DAY);
  const instanceId = f.instanceId();
  const objects: { key: string; body: Buffer }[] = [];
  const logKeys: string[] = [];
  const neverRead: string[] = [];
  const log = (key: string, body: Buffer) => {
    objects.push({ key, body });
    logKeys.push(key);
    return key;
  };

  // Noise: every region, from before --since to now, a file every few hours.
  for (const region of regions) {
    for (let at = now.getTime() - 3 * DAY; at < now.getTime() - HOUR; at += 5 * HOUR) {
      const deliveredAt = new Date(at);
      const key = f.logKey(region, deliveredAt, { prefix });
      if (deliveredAt < new Date(since.getTime() - 15 * 60_000)) {
        objects.push({ key, body: logFile(f.noiseRecords(region, deliveredAt, 40)) });
        neverRead.push(key);
      } else log(key, logFile(f.noiseRecords(region, deliveredAt, 40)));
    }
  }
  // More than 1000 keys in one folder (a busy day), small files.
  const busyDay = new Date(now.getTime() - DAY);
  const bigFolderSize = busyFolder ? 1030 : 0;
  for (let i = 0; i < bigFolderSize; i++) {
    const deliveredAt = new Date(Date.UTC(busyDay.getUTCFullYear(), busyDay.getUTCMonth(), busyDay.getUTCDate(), 0, i % 1440));
    log(f.logKey("us-east-1", deliveredAt, { prefix }), logFile(f.noiseRecords("us-east-1", deliveredAt, 2)));
  }

  // The same instance id, launched before --since: must not count.
  const early = f.runInstances("us-east-1", new Date(since.getTime() - 5 * 60_000), instanceId);
  log(f.logKey("us-east-1", new Date(since.getTime() - 60_000), { prefix }), logFile([...f.noiseRecords("us-east-1", since, 10), early]));
  // Another instance launched in eu-west-1: a RunInstances, but not the one asked for.
  const other = f.runInstances("eu-west-1", new Date(now.getTime() - 40 * 60_000));
  log(f.logKey("eu-west-1", new Date(now.getTime() - 35 * 60_000), { prefix }), logFile([...f.noiseRecords("eu-west-1", now, 30), other]));

  // The probe's launch, delivered twice (CloudTrail may deliver an event more than once).
  const target = f.runInstances("us-east-1", new Date(now.getTime() - 30 * 60_000), instanceId);
  const targetKey = log(
    f.logKey("us-east-1", new Date(now.getTime() - 25 * 60_000), { prefix }),
    logFile([...f.noiseRecords("us-east-1", now, 60), target]),
  );
  const duplicateKey = log(
    f.logKey("us-east-1", new Date(now.getTime() - 20 * 60_000), { prefix }),
    logFile([target, ...f.noiseRecords("us-east-1", now, 5)]),
  );

  // Broken objects with log-file names, each mentioning the event and the instance.
  const good = logFile([f.runInstances("us-east-1", now, instanceId)]);
  const corrupt = log(
    f.logKey("us-east-1", new Date(now.getTime() - 15 * 60_000), { prefix }),
    Buffer.concat([good.subarray(0, 30), Buffer.from("bit rot"), good.subarray(37)]),
  );
  const invalidJson = log(
    f.logKey("us-east-1", new Date(now.getTime() - 14 * 60_000), { prefix }),
    gzipSync(JSON.stringify({ Records: [f.runInstances("us-east-1", now, instanceId)] }).slice(0, -25)),
  );
  const noRecords = log(
    f.logKey("us-east-1", new Date(now.getTime() - 13 * 60_000), { prefix }),
    gzipSync(JSON.stringify(f.runInstances("us-east-1", now, instanceId))),
  );

  // Things beside the logs that are not logs, and a copy of the event outside the trail's prefix.
  const trailName = "my-logs-trail";
  for (const region of regions) {
    const at = new Date(now.getTime() - 2 * HOUR);
    const digestKey = f.digestKey(region, at, trailName, { prefix });
    objects.push({ key: digestKey, body: f.digest(new Date(at.getTime() - HOUR), at, bucket, logKeys.slice(0, 3)) });
    neverRead.push(digestKey);
  }
  const insightKey = f.insightKey("us-east-1", new Date(now.getTime() - HOUR), { prefix });
  objects.push({ key: insightKey, body: f.insight("us-east-1", now) });
  const stray = `${f.logKey("us-east-1", now, { prefix }).replace(/[^/]+$/, "")}manifest.json`;
  objects.push({ key: stray, body: Buffer.from(JSON.stringify({ note: "RunInstances" })) });
  const elsewhere = f.logKey("us-east-1", now, { prefix: "other-trail" });
  objects.push({ key: elsewhere, body: logFile([target]) });
  neverRead.push(insightKey, stray, elsewhere);

  await s3.createBucket(bucket);
  await s3.put(bucket, objects);

  const trail: FixtureTrail = {
    name: trailName,
    account: f.account,
    homeRegion: "us-east-1",
    bucket,
    prefix,
    isMultiRegion: true,
    latestDeliveryTime: new Date(now.getTime() - 12 * 60_000),
  };
  cloudTrail.state.trails.push(trail);
  cloudTrail.state.events.push(early, target, other, ...f.noiseRecords("us-east-1", now, 20));
  const sizes = new Map(objects.map((o) => [o.key, o.body.length]));
  return {
    trail,
    since,
    instanceId,
    target,
    other,
    sizes,
    targetKey,
    duplicateKey,
    logKeys,
    neverRead,
    broken: { corrupt, invalidJson, noRecords },
    bigFolderSize,
  };
}
