// A decode worker that dies on any object whose text holds CRASH_MARKER: by exiting (the default),
// or by throwing from the job's handler ("throw" in the marker's suffix). For the pool's crash tests.
import { gunzipSync } from "node:zlib";
import { serveDecodeJobs } from "../../../../verify/event/scan/decode-worker";

export const CRASH_MARKER = "CRASH-THIS-WORKER";

export function main(): void {
  serveDecodeJobs({
    beforeJob(job) {
      let text = "";
      try {
        text = gunzipSync(Buffer.from(job.gz)).toString("utf8");
      } catch {
        return;
      }
      // Thrown inside the message handler: an uncaught error that ends the thread.
      if (text.includes(`${CRASH_MARKER}:throw`)) throw new Error("a decoder bug");
      // eslint-disable-next-line no-restricted-syntax -- the crash under test: a worker thread that exits
      else if (text.includes(CRASH_MARKER)) process.exit(70);
    },
  });
}
