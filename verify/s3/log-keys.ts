// The S3 key layout of CloudTrail log files:
//   [prefix/]AWSLogs/[o-id/]<account>/CloudTrail/<region>/YYYY/MM/DD/
//     <account>_CloudTrail_<region>_<YYYYMMDDTHHmmZ>_<random>.json.gz
// Within a day folder every key shares `<account>_CloudTrail_<region>_`, so keys sort by their
// stamp (the delivery minute), then by the random part, which has no order at all.

// Digest files sit beside the logs, under CloudTrail-Digest/ instead of CloudTrail/, one per
// trail, region and hour, stamped with the digest's end time to the second:
//   <account>_CloudTrail-Digest_<region>_<trail>_<homeRegion>_<YYYYMMDDTHHmmssZ>[_backfill].json.gz

const LOG_FILE_NAME = /^(\d{12})_CloudTrail_([a-z0-9-]+)_(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})Z_[A-Za-z0-9]+\.json\.gz$/;

const DAY_MS = 24 * 60 * 60 * 1000;
const MINUTE_MS = 60 * 1000;

/** `AWSLogs/` under the trail's key prefix (which CloudTrail writes without a trailing slash). */
export function awsLogsPrefix(trailPrefix: string | null): string {
  const trimmed = (trailPrefix ?? "").replace(/^\/+|\/+$/g, "");
  return trimmed ? `${trimmed}/AWSLogs/` : "AWSLogs/";
}

/** An organization trail's id segment (`o-` and 10 to 32 lowercase letters or digits). */
export function isOrganizationSegment(segment: string): boolean {
  return /^o-[a-z0-9]{10,32}$/.test(segment);
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, "0");
}

export function formatStamp(at: Date): string {
  return (
    `${at.getUTCFullYear()}${pad(at.getUTCMonth() + 1)}${pad(at.getUTCDate())}` + `T${pad(at.getUTCHours())}${pad(at.getUTCMinutes())}Z`
  );
}

export function dayPath(at: Date): string {
  return `${at.getUTCFullYear()}/${pad(at.getUTCMonth() + 1)}/${pad(at.getUTCDate())}`;
}

export interface DayFolder {
  /** Full key prefix of the folder, ending in `/`. */
  prefix: string;
  account: string;
  region: string;
}

/**
 * The UTC day folders of each region from `from` to `to`, both days included, under
 * `CloudTrail/` (logs) or `CloudTrail-Digest/` (digests), which share the day layout.
 */
export function dayFolders(
  accountRoot: string,
  account: string,
  regions: string[],
  from: Date,
  to: Date,
  kind: "CloudTrail" | "CloudTrail-Digest" = "CloudTrail",
): DayFolder[] {
  const folders: DayFolder[] = [];
  const firstDay = Date.UTC(from.getUTCFullYear(), from.getUTCMonth(), from.getUTCDate());
  for (const region of regions) {
    for (let day = firstDay; day <= to.getTime(); day += DAY_MS) {
      folders.push({ prefix: `${accountRoot}${kind}/${region}/${dayPath(new Date(day))}/`, account, region });
    }
  }
  return folders;
}

/**
 * The StartAfter key for a folder such that every log delivered at or after `from` (minute
 * resolution) sorts after it, whatever its random part.
 */
export function startAfterKey(folder: DayFolder, from: Date): string {
  const minute = new Date(Math.floor(from.getTime() / MINUTE_MS) * MINUTE_MS);
  // A real key continues with `_<random>`, so it sorts after this shorter string with the same stamp.
  return `${folder.prefix}${folder.account}_CloudTrail_${folder.region}_${formatStamp(minute)}`;
}

/** The delivery minute of a log file key, or null when the key is not a CloudTrail log file. */
export function logFileStamp(key: string): Date | null {
  const name = key.slice(key.lastIndexOf("/") + 1);
  const m = LOG_FILE_NAME.exec(name);
  if (!m) return null;
  const [, , , y, mo, d, h, mi] = m;
  return new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi)));
}

/** Every digest file name of one trail in one region starts with this. */
export function digestNamePrefix(account: string, region: string, trailName: string, homeRegion: string): string {
  return `${account}_CloudTrail-Digest_${region}_${trailName}_${homeRegion}_`;
}

export function formatDigestStamp(at: Date): string {
  return `${formatStamp(at).slice(0, -1)}${pad(at.getUTCSeconds())}Z`;
}

const DIGEST_STAMP = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z(_backfill)?\.json\.gz$/;

/**
 * The end time stamped in a digest key of the trail whose names start with `namePrefix`, and
 * whether it is a backfill digest; null for any other key (another trail's digest, a stray).
 */
export function digestFileStamp(key: string, namePrefix: string): { stamp: Date; backfill: boolean } | null {
  const name = key.slice(key.lastIndexOf("/") + 1);
  if (!name.startsWith(namePrefix)) return null;
  const m = DIGEST_STAMP.exec(name.slice(namePrefix.length));
  if (!m) return null;
  const [, y, mo, d, h, mi, sec, backfill] = m;
  return {
    stamp: new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(sec))),
    backfill: backfill !== undefined,
  };
}
