// The integrity row's world: one trail's bucket over 2 regions x 48 hours, 12 log files an hour of
// about 50 KB gzipped each (1,152 logs), every hour's digest signed as CloudTrail signs it and
// chained to the one before, in the real key layout. Written once to disk (the digests' signatures,
// which S3 keeps in x-amz-meta-signature, in metadata.json beside them) and reused; the public key
// goes in the manifest, for the local CloudTrail's ListPublicKeys.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { setImmediate } from "node:timers/promises";
import { gzipSync } from "node:zlib";
import { FixtureFactory, seededRandom } from "../test/support/fixtures/cloudtrail-fixtures";
import { DigestChain, newSigningKey } from "../test/support/fixtures/signed-digests";
import { RecordMaker } from "./records";

/** Bumped whenever the generator's output changes, so that an old world on disk is rebuilt. */
const WORLD_VERSION = 1;
const HOUR_MS = 60 * 60_000;
/** Uncompressed over gzipped, as the bench's corpus measures CloudTrail's JSON. */
const GZIP_RATIO = 7.75;

export const INTEGRITY_WORLD = {
  account: "123456789012",
  trail: "bench-trail",
  homeRegion: "us-east-1",
  bucket: "bench-integrity-logs",
  regions: ["us-east-1", "eu-west-1"],
  hours: 48,
  logsPerHour: 12,
  gzBytesPerLog: 50_000,
  /** The first digest's start; digests end on the same odd second of each hour, as CloudTrail's do. */
  start: "2025-03-01T00:00:07Z",
} as const;

export interface IntegrityWorldManifest {
  version: number;
  seed: number;
  world: typeof INTEGRITY_WORLD;
  logs: number;
  digests: number;
  gzBytes: number;
  bytes: number;
  /** The range every hour of the world overlaps: a minute in, a minute before the end. */
  since: string;
  until: string;
  /** PKCS#1 DER, base64, and its fingerprint, for ListPublicKeys. */
  publicKey: { der: string; fingerprint: string };
}

export const METADATA_FILE = "metadata.json";

function readManifest(root: string): IntegrityWorldManifest | null {
  try {
    return JSON.parse(readFileSync(join(root, "manifest.json"), "utf8")) as IntegrityWorldManifest;
  } catch {
    return null;
  }
}

/** The world under `root`, generated unless a manifest of the same version and seed is there. */
export async function ensureIntegrityWorld(
  root: string,
  seed: number,
  say: (line: string) => void,
  options: { signal: AbortSignal; fresh: boolean },
): Promise<IntegrityWorldManifest> {
  const existing = readManifest(root);
  if (!options.fresh && existing?.version === WORLD_VERSION && existing.seed === seed) return existing;
  const w = INTEGRITY_WORLD;
  say(
    `integrity: writing its world (${w.regions.length} regions x ${w.hours} h x ${w.logsPerHour} logs of ~${w.gzBytesPerLog / 1e3} KB) to ${root}`,
  );
  rmSync(root, { recursive: true, force: true });
  const key = newSigningKey();
  const metadata: Record<string, Record<string, string>> = {};
  const start = new Date(w.start);
  let logs = 0;
  let gzBytes = 0;
  let bytes = 0;
  let digests = 0;
  const write = (objectKey: string, body: Buffer) => {
    const file = join(root, objectKey);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, body);
  };
  for (const [r, region] of w.regions.entries()) {
    const f = new FixtureFactory(w.account, seed * 1000 + r);
    const maker = new RecordMaker(f, seededRandom(seed * 7919 + r));
    const chain = new DigestChain(f, key, { name: w.trail, homeRegion: w.homeRegion, bucket: w.bucket });
    for (let hour = 0; hour < w.hours; hour++) {
      options.signal.throwIfAborted();
      await setImmediate();
      const end = new Date(start.getTime() + (hour + 1) * HOUR_MS);
      const hourLogs = Array.from({ length: w.logsPerHour }, (_, i) => {
        const deliveredAt = new Date(end.getTime() - HOUR_MS + (i + 0.5) * (HOUR_MS / w.logsPerHour));
        const parts: string[] = [];
        for (let size = 0; size < w.gzBytesPerLog * GZIP_RATIO;) {
          const json = JSON.stringify(maker.record(region, new Date(deliveredAt.getTime() - 60_000 - (parts.length % 600) * 1000)));
          parts.push(json);
          size += json.length + 1;
        }
        const text = `{"Records":[${parts.join(",")}]}`;
        bytes += text.length;
        return chain.log(region, deliveredAt, gzipSync(text));
      });
      chain.digest(region, end, hourLogs);
    }
    for (const o of chain.objects) {
      write(o.key, o.body);
      if (o.metadata) {
        metadata[o.key] = o.metadata;
        digests += 1;
      } else {
        logs += 1;
        gzBytes += o.body.length;
      }
    }
  }
  writeFileSync(join(root, METADATA_FILE), JSON.stringify(metadata));
  const manifest: IntegrityWorldManifest = {
    version: WORLD_VERSION,
    seed,
    world: w,
    logs,
    digests,
    gzBytes,
    bytes,
    since: new Date(start.getTime() + 60_000).toISOString(),
    until: new Date(start.getTime() + w.hours * HOUR_MS - 60_000).toISOString(),
    publicKey: { der: key.publicDer.toString("base64"), fingerprint: key.fingerprint },
  };
  // Written last: a world without its manifest (a run cut short) is generated again.
  writeFileSync(join(root, "manifest.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}
