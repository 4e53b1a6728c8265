// Where a Python tool pinned in a requirements file is (moto, the AWS CLI, the OCSF models,
// Prowler): the variable that names it, else the version the file pins in the cache its
// .ci/<name>.sh fills (common/cache-dir.ts), never one on PATH (whoever's version that is).
// Missing, the reason says how to install it. The bench's integrity row finds the AWS CLI through
// it from build/, so it stands on common/ and automation/ only, never on mocha or test/support.
import * as fs from "node:fs";
import * as path from "node:path";
import { cacheDir } from "../../../common/cache-dir";
import { isExecutableFile } from "../../../common/executable";
import { findOnPath } from "../../../automation/aws/preflight";

export interface PinnedTool {
  /** The cache folder's name and the .ci/<name>.sh that fills it: "prowler". */
  name: string;
  /** The requirement whose version names the venv: "prowler". */
  pin: string;
  requirements: string;
  /** The file under the venv's bin/: "prowler". */
  executable: string;
  /** The variable that names the executable instead: "TRAIL_LAB_PROWLER". */
  variable: string;
}

export type PinnedToolLocation = { found: true; path: string } | { found: false; reason: string };

export function pinnedVersion(tool: PinnedTool): string {
  const escaped = tool.pin.replace(/[.[\]]/g, "\\$&");
  const pin = new RegExp(`^${escaped}==([0-9][0-9A-Za-z.]*)$`, "m").exec(fs.readFileSync(tool.requirements, "utf8"));
  if (!pin) throw new Error(`${tool.requirements} pins no ${tool.pin}==<version>`);
  return pin[1];
}

/** Where .ci/<name>.sh puts the venv's executable. */
export function cachedExecutable(tool: PinnedTool, env: NodeJS.ProcessEnv = process.env, version = pinnedVersion(tool)): string {
  return path.join(cacheDir(tool.name, version, env), "bin", tool.executable);
}

export function locatePinnedTool(tool: PinnedTool, env: NodeJS.ProcessEnv = process.env): PinnedToolLocation {
  const install = `install it with: bash .ci/${tool.name}.sh`;
  const named = env[tool.variable];
  if (named) {
    return isExecutableFile(named)
      ? { found: true, path: named }
      : { found: false, reason: `${tool.variable}=${named} is not an executable file; ${install}` };
  }
  const cached = cachedExecutable(tool, env);
  if (isExecutableFile(cached)) return { found: true, path: cached };
  const python = findOnPath("python3", env) ? "" : " (and there is no python3 to install it with)";
  return { found: false, reason: `no ${tool.executable} at ${cached} and ${tool.variable} is not set${python}; ${install}` };
}
