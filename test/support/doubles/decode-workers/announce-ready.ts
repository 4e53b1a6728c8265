// A decode worker that, once it has told the pool it is ready, also says so in a file of its own
// under READY_DIR (an environment variable: worker threads share their process's). A process
// whose main thread is busy can then wait until the "ready" message is surely queued for it, not
// yet read: what the main thread of a scan sees when it decodes a large object itself.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { threadId } from "node:worker_threads";
import { serveDecodeJobs } from "../../../../verify/event/scan/decode-worker";

export const READY_DIR = "TRAIL_LAB_TEST_READY_DIR";

export function main(): void {
  serveDecodeJobs();
  // The pool's bootstrap posts "ready" as soon as main() returns: this runs after that.
  setImmediate(() => writeFileSync(join(process.env[READY_DIR] ?? ".", `ready-${threadId}`), ""));
}
