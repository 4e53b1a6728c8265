/* global require, process */
// Preloaded into Node processes through NODE_OPTIONS=--require (see project-node.ts): when the
// process exits it appends one JSON line to $TRAIL_LAB_NODE_PROBE saying which Node ran it, what it
// ran and which warnings it emitted, so a test can tell what ran on which Node. Plain JavaScript:
// it loads before ts-node does.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- CommonJS: --require loads it in any Node, before ts-node
const fs = require("node:fs");

const file = process.env.TRAIL_LAB_NODE_PROBE;
if (file) {
  const warnings = [];
  process.on("warning", (warning) => warnings.push(`${warning.name}: ${warning.message}`));
  process.on("exit", () => {
    const record = { pid: process.pid, version: process.version, execPath: process.execPath, argv: process.argv.slice(1), warnings };
    fs.appendFileSync(file, `${JSON.stringify(record)}\n`);
  });
}
