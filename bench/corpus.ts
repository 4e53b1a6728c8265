// The benchmark's corpus: one account's CloudTrail bucket over several days and regions, written
// to disk in the real key layout, with a few digest files beside the logs and one needle
// RunInstances record among them. Each day is generated from its own seed, so the corpus of
// 2N days starts with the corpus of N days byte for byte: doubling a corpus only adds days.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { setImmediate } from "node:timers/promises";
import { gzipSync } from "node:zlib";
import { FixtureFactory, seededRandom, type FixtureRecord } from "../test/support/fixtures/cloudtrail-fixtures";
import { RecordMaker } from "./records";

/** Bumped whenever the generator's output changes, so that an old corpus on disk is rebuilt. */
export const GENERATOR_VERSION = 1;

const DAY_MS = 24 * 60 * 60 * 1000;
const MINUTE_MS = 60 * 1000;
/** CloudTrail delivers a region's events about every five minutes when there are any. */
const MAX_FILES_PER_REGION_DAY = 288;

export interface CorpusConfig {
  seed: number;
  account: string;
  /** Regions with their share of the traffic (us-east-1 carries the global services). */
  regions: { name: string; share: number }[];
  /** First UTC day of the corpus, YYYY-MM-DD. */
  firstDay: string;
  /** Days in the corpus; the doubled corpus has twice as many. */
  days: number;
  /** Uncompressed log bytes per day, over all regions. */
  bytesPerDay: number;
  /** Mean uncompressed size of one log file. */
  meanFileBytes: number;
  /**
   * Instead of `bytesPerDay` and `meanFileBytes`: this many log files a day over all regions (by
   * their share), each of a gzipped size drawn log-uniformly from `minGzBytes` to `maxGzBytes`:
   * the spread of real CloudTrail files, which are mostly small.
   */
  fileSizes?: { filesPerDay: number; minGzBytes: number; maxGzBytes: number };
  trailName: string;
  bucket: string;
}

export const DEFAULT_REGIONS = [
  { name: "us-east-1", share: 0.55 },
  { name: "us-west-2", share: 0.2 },
  { name: "eu-west-1", share: 0.15 },
  { name: "ap-southeast-2", share: 0.1 },
];

export function corpusConfig(options: { seed: number; megabytes: number; days?: number }): CorpusConfig {
  const days = options.days ?? 4;
  return {
    seed: options.seed,
    account: "123456789012",
    regions: DEFAULT_REGIONS,
    firstDay: "2025-03-03",
    days,
    bytesPerDay: Math.round((options.megabytes * 1e6) / days),
    meanFileBytes: 200_000,
    trailName: "management-events",
    bucket: "bench-trail-logs",
  };
}

/** About how far CloudTrail's JSON gzips (the generator's own records: 7.75 to 8 to 1). */
const GZIP_RATIO = 7.75;

/**
 * The realistic small-object corpus: 5,004 log files over 4 regions x 3 days (1,668 a day), 5 to
 * 100 KB gzipped each (about 32 KB on average), as a busy account's trail delivers them.
 */
export function smallCorpusConfig(options: { seed: number; days?: number }): CorpusConfig {
  return {
    ...corpusConfig({ seed: options.seed, megabytes: 1, days: options.days ?? 3 }),
    fileSizes: { filesPerDay: 1668, minGzBytes: 5_000, maxGzBytes: 100_000 },
  };
}

/** Few large objects: 120 files of about 3.6 MB uncompressed (465 KB gzipped) in one day. */
export function bigCorpusConfig(options: { seed: number }): CorpusConfig {
  return {
    ...corpusConfig({ seed: options.seed, megabytes: 1, days: 1 }),
    fileSizes: { filesPerDay: 120, minGzBytes: 465_000, maxGzBytes: 465_000 },
  };
}

export interface LogObject {
  key: string;
  /** Index of its day from the first day: below `config.days` it is in the base corpus. */
  day: number;
  region: string;
  gzBytes: number;
  bytes: number;
  records: number;
}

export interface Needle {
  key: string;
  eventID: string;
  eventTime: string;
  instanceId: string;
  region: string;
}

export interface CorpusManifest {
  version: number;
  config: CorpusConfig;
  /** Days generated: `config.days`, or twice that with the doubled corpus. */
  daysGenerated: number;
  needle: Needle;
  logs: LogObject[];
  digests: { key: string; day: number }[];
}

/** The corpus (or its doubled form) as far as one measurement is concerned. */
export interface CorpusView {
  root: string;
  config: CorpusConfig;
  logs: LogObject[];
  /** Every log of these days is in range: from the first day 00:00 to the last day's end. */
  from: Date;
  to: Date;
  bytes: number;
  gzBytes: number;
}

export function dayStart(config: CorpusConfig, day: number): Date {
  return new Date(Date.parse(`${config.firstDay}T00:00:00Z`) + day * DAY_MS);
}

/** The day's own seed: a day's content depends on nothing but the config and its index. */
function daySeed(config: CorpusConfig, day: number): number {
  return (Math.imul(config.seed + 1, 0x9e3779b1) ^ Math.imul(day + 1, 0x85ebca6b)) >>> 0;
}

function needlePlace(config: CorpusConfig): { day: number; region: string } {
  const random = seededRandom(config.seed ^ 0x6e656564);
  return { day: Math.floor(random() * config.days), region: config.regions[Math.floor(random() * config.regions.length)].name };
}

interface GeneratedDay {
  logs: (LogObject & { body: Buffer })[];
  digests: { key: string; day: number; body: Buffer }[];
  needle: Needle | null;
}

/** One day of every region: log files about every few minutes, sized around meanFileBytes. */
export function generateDay(config: CorpusConfig, day: number): GeneratedDay {
  const seed = daySeed(config, day);
  const f = new FixtureFactory(config.account, seed);
  const random = seededRandom(seed ^ 0x5bd1e995);
  const maker = new RecordMaker(f, random);
  const start = dayStart(config, day);
  const needleAt = needlePlace(config);
  const out: GeneratedDay = { logs: [], digests: [], needle: null };

  for (const { name: region, share } of config.regions) {
    const sizes = config.fileSizes;
    const regionBytes = config.bytesPerDay * share;
    const files = sizes
      ? Math.max(1, Math.round(sizes.filesPerDay * share))
      : Math.max(1, Math.min(MAX_FILES_PER_REGION_DAY, Math.round(regionBytes / config.meanFileBytes)));
    const step = DAY_MS / files;
    // Busy and quiet stretches: each file's size is drawn around the mean, then scaled to the budget.
    const weights = Array.from({ length: files }, () => 0.2 + 1.6 * random() * random() * 2);
    const total = weights.reduce((a, b) => a + b, 0);
    const logUniform = (min: number, max: number) => Math.exp(Math.log(min) + random() * (Math.log(max) - Math.log(min)));
    const needleFile = needleAt.day === day && needleAt.region === region ? Math.floor(random() * files) : -1;
    const regionLogs: string[] = [];
    for (let i = 0; i < files; i++) {
      const deliveredAt = new Date(Math.floor((start.getTime() + (i + 0.5) * step + random() * step * 0.4) / MINUTE_MS) * MINUTE_MS);
      const target = sizes ? logUniform(sizes.minGzBytes, sizes.maxGzBytes) * GZIP_RATIO : (regionBytes * weights[i]) / total;
      const parts: string[] = [];
      let size = 0;
      let needle: FixtureRecord | null = null;
      if (i === needleFile) {
        needle = f.runInstances(region, new Date(deliveredAt.getTime() - 4 * MINUTE_MS), f.instanceId());
        parts.push(JSON.stringify(needle));
        size += parts[0].length;
      }
      while (size < target || parts.length === 0) {
        // Events reach a file within about fifteen minutes of happening.
        const at = new Date(deliveredAt.getTime() - MINUTE_MS - Math.floor(random() * 14 * MINUTE_MS));
        const json = JSON.stringify(maker.record(region, at));
        parts.push(json);
        size += json.length + 1;
      }
      if (needle) {
        // Not first in its file: swap it to a random place among the others.
        const j = Math.floor(random() * parts.length);
        [parts[0], parts[j]] = [parts[j], parts[0]];
      }
      const text = `{"Records":[${parts.join(",")}]}`;
      const body = gzipSync(text);
      const key = f.logKey(region, deliveredAt);
      regionLogs.push(key);
      out.logs.push({ key, day, region, gzBytes: body.length, bytes: Buffer.byteLength(text), records: parts.length, body });
      if (needle) out.needle = { key, eventID: needle.eventID, eventTime: needle.eventTime, instanceId: instanceOf(needle), region };
    }
    // A digest file each region-day, beside the logs: the scan must never open it.
    const digestAt = new Date(start.getTime() + DAY_MS - MINUTE_MS * 30);
    out.digests.push({
      key: f.digestKey(region, digestAt, config.trailName),
      day,
      body: f.digest(new Date(digestAt.getTime() - 60 * MINUTE_MS), digestAt, config.bucket, regionLogs.slice(-12)),
    });
  }
  return out;
}

function instanceOf(record: FixtureRecord): string {
  return (record.responseElements as { instancesSet: { items: { instanceId: string }[] } }).instancesSet.items[0].instanceId;
}

function readManifest(root: string): CorpusManifest | null {
  try {
    return JSON.parse(readFileSync(join(root, "manifest.json"), "utf8")) as CorpusManifest;
  } catch {
    return null;
  }
}

/**
 * The corpus of `days * factor` days under `root`, generated unless a manifest from the same
 * generator and config is already there (a corpus takes longer to write than to measure).
 */
export async function ensureCorpus(
  root: string,
  config: CorpusConfig,
  factor: number,
  progress: (line: string) => void,
  { signal, fresh = false }: { signal?: AbortSignal; fresh?: boolean } = {},
): Promise<CorpusManifest> {
  const daysGenerated = config.days * factor;
  const existing = fresh ? null : readManifest(root);
  if (
    existing &&
    existing.version === GENERATOR_VERSION &&
    existing.daysGenerated === daysGenerated &&
    JSON.stringify(existing.config) === JSON.stringify(config)
  ) {
    progress(`corpus: reusing ${root} (${existing.logs.length} log files)`);
    return existing;
  }
  rmSync(root, { recursive: true, force: true });
  const logs: LogObject[] = [];
  const digests: CorpusManifest["digests"] = [];
  let needle: Needle | null = null;
  for (let day = 0; day < daysGenerated; day++) {
    // Between days, let a SIGINT in: an interrupted corpus has no manifest and is rebuilt next time.
    await setImmediate();
    signal?.throwIfAborted();
    const generated = generateDay(config, day);
    for (const object of [...generated.logs, ...generated.digests]) {
      const path = join(root, object.key);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, object.body);
    }
    logs.push(...generated.logs.map(({ body: _body, ...log }) => log));
    digests.push(...generated.digests.map(({ key, day: d }) => ({ key, day: d })));
    needle ??= generated.needle;
    const bytes = generated.logs.reduce((sum, l) => sum + l.bytes, 0);
    progress(`corpus: day ${day + 1}/${daysGenerated}: ${generated.logs.length} log files, ${(bytes / 1e6).toFixed(0)} MB uncompressed`);
  }
  if (!needle) throw new Error("generator bug: the needle day was not generated");
  const manifest: CorpusManifest = { version: GENERATOR_VERSION, config, daysGenerated, needle, logs, digests };
  writeFileSync(join(root, "manifest.json"), `${JSON.stringify(manifest)}\n`);
  return manifest;
}

/** The first `days` days of a manifest (the base corpus, or all of the doubled one). */
export function corpusView(root: string, manifest: CorpusManifest, days: number): CorpusView {
  const logs = manifest.logs.filter((l) => l.day < days);
  return {
    root,
    config: manifest.config,
    logs,
    from: dayStart(manifest.config, 0),
    to: new Date(dayStart(manifest.config, days).getTime() - 1),
    bytes: logs.reduce((sum, l) => sum + l.bytes, 0),
    gzBytes: logs.reduce((sum, l) => sum + l.gzBytes, 0),
  };
}
