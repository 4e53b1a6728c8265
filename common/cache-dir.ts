// The one folder, outside the repository, where tests and the bench keep what npm does not hold unpacked
// between runs: ${TRAIL_LAB_CACHE:-$HOME/.cache/trail-lab}/<thing>/<version> (.ci/ uses the same).
import * as os from "node:os";
import * as path from "node:path";

export function cacheDir(thing: string, version: string, env: NodeJS.ProcessEnv = process.env): string {
  const root = env.TRAIL_LAB_CACHE || path.join(env.HOME || os.homedir(), ".cache", "trail-lab");
  return path.join(root, thing, version);
}
