// A process that starts a decode pool, keeps its main thread busy until both workers have posted
// "ready" (so that those messages wait, unread, as they do behind a large object decoded on the
// I/O thread), then closes the pool and says "closed". Nothing else holds its event loop: if the
// late "ready" undid close()'s hold on a worker, the process would end before "closed", exit 0.
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { DecodePool } from "../../../../verify/event/scan/decode-pool";
import { compileCriteria } from "../../../../verify/event/match";
import { READY_DIR } from "./announce-ready";

const WORKERS = 2;
/** Only a bound on a hang: the workers load in seconds even on a loaded machine. */
const LOAD_BOUND_MS = 60_000;

const dir = process.env[READY_DIR];
if (!dir || !existsSync(dir)) throw new Error(`${READY_DIR} must name an existing folder`);
const pool = new DecodePool({
  criteria: compileCriteria({ eventName: "RunInstances", since: new Date(0) }),
  size: WORKERS,
  entry: join(__dirname, "announce-ready.ts"),
});
pool.start().catch(() => undefined);
const until = Date.now() + LOAD_BOUND_MS;
// Busy on purpose: no message is read while this runs.
while (readdirSync(dir).length < WORKERS) {
  if (Date.now() > until) throw new Error(`the decode workers did not load within ${LOAD_BOUND_MS} ms`);
}
void pool.close().then(() => process.stdout.write("closed\n"));
