// Chooses where the lab's Pulumi state lives and which passphrase unlocks its secrets, without
// overriding a choice the user already made.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/** The local state folder inside the project (git-ignored); a file backend writes .pulumi/ under it. */
export const STATE_DIR = ".pulumi-state";

export interface Backend {
  /** Environment for every engine command: PULUMI_BACKEND_URL and the passphrase when chosen here. */
  env: Record<string, string>;
  /** A readable description for messages. */
  description: string;
  /** The local folder to create before the first command, when the default file backend is used. */
  localDir: string | null;
  passphrase: "user" | "empty";
}

/** The account the CLI is logged in to, from `~/.pulumi/credentials.json` (`current`), or null. */
export function loggedInAccount(env: NodeJS.ProcessEnv, home = os.homedir()): string | null {
  const pulumiHome = env.PULUMI_HOME || path.join(home, ".pulumi");
  try {
    const raw = JSON.parse(fs.readFileSync(path.join(pulumiHome, "credentials.json"), "utf8")) as { current?: unknown };
    return typeof raw.current === "string" && raw.current !== "" ? raw.current : null;
  } catch {
    return null;
  }
}

export function chooseBackend(projectDir: string, env: NodeJS.ProcessEnv, home = os.homedir()): Backend {
  const result: Backend = { env: {}, description: "", localDir: null, passphrase: "user" };
  if (env.PULUMI_BACKEND_URL) {
    result.description = `${env.PULUMI_BACKEND_URL} (PULUMI_BACKEND_URL)`;
  } else {
    const account = loggedInAccount(env, home);
    if (account) {
      result.description = `${account} (pulumi login)`;
    } else {
      const dir = path.join(path.resolve(projectDir), STATE_DIR);
      result.localDir = dir;
      result.env.PULUMI_BACKEND_URL = `file://${dir}`;
      result.description = `file://${dir} (local, default)`;
    }
  }
  // A file backend refuses every stack command without a passphrase, even an empty one.
  if (env.PULUMI_CONFIG_PASSPHRASE === undefined && env.PULUMI_CONFIG_PASSPHRASE_FILE === undefined) {
    result.env.PULUMI_CONFIG_PASSPHRASE = "";
    result.passphrase = "empty";
  }
  return result;
}

/** The environment prefix a user types before `pulumi ...` to reach the same backend. */
export function shellPrefix(env: Record<string, string>): string {
  return Object.entries(env)
    .map(([k, v]) => `${k}=${v === "" ? "''" : v}`)
    .join(" ");
}
