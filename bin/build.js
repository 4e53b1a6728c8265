/* global require, module, process, __dirname */
// The commands' JavaScript, built once instead of compiled at every start: each TypeScript file of
// the rooms the commands load (SOURCE_ROOTS) transpiled, as ts-node --transpile-only would at run
// time, into the git-ignored build/ with the same layout (build/verify/cli.js) and a source map
// beside it. `npm ci` runs it as the `prepare` script; the `trail-lab` launcher calls ensureBuilt()
// before it loads anything, so a source edited since the build (or added, or removed) is built
// again first and a stale build never runs. Type checking is `npm run typecheck`'s job, not this.
// Plain JavaScript on any Node npm runs on: it runs before anything is built.
"use strict";
/* eslint-disable @typescript-eslint/no-require-imports -- CommonJS, loaded by any Node */
const fs = require("node:fs");
const path = require("node:path");

const ROOT = path.resolve(__dirname, "..");
const BUILD = path.join(ROOT, "build");
/**
 * The rooms whose code the commands run; infra/ is Pulumi's to run, test/ mocha's (through ts-node),
 * but for the fixtures and the in-memory S3 that the bench generates its corpus with and serves it from,
 * and where the pinned AWS CLI is (the bench's integrity row runs it; test/support/tools finds it).
 */
const SOURCE_ROOTS = [
  "bin",
  "common",
  "automation",
  "verify",
  "bench",
  "test/support/fixtures",
  "test/support/servers",
  "test/awscli/support",
  "test/support/tools",
];
/** Files whose change changes every output: the compiler options, and this builder. */
const GLOBAL_INPUTS = ["tsconfig.json", "bin/build.js"];
const MANIFEST = path.join(BUILD, "manifest.json");
/** Bumped when the shape of build/ changes, so that an older build is redone whole. */
const FORMAT = 1;

/** build/ is out of date and cannot be brought up to date here. */
class BuildError extends Error {
  constructor(message) {
    super(message);
    this.name = "BuildError";
  }
}

/** Every source file under the rooms, relative to the root with "/" separators, and its stamp (mtime and size). */
function sourceStamps() {
  const stamps = {};
  for (const room of SOURCE_ROOTS) {
    const dir = path.join(ROOT, room);
    if (!fs.existsSync(dir)) continue;
    for (const entry of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
      if (!entry.isFile() || !entry.name.endsWith(".ts") || entry.name.endsWith(".d.ts")) continue;
      const file = path.join(entry.parentPath ?? entry.path, entry.name);
      stamps[path.relative(ROOT, file).split(path.sep).join("/")] = stampOf(file);
    }
  }
  return stamps;
}

function stampOf(file) {
  const stat = fs.statSync(file);
  return `${stat.mtimeMs}:${stat.size}`;
}

function globalStamps() {
  const stamps = { format: String(FORMAT) };
  for (const input of GLOBAL_INPUTS) stamps[input] = stampOf(path.join(ROOT, input));
  return stamps;
}

function readManifest() {
  try {
    const manifest = JSON.parse(fs.readFileSync(MANIFEST, "utf8"));
    return manifest && typeof manifest.files === "object" && typeof manifest.inputs === "object" ? manifest : null;
  } catch {
    return null;
  }
}

/** What differs between the sources and the last build: files to build, and outputs to remove. */
function compare(manifest, sources, inputs) {
  const redo = !manifest || JSON.stringify(manifest.inputs) !== JSON.stringify(inputs);
  const built = redo ? {} : manifest.files;
  const changed = Object.keys(sources).filter((file) => built[file] !== sources[file]);
  const removed = Object.keys(built).filter((file) => !(file in sources));
  return { changed, removed };
}

const outputOf = (file) => path.join(BUILD, file.replace(/\.ts$/, ".js"));

/** TypeScript, which only a build needs; a missing one is a clear error, not a stack. */
function loadTypeScript(why) {
  try {
    return require(require.resolve("typescript", { paths: [ROOT] }));
  } catch {
    throw new BuildError(
      `trail-lab: ${why}, and TypeScript (a devDependency) is not installed to build it: run npm ci in ${ROOT} (without --omit=dev).`,
    );
  }
}

function compilerOptions(ts) {
  const config = ts.readConfigFile(path.join(ROOT, "tsconfig.json"), ts.sys.readFile);
  if (config.error)
    throw new BuildError(`trail-lab: tsconfig.json cannot be read: ${ts.flattenDiagnosticMessageText(config.error.messageText, "\n")}`);
  const { options } = ts.convertCompilerOptionsFromJson(config.config.compilerOptions ?? {}, ROOT);
  return { ...options, noEmit: false, declaration: false, sourceMap: true, inlineSourceMap: false, outDir: undefined };
}

/** Writes through a temporary file and a rename: a command starting meanwhile never reads half a file. */
function writeAtomic(file, text) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temp, text);
  fs.renameSync(temp, file);
}

function transpile(ts, options, file) {
  const source = path.join(ROOT, file);
  const out = outputOf(file);
  const result = ts.transpileModule(fs.readFileSync(source, "utf8"), {
    fileName: source,
    compilerOptions: options,
    reportDiagnostics: false,
  });
  const map = JSON.parse(result.sourceMapText);
  // The map names the source where it is, so that a stack (--debug) points at the .ts line.
  map.sources = [path.relative(path.dirname(out), source).split(path.sep).join("/")];
  writeAtomic(`${out}.map`, JSON.stringify(map));
  writeAtomic(out, result.outputText);
}

/**
 * Brings build/ up to date with the sources: builds what changed since the last build (everything
 * the first time, or when tsconfig.json or this builder changed) and removes the outputs of
 * deleted sources. Returns the files built; throws BuildError when it cannot build.
 */
function ensureBuilt(options = {}) {
  const sources = sourceStamps();
  const inputs = globalStamps();
  const manifest = options.force ? null : readManifest();
  const { changed, removed } = compare(manifest, sources, inputs);
  if (changed.length === 0 && removed.length === 0) return [];
  const why =
    manifest === null
      ? "build/ holds no build of this checkout's commands"
      : `build/ is older than ${changed.length + removed.length} source file(s) (${[...changed, ...removed].slice(0, 3).join(", ")})`;
  const ts = loadTypeScript(why);
  const compiler = compilerOptions(ts);
  try {
    // A whole build starts from nothing: no output of a source deleted since can linger.
    if (options.force) for (const room of SOURCE_ROOTS) fs.rmSync(path.join(BUILD, room), { recursive: true, force: true });
    for (const file of changed) transpile(ts, compiler, file);
    for (const file of removed) {
      for (const out of [outputOf(file), `${outputOf(file)}.map`]) fs.rmSync(out, { force: true });
    }
    const files = manifest === null ? {} : { ...manifest.files };
    for (const file of changed) files[file] = sources[file];
    for (const file of removed) delete files[file];
    writeAtomic(MANIFEST, `${JSON.stringify({ inputs, files }, null, 1)}\n`);
  } catch (error) {
    if (error && (error.code === "EACCES" || error.code === "EROFS" || error.code === "EPERM")) {
      throw new BuildError(`trail-lab: ${why}, and ${BUILD} cannot be written (${error.code}): run npm run prepare there as its owner.`);
    }
    throw error;
  }
  return changed;
}

module.exports = { BUILD, BuildError, ROOT, SOURCE_ROOTS, ensureBuilt };

// `npm run prepare` (npm ci runs it): a whole build, whatever the manifest says.
if (require.main === module) {
  const started = Date.now();
  try {
    const built = ensureBuilt({ force: true });
    process.stderr.write(`trail-lab: built ${built.length} files into build/ in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  } catch (error) {
    process.stderr.write(`${error instanceof BuildError ? error.message : error && error.stack}\n`);
    process.exitCode = 2;
  }
}
