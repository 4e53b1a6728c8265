// A process that decodes one object through a decode pool and never closes it: it must still
// exit once its work is done, since loaded idle workers do not hold the event loop.
import { gzipSync } from "node:zlib";
import { DecodePool } from "../../../../verify/event/scan/decode-pool";
import { compileCriteria } from "../../../../verify/event/match";

const pool = new DecodePool({ criteria: compileCriteria({ eventName: "RunInstances", since: new Date(0) }), size: 2 });
void pool.start().then(async () => {
  const outcome = await pool.scan(gzipSync(JSON.stringify({ Records: [] })), "one object");
  process.stdout.write(`${JSON.stringify(outcome)}\n`);
});
