// The benchmark's result: the shape of bench/results.json, the benchmark's targets judged on it,
// and the table printed on stdout. Speeds are MB/s of uncompressed log (1 MB = 10^6 bytes).
import type { CorpusView, Needle } from "./corpus";
import type { InProcessResult, PipelineResult, Timing } from "./measure";
import type { ScaleResults } from "./scale";
import { integrityTargets, renderIntegrity, type IntegrityRow } from "./integrity";

export interface Machine {
  nproc: number;
  cpu: string;
  node: string;
  platform: string;
}

export interface Row {
  id: "decode-and-match" | "gunzip-alone" | "zcat-jq" | "gunzip-defaults" | "event-name-only" | "every-object-parsed";
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

/** The machine's load average (1, 5, 15 minutes) when the run started and when it ended: speeds mean little without it. */
export interface Load {
  start: number[];
  end: number[];
}

export interface Target {
  name: string;
  value: number | null;
  threshold: number;
  /** null when not measured (a skipped row). */
  met: boolean | null;
  /** How the value prints when it is not a ratio. */
  unit?: "MB";
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
  /** The scan at scale: small objects, latency, big objects, memory (bench/scale.ts). */
  scale: ScaleResults;
  /** `--integrity` against the AWS CLI (bench/integrity.ts); absent from results of runs before it. */
  integrity?: IntegrityRow;
  load: Load;
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
  scale: ScaleResults;
  integrity?: IntegrityRow;
  load: Load;
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
  const dm = speed(m.inProcess.decodeAndMatch);
  const p = m.inProcess;
  const rows: Row[] = [
    {
      ...row(
        "decode-and-match",
        "1 decode-and-match (scanLogObject), in process",
        p.decodeAndMatch,
        p.decodeAndMatch.eventIds,
        "RunInstances of the needle's instance id",
      ),
      vsGunzip: round(p.vsGunzip.decodeAndMatch, 3),
    },
    row(
      "gunzip-alone",
      "2 gunzip alone, in process (the limit)",
      p.gunzip,
      null,
      "the scanner's own gunzip (verify/decode.ts gunzipLog), nothing searched or parsed",
    ),
    m.jq
      ? row("zcat-jq", "3 zcat | jq (what users do today)", m.jq, m.jq.eventIds, m.jq.command)
      : row("zcat-jq", "3 zcat | jq (what users do today)", null, null, "skipped: jq or zcat is not on PATH (apt-get install -y jq)"),
    {
      ...row(
        "gunzip-defaults",
        "  gunzipSync with Node's default 16 kB chunks",
        p.gunzipDefaults,
        null,
        "how decode.ts gunzipped before it sized its buffer from the gzip trailer",
      ),
      vsGunzip: round(p.vsGunzip.gunzipDefaults, 3),
    },
    {
      ...row(
        "event-name-only",
        "  decode-and-match by event name only (no resource)",
        p.eventNameOnly,
        p.eventNameOnly.eventIds,
        'only the shorter needle "RunInstances" rules objects out',
      ),
      vsGunzip: round(p.vsGunzip.eventNameOnly, 3),
    },
    row(
      "every-object-parsed",
      "  decode-and-match, event in every file (all parsed)",
      p.everyObjectParsed,
      null,
      `AssumeRole, no resource: ${p.everyObjectParsed.matches} matches; every file is parsed; one pass, not a median`,
    ),
  ];
  const jqSpeed = m.jq && speed(m.jq);
  const sc = m.scale;
  const targets: Target[] = [
    {
      name: "decode-and-match >= 70% of gunzip alone",
      value: round(p.vsGunzip.decodeAndMatch, 3),
      threshold: 0.7,
      met: p.vsGunzip.decodeAndMatch >= 0.7,
    },
    {
      name: "decode-and-match >= 3x zcat | jq",
      value: jqSpeed && round(dm / jqSpeed, 2),
      threshold: 3,
      met: jqSpeed === null ? null : dm / jqSpeed >= 3,
    },
    {
      name: "small objects: scan >= 0.5 of the bare GET loop",
      value: round(sc.small.vsBareLoop, 3),
      threshold: 0.5,
      met: sc.small.vsBareLoop >= 0.5,
    },
    {
      name: `+${sc.latency.addedMs} ms: scan >= 3x the 8-in-flight bound`,
      value: round(sc.latency.vsBound, 2),
      threshold: 3,
      met: sc.latency.vsBound >= 3,
    },
    {
      name: `listing 17 x 31 folders at +${sc.latency.addedMs} ms < 2 s`,
      value: round(sc.latency.listing.ms / 1000, 2),
      threshold: 2,
      met: sc.latency.listing.ms < 2000,
    },
    { name: "big objects end to end >= 1.0x gunzip alone", value: round(sc.big.vsGunzip, 3), threshold: 1, met: sc.big.vsGunzip >= 1 },
    {
      name: "peak RSS within 20% when the corpus doubles",
      value: round(sc.memory.change, 3),
      threshold: 0.2,
      met: Math.abs(sc.memory.change) <= 0.2,
    },
    ...(m.integrity ? integrityTargets(m.integrity) : []),
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
    scale: {
      ...sc,
      memory: { ...sc.memory, change: round(sc.memory.change, 3) },
      latency: { ...sc.latency, vsBound: round(sc.latency.vsBound, 2) },
      big: { ...sc.big, gunzipMbPerSecond: round(sc.big.gunzipMbPerSecond, 1), vsGunzip: round(sc.big.vsGunzip, 3) },
    },
    ...(m.integrity ? { integrity: m.integrity } : {}),
    load: { start: m.load.start.map((l) => round(l, 2)), end: m.load.end.map((l) => round(l, 2)) },
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
    const found =
      row.found === null ? "-" : row.found.length === 1 && row.found[0] === c.needle.eventID ? "yes" : `NO (${row.found.length})`;
    lines.push(
      `${pad(row.label, 56)}${pad(row.mbPerSecond === null ? "-" : row.mbPerSecond.toFixed(0), 9, true)}` +
        `${pad(row.vsGunzip === null ? "-" : row.vsGunzip.toFixed(2), 10, true)}${pad(row.ms === null ? "-" : (row.ms / 1000).toFixed(2), 9, true)}  ${found}`,
    );
    if (row.mbPerSecond === null && row.note) lines.push(`  ${row.note}`);
  }
  const sc = r.scale;
  // Runs recorded before the per-object CPU columns existed have none: "-".
  const perObject = (us: number | null | undefined) => (typeof us === "number" ? String(us) : "-");
  const runLine = (
    run: {
      label: string;
      objectsPerSecond: number;
      mbPerSecond: number;
      ms: number;
      cpuShare: number;
      cpuUsPerObject?: number;
      mainUsPerObject?: number | null;
    },
    ratio: string,
  ) =>
    `${pad(run.label, 44)}${pad(String(run.objectsPerSecond), 8, true)}${pad(run.mbPerSecond ? run.mbPerSecond.toFixed(0) : "-", 8, true)}${pad((run.ms / 1000).toFixed(2), 8, true)}${pad(run.cpuShare.toFixed(2), 7, true)}` +
    `${pad(perObject(run.cpuUsPerObject), 8, true)}${pad(perObject(run.mainUsPerObject), 8, true)}  ${ratio}`;
  const mid = sc.small.rounds.slice().sort((a, b) => a.ratio - b.ratio)[sc.small.rounds.length >> 1];
  lines.push(
    `MB/s: median of ${r.rounds} rounds per path (the all-parsed row: one pass); x gunzip: median of the ratio to the gunzip pass of the same round (rows 3 and all-parsed: to the median gunzip)`,
    "",
    `at scale: ${sc.corpus.objects} log files of ${(sc.corpus.minGz / 1e3).toFixed(0)} to ${(sc.corpus.maxGz / 1e3).toFixed(0)} KB gzipped (median ${(sc.corpus.medianGz / 1e3).toFixed(0)} KB), ` +
      `${sc.corpus.regions} regions x ${sc.corpus.days} days, ${(sc.corpus.bytes / 1e6).toFixed(0)} MB of log; in-memory S3 in its own process; ${sc.concurrency} in flight`,
    `${pad("scan", 44)}${pad("obj/s", 8, true)}${pad("MB/s", 8, true)}${pad("time s", 8, true)}${pad("cpu", 7, true)}${pad("us/obj", 8, true)}${pad("main", 8, true)}  against`,
    runLine(mid.bare, "the limit"),
    runLine(
      mid.scan,
      `${sc.small.vsBareLoop.toFixed(2)} of the bare loop (median of ${sc.small.rounds.length} rounds: ${sc.small.rounds.map((x) => x.ratio.toFixed(2)).join(", ")})`,
    ),
    runLine(sc.small.sdkGets, `${(sc.small.sdkGets.objectsPerSecond / mid.bare.objectsPerSecond).toFixed(2)} of the bare loop`),
    runLine(
      sc.small.decodeOnIoThread,
      `${(sc.small.decodeOnIoThread.objectsPerSecond / mid.bare.objectsPerSecond).toFixed(2)} of the bare loop`,
    ),
    runLine(
      sc.latency.scan,
      `${sc.latency.vsBound.toFixed(1)}x the ${Math.round(sc.latency.boundObjectsPerSecond)} obj/s of 8 in flight at ${sc.latency.addedMs} ms`,
    ),
    ...sc.latency.sweep.map((s) =>
      runLine(s, `${(s.objectsPerSecond / sc.latency.boundObjectsPerSecond).toFixed(1)}x the 8-in-flight bound`),
    ),
    runLine(
      sc.big.scan,
      `${sc.big.vsGunzip.toFixed(2)} of gunzip alone on one core (${sc.big.gunzipMbPerSecond.toFixed(0)} MB/s; ${sc.big.objects} objects of ${(sc.big.bytes / sc.big.objects / 1e6).toFixed(1)} MB)`,
    ),
    `listing ${sc.latency.listing.folders} day folders (17 regions x 31 days, empty) at +${sc.latency.addedMs} ms: ${(sc.latency.listing.ms / 1000).toFixed(2)} s`,
    `peak RSS of the scan (fresh child each): ${sc.memory.baseObjects} files ${sc.memory.baseMaxRssMB} MB (${sc.memory.baseBeforeScanMB} MB before scanning), ` +
      `${sc.memory.doubledObjects} files ${sc.memory.doubledMaxRssMB} MB (${sc.memory.doubledBeforeScanMB} MB before): ${signed(sc.memory.change)}`,
    `cpu: CPU time of the scanning process over wall time (2.00 = both cores); us/obj: its CPU microseconds per object, workers included; main: those of its main thread alone (listing, GET, hand-off, match). Load average (1, 5, 15 min): ${r.load.start.join(", ")} at the start, ${r.load.end.join(", ")} at the end`,
    ...(r.integrity ? renderIntegrity(r.integrity) : []),
    "",
    "targets:",
  );
  for (const t of r.targets) {
    const value =
      t.value === null
        ? "not measured"
        : t.unit === "MB"
          ? `${t.value.toFixed(0)} MB`
          : t.name.startsWith("peak RSS")
            ? signed(t.value)
            : t.name.includes("70%")
              ? `${(t.value * 100).toFixed(0)}%`
              : t.name.startsWith("listing")
                ? `${t.value.toFixed(2)} s`
                : t.name.includes(" of ") || t.name.includes("0.5")
                  ? t.value.toFixed(2)
                  : `${t.value.toFixed(1)}x`;
    lines.push(`  ${pad(t.name, 50)} ${pad(value, 10)} ${t.met === null ? "skipped" : t.met ? "met" : "MISSED"}`);
  }
  return `${lines.join("\n")}\n`;
}

function signed(fraction: number): string {
  return `${fraction >= 0 ? "+" : ""}${(fraction * 100).toFixed(1)}%`;
}
