// Where a Python tool pinned in a requirements file is: the variable that names it, else the
// version the file pins in the cache its .ci/<name>.sh fills (common/cache-dir.ts), never one on
// PATH (whoever's version that is). Missing, the reason says how to install it.
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

export function locatePinnedTool(tool: PinnedTool, env: NodeJS.ProcessEnv = process.env): PinnedToolLocation {
  const install = `install it with: bash .ci/${tool.name}.sh`;
  const named = env[tool.variable];
  if (named) {
    return isExecutableFile(named)
      ? { found: true, path: named }
      : { found: false, reason: `${tool.variable}=${named} is not an executable file; ${install}` };
  }
  const cached = path.join(cacheDir(tool.name, pinnedVersion(tool), env), "bin", tool.executable);
  if (isExecutableFile(cached)) return { found: true, path: cached };
  const python = findOnPath("python3", env) ? "" : " (and there is no python3 to install it with)";
  return { found: false, reason: `no ${tool.executable} at ${cached} and ${tool.variable} is not set${python}; ${install}` };
}
