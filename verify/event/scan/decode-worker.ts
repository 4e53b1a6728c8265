// The decode pool's worker thread: it receives a log object's gzip bytes (transferred, not
// copied), runs the same decode and match as scanLogObject, and answers with the outcome. A job
// carries the most bytes the pool reserved for its output (`limit`): when gunzip would produce
// more, the worker hands the bytes back unread and the pool reserves the full cap before asking
// again, so that decoded memory stays within the pool's budget however large the object claims
// to be. A matched record comes back as the evidence prints it (printable.ts). Started by decode-
// pool.ts through `main()`; tests start their own entries through `serveDecodeJobs`.
import { parentPort, workerData } from "node:worker_threads";
import { gunzipFailure, gunzipLog, isOverSizeCap, readLogJson } from "../../decode";
import { compileCriteria, keeperOf, matchDecoded, type ScanOutcome } from "../match";
import { printableRecord } from "../printable";

/** What the pool passes to each worker when it starts it. */
export interface DecodeWorkerData {
  /** The module to load and run `main()` of (this one, or a test's). */
  entry: string;
  /** A require hook to load first (ts-node, when the pool itself runs from TypeScript). */
  register: string | null;
  criteria: { eventName: string; resource: string | null; sinceMs: number };
  /** The uncompressed size cap (MAX_UNCOMPRESSED_BYTES unless the scanner was given another). */
  maxBytes: number;
}

export interface DecodeJob {
  id: number;
  /** The object's bytes, the whole ArrayBuffer transferred. */
  gz: ArrayBuffer;
  /** Most uncompressed bytes the pool reserved for this job; at most `maxBytes`. */
  limit: number;
}

export type DecodeReply =
  | { id: number; outcome: ScanOutcome }
  /** The output would pass `limit` (below the cap): the bytes come back, to be decoded again with the cap reserved. */
  | { id: number; overLimit: true; gz: ArrayBuffer };

/** Hooks for test entries: run before each job, in the worker. */
export interface WorkerHooks {
  /** @default none */
  beforeJob?: (job: DecodeJob, count: number) => void;
}

export function decodeJob(job: DecodeJob, data: DecodeWorkerData, criteria: ReturnType<typeof compileCriteria>): DecodeReply {
  const gz = Buffer.from(job.gz);
  let json: Buffer;
  try {
    json = gunzipLog(gz, job.limit);
  } catch (err) {
    if (isOverSizeCap(err) && job.limit < data.maxBytes) return { id: job.id, overLimit: true, gz: job.gz };
    return { id: job.id, outcome: { bytesScanned: 0, matches: [], skippedReason: gunzipFailure(err, data.maxBytes) } };
  }
  const outcome = matchDecoded(readLogJson(json, criteria.needles, keeperOf(criteria)), criteria);
  // Copied to the pool by structured clone, which overflows the stack on a record nested thousands
  // deep: each match comes back as the evidence would print it (printable.ts), deeper parts noted.
  return { id: job.id, outcome: { ...outcome, matches: outcome.matches.map((record) => printableRecord(record)) } };
}

/** Answers decode jobs on the parent port until the pool ends this thread. */
export function serveDecodeJobs(hooks: WorkerHooks = {}): void {
  const port = parentPort;
  if (!port) throw new Error("decode-worker runs in a worker thread started by the decode pool");
  const data = workerData as DecodeWorkerData;
  const criteria = compileCriteria({
    eventName: data.criteria.eventName,
    resource: data.criteria.resource,
    since: new Date(data.criteria.sinceMs),
  });
  let count = 0;
  port.on("message", (job: DecodeJob) => {
    hooks.beforeJob?.(job, ++count);
    const reply = decodeJob(job, data, criteria);
    port.postMessage(reply, "gz" in reply ? [reply.gz] : []);
  });
}

export function main(): void {
  serveDecodeJobs();
}
