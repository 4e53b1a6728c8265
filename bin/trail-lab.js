#!/usr/bin/env node
/* global require, process, __dirname, __filename, setInterval, clearInterval */
// The `trail-lab` command (package.json "bin"), and what the npm scripts run: `npx trail-lab
// <command>` in the checkout, `trail-lab <command>` once linked onto PATH (`npm link`), and
// `npm run <command>` (`exec node bin/trail-lab.js <command>`). It runs the command on the
// project's Node, node_modules/.bin/node (docs/node.md), whichever `node` started it: started by
// another, it starts itself again on that one, in a process group of its own, and hands each
// signal it receives on to it exactly once (a terminal's Ctrl-C reaches only this launcher's
// group, so the lab never sees one Ctrl-C twice, which it would take as "give up").
// The commands run from build/, the JavaScript bin/build.js makes of them at install time (npm ci's
// `prepare`); a source newer than its build is built again first (bin/build.js), so an edited .ts
// never runs stale and nothing is compiled at a start when nothing changed.
// A launcher whose parent goes away stops its command as SIGTERM would: npm (npx, npm run) and a
// relaunching launcher forward signals, and when npm's shell dies of a SIGTERM npm exits at once,
// which must not leave the command running as an orphan (docs/node.md, "Signals").
// Plain JavaScript: it runs on any Node, before anything of the project is loaded.
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
/** How often a launcher looks whether its parent is still there (getppid: a cheap call). */
const PARENT_POLL_MS = 200;

/** The real path of the project's Node, or null when it is not there (a user's own Node then runs it). */
function projectNode() {
  try {
    return fs.realpathSync(path.join(ROOT, "node_modules", ".bin", process.platform === "win32" ? "node.exe" : "node"));
  } catch {
    return null;
  }
}

/**
 * Calls `onGone` once when this process's parent has gone: the process was reparented. Only where
 * the parent is a launcher that forwards signals (npm's, or this file relaunching itself): a
 * command started from a shell outlives it on purpose (nohup).
 */
function watchParent(onGone) {
  if (process.platform === "win32") return;
  if (process.env.npm_lifecycle_event === undefined && !process.env[RELAUNCHED]) return;
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(timer);
    // Whoever read our output may be gone with the parent: a write to a closed pipe must not crash the cleanup.
    for (const stream of [process.stdout, process.stderr]) stream.on("error", () => undefined);
    onGone();
  }, PARENT_POLL_MS);
  timer.unref();
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
  watchParent(() => forward("SIGTERM"));
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
  const argv = process.argv.slice(2);
  // Stacks point at the .ts lines; only --debug prints stacks, so only it pays for reading the maps.
  if (argv.includes("--debug")) process.setSourceMapsEnabled(true);
  const build = require("./build");
  try {
    build.ensureBuilt();
  } catch (error) {
    if (!(error instanceof build.BuildError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exitCode = 2;
    return;
  }
  // V8's code cache for what the command loads (the AWS SDK above all), kept beside the build (Node 22.1+).
  require("node:module").enableCompileCache?.(path.join(build.BUILD, ".compile-cache"));
  watchParent(() => process.kill(process.pid, "SIGTERM"));
  const { main } = require(path.join(build.BUILD, "bin", "dispatch.js"));
  main(argv).then(
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
