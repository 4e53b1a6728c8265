// A trail whose bucket holds signed digest chains for the integrity tests: three hourly digests
// in us-east-1 (or `hours`) and two in eu-west-1 over 2025-03-01, each listing two logs; a
// us-east-1 digest after the range, an older one before it, and another trail's digest beside
// them. An organization trail's world may hold member accounts' us-east-1 chains too. The test
// may tamper with the objects before they are stored (`shape`), or hold the trail's digests back
// to deliver them itself, as CloudTrail does, after the logs (`digestsLater`).
import { FixtureFactory, logFile } from "../fixtures/cloudtrail-fixtures";
import type { FixtureTrail, LocalCloudTrail } from "../servers/cloudtrail-server";
import type { LocalS3 } from "../servers/s3-server";
import {
  DigestChain,
  putObjects,
  type DigestOptions,
  type SignedDigest,
  type SigningKey,
  type StoredObject,
} from "../fixtures/signed-digests";

const HOUR = 3_600_000;
/** The first digest's start: odd seconds, as CloudTrail's are. */
export const T0 = new Date("2025-03-01T10:00:07Z");
/** The range the tests ask about: the three us-east-1 hours, not the hour after. */
export const SINCE = new Date(T0.getTime() + 60_000);
export const UNTIL = new Date(T0.getTime() + 3 * HOUR - 60_000);

export interface IntegrityWorld {
  trail: FixtureTrail;
  bucket: string;
  /** us-east-1's digests in the range, oldest first, then eu-west-1's. */
  east: SignedDigest[];
  /** The range over us-east-1's hours: SINCE, and UNTIL with the default three. */
  since: Date;
  until: Date;
  /** Each member account's us-east-1 digests in the range (an organization trail's world). */
  members: { account: string; east: SignedDigest[] }[];
  west: SignedDigest[];
  /** The us-east-1 digest of the hour after the range. */
  after: SignedDigest;
  before: SignedDigest;
  logs: StoredObject[];
  objects: StoredObject[];
}

export interface WorldShape {
  /** Options for us-east-1's digest `i` (0 to hours - 1). */
  digest?: (i: number) => DigestOptions;
  /** us-east-1's hourly digests in the range. @default 3 */
  hours?: number;
  orgId?: string;
  /** Member accounts of the organization (with `orgId`), each with its own us-east-1 chain over the same hours. */
  memberAccounts?: string[];
  /**
   * Store the logs only, so that no digest folder exists yet: the test puts the trail's digests
   * (before, east, after, west) when it likes; the other trail's is never stored.
   */
  digestsLater?: boolean;
}

let worlds = 0;

export async function buildIntegrityWorld(
  s3: Pick<LocalS3, "client" | "createBucket">,
  cloudTrail: Pick<LocalCloudTrail, "state">,
  keys: { east: SigningKey; west: SigningKey },
  shape: WorldShape = {},
): Promise<IntegrityWorld> {
  const n = ++worlds;
  const bucket = `integrity-${n}`;
  const f = new FixtureFactory("123456789012", 500 + n);
  const trail: FixtureTrail = {
    name: `audit-trail-${n}`,
    account: f.account,
    homeRegion: "us-east-1",
    bucket,
    prefix: "lab",
    isMultiRegion: true,
    isOrganization: Boolean(shape.orgId),
  };
  const east = new DigestChain(f, keys.east, { name: trail.name, homeRegion: "us-east-1", bucket, prefix: "lab", orgId: shape.orgId });
  const west = new DigestChain(f, keys.west, { name: trail.name, homeRegion: "us-east-1", bucket, prefix: "lab", orgId: shape.orgId });
  const logs: StoredObject[] = [];
  const hourOfLogs = (chain: DigestChain, region: string, end: Date) => {
    const made = [10, 35].map((minute) => {
      const at = new Date(end.getTime() - HOUR + minute * 60_000);
      return chain.log(region, at, logFile(f.noiseRecords(region, at, 12)));
    });
    logs.push(...made);
    return made;
  };

  const beforeEnd = new Date(T0.getTime() - 5 * HOUR);
  const before = east.digest("us-east-1", beforeEnd, hourOfLogs(east, "us-east-1", beforeEnd));
  const hours = shape.hours ?? 3;
  const eastDigests = Array.from({ length: hours }, (_, i) => {
    const end = new Date(T0.getTime() + (i + 1) * HOUR);
    return east.digest("us-east-1", end, hourOfLogs(east, "us-east-1", end), shape.digest?.(i));
  });
  const afterEnd = new Date(T0.getTime() + (hours + 1) * HOUR);
  const after = east.digest("us-east-1", afterEnd, hourOfLogs(east, "us-east-1", afterEnd));
  const westDigests = [1, 2].map((h) => {
    const end = new Date(T0.getTime() + h * HOUR + 42_000);
    return west.digest("eu-west-1", end, hourOfLogs(west, "eu-west-1", end));
  });
  const members = (shape.memberAccounts ?? []).map((account, m) => {
    const mf = new FixtureFactory(account, 900 + 10 * n + m);
    const chain = new DigestChain(mf, keys.east, { name: trail.name, homeRegion: "us-east-1", bucket, prefix: "lab", orgId: shape.orgId });
    const made = Array.from({ length: hours }, (_, i) => {
      const end = new Date(T0.getTime() + (i + 1) * HOUR + 17_000);
      const logsOfHour = [10, 35].map((minute) =>
        chain.log("us-east-1", new Date(end.getTime() - HOUR + minute * 60_000), logFile(mf.noiseRecords("us-east-1", end, 6))),
      );
      logs.push(...logsOfHour);
      return chain.digest("us-east-1", end, logsOfHour);
    });
    return { account, east: made, chain };
  });
  // Another trail writing digests into the same folders.
  const other = new DigestChain(f, keys.east, { name: "other-trail", homeRegion: "us-east-1", bucket, prefix: "lab", orgId: shape.orgId });
  other.digest("us-east-1", new Date(T0.getTime() + 2 * HOUR), []);

  await s3.createBucket(bucket);
  const objects = [...east.objects, ...west.objects, ...other.objects, ...members.flatMap((m) => m.chain.objects)];
  const held = new Set<StoredObject>(shape.digestsLater ? [before, ...eastDigests, after, ...westDigests, ...other.objects] : []);
  await putObjects(
    s3,
    objects.filter((o) => !held.has(o)),
  );
  cloudTrail.state.trails.push(trail);
  return {
    trail,
    bucket,
    east: eastDigests,
    since: SINCE,
    until: new Date(T0.getTime() + hours * HOUR - 60_000),
    members: members.map(({ account, east: digests }) => ({ account, east: digests })),
    west: westDigests,
    after,
    before,
    logs,
    objects,
  };
}
