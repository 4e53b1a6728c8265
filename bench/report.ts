// The benchmark's result: the shape of bench/results.json, the benchmark's targets judged on it,
// and the table printed on stdout. Speeds are MB/s of uncompressed log (1 MB = 10^6 bytes).
import type { CorpusView, Needle } from "./corpus";
import type { InProcessResult, PipelineResult, Timing } from "./measure";
import type { ScanReport } from "./scan-child";

export interface Machine {
  nproc: number;
  cpu: string;
  node: string;
  platform: string;
}

export interface Row {
  id: "decode-and-match" | "gunzip-alone" | "zcat-jq" | "s3-scan" | "gunzip-defaults" | "event-name-only" | "every-object-parsed";
  label: string;
  /** null when the row was skipped (`note` says why). */
  mbPerSecond: number | null;
  /** This row's speed over gunzip alone's. */
  vsGunzip: number | null;
  ms: number | null;
  bytes: number | null;
  /** eventIDs the path found: exactly the needle's, or the measurement is void. */
  found: string[] | null;
  note: string | null;
}

export interface MemoryRun {
  days: number;
  objects: number;
  bytes: number;
  ms: number;
  mbPerSecond: number;
  maxRssMB: number;
  /** Peak RSS before the scan started: Node, ts-node, the SDK. */
  maxRssBeforeScanMB: number;
  /** CPU time of the scanning process over wall time: below 1, it waited on the S3 server. */
  cpuShare: number;
}

export interface Target {
  name: string;
  value: number | null;
  threshold: number;
  /** null when not measured (a skipped row). */
  met: boolean | null;
}

export interface BenchResults {
  when: string;
  machine: Machine;
  corpus: {
    seed: number;
    days: number;
    regions: string[];
    logFiles: number;
    digestFiles: number;
    records: number;
    bytes: number;
    gzBytes: number;
    compressionRatio: number;
    needle: Needle;
  };
  /** In-process passes; speeds are medians over them. */
  rounds: number;
  rows: Row[];
  memory: { base: MemoryRun; doubled: MemoryRun; change: number };
  targets: Target[];
}

const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;
const speed = (t: Timing) => t.bytes / 1e3 / t.ms;

export interface Measured {
  when: Date;
  machine: Machine;
  view: CorpusView;
  digestFiles: number;
  needle: Needle;
  inProcess: InProcessResult;
  jq: PipelineResult | null;
  s3: { base: ScanReport; doubled: ScanReport; baseDays: number; doubledDays: number };
}

function memoryRun(scan: ScanReport, days: number): MemoryRun {
  return {
    days,
    objects: scan.objects,
    bytes: scan.bytes,
    ms: round(scan.ms, 0),
    mbPerSecond: round(scan.bytes / 1e3 / scan.ms, 1),
    maxRssMB: round(scan.maxRss / 1e6, 1),
    maxRssBeforeScanMB: round(scan.maxRssBeforeScan / 1e6, 1),
    cpuShare: round(scan.cpuMs / scan.ms, 2),
  };
}

export function buildResults(m: Measured): BenchResults {
  const gunzip = speed(m.inProcess.gunzip);
  const row = (id: Row["id"], label: string, t: Timing | null, found: string[] | null, note: string | null = null): Row => ({
    id,
    label,
    mbPerSecond: t && round(speed(t), 1),
    vsGunzip: t && round(speed(t) / gunzip, 3),
    ms: t && round(t.ms, 0),
    bytes: t && t.bytes,
    found,
    note,
  });
  const scanTiming = { ms: m.s3.base.ms, bytes: m.s3.base.bytes };
  const dm = speed(m.inProcess.decodeAndMatch);
  const p = m.inProcess;
  const rows: Row[] = [
    { ...row("decode-and-match", "1 decode-and-match (scanLogObject), in process", p.decodeAndMatch, p.decodeAndMatch.eventIds, "RunInstances of the needle's instance id"), vsGunzip: round(p.vsGunzip.decodeAndMatch, 3) },
    row("gunzip-alone", "2 gunzip alone, in process (the limit)", p.gunzip, null, "the scanner's own gunzip (verify/decode.ts gunzipLog), nothing searched or parsed"),
    m.jq
      ? row("zcat-jq", "3 zcat | jq (what users do today)", m.jq, m.jq.eventIds, m.jq.command)
      : row("zcat-jq", "3 zcat | jq (what users do today)", null, null, "skipped: jq or zcat is not on PATH (apt-get install -y jq)"),
    row("s3-scan", `4 local S3: list, GET, decode, match (${m.s3.base.concurrency} at once)`, scanTiming, m.s3.base.eventIds, "child process; the S3 server (s3rver) runs in the parent"),
    { ...row("gunzip-defaults", "  gunzipSync with Node's default 16 kB chunks", p.gunzipDefaults, null, "how decode.ts gunzipped before it sized its buffer from the gzip trailer"), vsGunzip: round(p.vsGunzip.gunzipDefaults, 3) },
    { ...row("event-name-only", "  decode-and-match by event name only (no resource)", p.eventNameOnly, p.eventNameOnly.eventIds, "only the shorter needle \"RunInstances\" rules objects out"), vsGunzip: round(p.vsGunzip.eventNameOnly, 3) },
    row("every-object-parsed", "  decode-and-match, event in every file (all parsed)", p.everyObjectParsed, null, `AssumeRole, no resource: ${p.everyObjectParsed.matches} matches; every file is parsed; one pass, not a median`),
  ];
  const base = memoryRun(m.s3.base, m.s3.baseDays);
  const doubled = memoryRun(m.s3.doubled, m.s3.doubledDays);
  const change = m.s3.doubled.maxRss / m.s3.base.maxRss - 1;
  const jqSpeed = m.jq && speed(m.jq);
  const targets: Target[] = [
    { name: "decode-and-match >= 70% of gunzip alone", value: round(p.vsGunzip.decodeAndMatch, 3), threshold: 0.7, met: p.vsGunzip.decodeAndMatch >= 0.7 },
    { name: "decode-and-match >= 3x zcat | jq", value: jqSpeed && round(dm / jqSpeed, 2), threshold: 3, met: jqSpeed === null ? null : dm / jqSpeed >= 3 },
    { name: "peak RSS within 20% when the corpus doubles", value: round(change, 3), threshold: 0.2, met: Math.abs(change) <= 0.2 },
  ];
  const records = m.view.logs.reduce((sum, l) => sum + l.records, 0);
  return {
    when: m.when.toISOString(),
    machine: m.machine,
    corpus: {
      seed: m.view.config.seed,
      days: m.view.config.days,
      regions: m.view.config.regions.map((r) => r.name),
      logFiles: m.view.logs.length,
      digestFiles: m.digestFiles,
      records,
      bytes: m.view.bytes,
      gzBytes: m.view.gzBytes,
      compressionRatio: round(m.view.bytes / m.view.gzBytes, 2),
      needle: m.needle,
    },
    rounds: p.rounds,
    rows,
    memory: { base, doubled, change: round(change, 3) },
    targets,
  };
}

function pad(text: string, width: number, right = false): string {
  return right ? text.padStart(width) : text.padEnd(width);
}

export function renderTable(r: BenchResults): string {
  const c = r.corpus;
  const lines = [
    `trail-lab bench: ${(c.bytes / 1e6).toFixed(0)} MB of log uncompressed (${(c.gzBytes / 1e6).toFixed(0)} MB gzipped, ${c.compressionRatio}:1) in ${c.logFiles} files, ` +
      `${c.records} records, ${c.days} days x ${c.regions.length} regions, seed ${c.seed}`,
    `machine: ${r.machine.nproc} cores, ${r.machine.cpu}, node ${r.machine.node}`,
    "",
    `${pad("path", 56)}${pad("MB/s", 9, true)}${pad("x gunzip", 10, true)}${pad("time s", 9, true)}  found needle`,
  ];
  for (const row of r.rows) {
    const found = row.found === null ? "-" : row.found.length === 1 && row.found[0] === c.needle.eventID ? "yes" : `NO (${row.found.length})`;
    lines.push(
      `${pad(row.label, 56)}${pad(row.mbPerSecond === null ? "-" : row.mbPerSecond.toFixed(0), 9, true)}` +
        `${pad(row.vsGunzip === null ? "-" : row.vsGunzip.toFixed(2), 10, true)}${pad(row.ms === null ? "-" : (row.ms / 1000).toFixed(2), 9, true)}  ${found}`,
    );
    if (row.mbPerSecond === null && row.note) lines.push(`  ${row.note}`);
  }
  const { base, doubled } = r.memory;
  lines.push(
    "",
    `peak RSS of the S3 scan (child process): ${base.days} days ${base.maxRssMB} MB (${base.maxRssBeforeScanMB} MB before scanning), ` +
      `${doubled.days} days ${doubled.maxRssMB} MB (${doubled.maxRssBeforeScanMB} MB before): ${signed(r.memory.change)}`,
    `S3 scan of the doubled corpus: ${doubled.objects} files, ${(doubled.bytes / 1e6).toFixed(0)} MB at ${doubled.mbPerSecond.toFixed(0)} MB/s; ` +
      `the scanning process was busy ${(base.cpuShare * 100).toFixed(0)}% / ${(doubled.cpuShare * 100).toFixed(0)}% of the time (the rest: waiting on the S3 server)`,
    `MB/s: median of ${r.rounds} rounds per path (the all-parsed row: one pass); x gunzip: median of the ratio to the gunzip pass of the same round (rows 3, 4 and all-parsed: to the median gunzip)`,
    "",
    "targets:",
  );
  for (const t of r.targets) {
    const value = t.value === null ? "not measured" : t.name.startsWith("peak RSS") ? signed(t.value) : t.name.includes("70%") ? `${(t.value * 100).toFixed(0)}%` : `${t.value.toFixed(1)}x`;
    lines.push(`  ${pad(t.name, 46)} ${pad(value, 14)} ${t.met === null ? "skipped" : t.met ? "met" : "MISSED"}`);
  }
  return `${lines.join("\n")}\n`;
}

function signed(fraction: number): string {
  return `${fraction >= 0 ? "+" : ""}${(fraction * 100).toFixed(1)}%`;
}
