// A decode worker that takes SLOW_MS longer over every object than the real one: a slow consumer,
// so that downloads outpace decoding and the memory bounds are what holds the scan back.
import { serveDecodeJobs } from "../../../../verify/event/scan/decode-worker";

export const SLOW_MS = 15;

export function main(): void {
  const sleeper = new Int32Array(new SharedArrayBuffer(4));
  serveDecodeJobs({ beforeJob: () => void Atomics.wait(sleeper, 0, 0, SLOW_MS) });
}
