#!/usr/bin/env node
/* global require, process, __dirname, __filename */
// The `trail-lab` command (package.json "bin"): `npx trail-lab <command>` in the checkout, or
// `trail-lab <command>` once linked onto PATH (`npm link`). It runs the command on the project's
// Node, node_modules/.bin/node (docs/node.md), whichever `node` started it: started by another,
// it starts itself again on that one, in a process group of its own, and hands each signal it
// receives on to it exactly once (a terminal's Ctrl-C reaches only this launcher's group, so the
// lab never sees one Ctrl-C twice, which it would take as "give up"). The commands are TypeScript,
// run through ts-node as the npm scripts run them (bin/dispatch.ts picks the command).
// Plain JavaScript: it runs before ts-node is loaded.
"use strict";
/* eslint-disable @typescript-eslint/no-require-imports -- CommonJS, loaded by any Node */
const fs = require("node:fs");
const path = require("node:path");
const { spawn } = require("node:child_process");
const os = require("node:os");

const ROOT = path.resolve(__dirname, "..");
/** Set in the relaunched process: it must never relaunch again, whatever realpath says. */
const RELAUNCHED = "TRAIL_LAB_RELAUNCHED";
const FORWARDED = ["SIGINT", "SIGTERM", "SIGHUP"];

/** The real path of the project's Node, or null when it is not there (a user's own Node then runs it). */
function projectNode() {
  try {
    return fs.realpathSync(path.join(ROOT, "node_modules", ".bin", process.platform === "win32" ? "node.exe" : "node"));
  } catch {
    return null;
  }
}

function relaunch(node) {
  const child = spawn(node, [__filename, ...process.argv.slice(2)], {
    stdio: "inherit",
    env: { ...process.env, [RELAUNCHED]: "1" },
    // Its own process group: signals reach it from here only, once each.
    detached: process.platform !== "win32",
  });
  const forward = (signal) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  };
  for (const signal of FORWARDED) process.on(signal, forward);
  child.on("error", (error) => {
    process.stderr.write(
      `trail-lab: could not start the project's Node at ${node}: ${error.message}. Run npm ci, or see docs/node.md to use your own Node.\n`,
    );
    process.exitCode = 2;
  });
  child.on("exit", (code, signal) => {
    for (const s of FORWARDED) process.off(s, forward);
    process.exitCode = code ?? 128 + (os.constants.signals[signal] ?? 0);
  });
}

function run() {
  require("ts-node").register({ transpileOnly: true, project: path.join(ROOT, "tsconfig.json") });
  const { main } = require("./dispatch");
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error) => {
      process.stderr.write(`trail-lab: ${error && error.stack ? error.stack : String(error)}\n`);
      process.exitCode = 3;
    },
  );
}

const node = projectNode();
if (node && node !== fs.realpathSync(process.execPath) && !process.env[RELAUNCHED]) relaunch(node);
else run();
