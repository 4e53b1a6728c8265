/* global require, process */
// Preloaded into Node processes through NODE_OPTIONS=--require (see project-node.ts): when the
// process exits it appends one JSON line to $TRAIL_LAB_NODE_PROBE saying which Node ran it, what it
// ran, which warnings it emitted and its exit code, so a test can tell what ran on which Node and
// how it ended; each start is kept in $TRAIL_LAB_NODE_PROBE.started. Plain JavaScript:
// it loads before ts-node does.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- CommonJS: --require loads it in any Node, before ts-node
const fs = require("node:fs");

const file = process.env.TRAIL_LAB_NODE_PROBE;
if (file) {
  const warnings = [];
  // A line when it starts too (beside the file), so that a process that never ends is known.
  fs.appendFileSync(`${file}.started`, `${JSON.stringify({ pid: process.pid, argv: process.argv.slice(1) })}\n`);
  process.on("warning", (warning) => warnings.push(`${warning.name}: ${warning.message}`));
  process.on("exit", (code) => {
    const record = { pid: process.pid, version: process.version, execPath: process.execPath, argv: process.argv.slice(1), warnings, code };
    fs.appendFileSync(file, `${JSON.stringify(record)}\n`);
  });
}
