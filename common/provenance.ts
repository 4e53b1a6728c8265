// Which trail-lab produced an output: the version package.json names and, when the tool runs from
// a git checkout, the commit (and whether files differ from it). Without git, or outside a
// checkout, the commit is null: an output never fails for want of it.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

export const TOOL_NAME = "trail-lab";
/**
 * The checkout's root, where package.json lives: the folder above common/ when this runs from the
 * sources (ts-node, the tests), the one above that when it runs from build/common/ (the commands).
 */
export const TOOL_ROOT = rootAbove(path.resolve(__dirname, ".."));

function rootAbove(dir: string): string {
  return fs.existsSync(path.join(dir, "package.json")) ? dir : path.dirname(dir);
}
/** A git that does not answer in this long is treated as absent. */
const GIT_TIMEOUT_MS = 5_000;

export interface Provenance {
  tool: string;
  version: string;
  /** The checked-out commit; null outside a git checkout or without git. */
  commit: string | null;
  /** True when tracked files differ from the commit; null when unknown. */
  dirty: boolean | null;
}

export function toolVersion(root = TOOL_ROOT): string {
  const manifest = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as { version?: unknown };
  return typeof manifest.version === "string" ? manifest.version : "unknown";
}

function git(root: string, args: string[], env: NodeJS.ProcessEnv): string | null {
  try {
    return execFileSync("git", ["-C", root, ...args], {
      encoding: "utf8",
      timeout: GIT_TIMEOUT_MS,
      stdio: ["ignore", "pipe", "ignore"],
      env,
    }).trim();
  } catch {
    // No git, not a checkout, or git refused (an unsafe-directory owner check): no commit to name.
    return null;
  }
}

export function provenance(root = TOOL_ROOT, env: NodeJS.ProcessEnv = process.env): Provenance {
  const commit = git(root, ["rev-parse", "--verify", "HEAD"], env);
  const valid = commit !== null && /^[0-9a-f]{40,64}$/.test(commit);
  const status = valid ? git(root, ["status", "--porcelain", "--untracked-files=no"], env) : null;
  return { tool: TOOL_NAME, version: toolVersion(root), commit: valid ? commit : null, dirty: status === null ? null : status !== "" };
}

/** What --version prints: `trail-lab 0.1.0 (commit 1f0c…, modified)`, or without the commit outside a checkout. */
export function versionLine(p: Provenance = provenance()): string {
  if (p.commit === null) return `${p.tool} ${p.version} (no git commit: not a git checkout, or git is not installed)\n`;
  return `${p.tool} ${p.version} (commit ${p.commit}${p.dirty ? ", with local changes" : ""})\n`;
}
