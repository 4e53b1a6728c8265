// Chooses where the lab's Pulumi state lives and which passphrase unlocks its secrets, without
// overriding a choice the user already made, in the CLI's own order: PULUMI_BACKEND_URL, then
// `pulumi login`, then PULUMI_ACCESS_TOKEN (Pulumi Cloud); only with none of them a local folder.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { redactUrls } from "../../common/redact";

/** The local state folder inside the project (git-ignored); a file backend writes .pulumi/ under it. */
export const STATE_DIR = ".pulumi-state";

export interface Backend {
  /** Environment for every engine command: PULUMI_BACKEND_URL and the passphrase when chosen here. */
  env: Record<string, string>;
  /** A readable description for messages, with any credentials in the URL masked. */
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
  const account = env.PULUMI_BACKEND_URL ? null : loggedInAccount(env, home);
  if (env.PULUMI_BACKEND_URL) {
    result.description = `${redactUrls(env.PULUMI_BACKEND_URL)} (PULUMI_BACKEND_URL)`;
  } else if (account) {
    result.description = `${redactUrls(account)} (pulumi login)`;
  } else if (env.PULUMI_ACCESS_TOKEN) {
    // With no login, the CLI takes a token as Pulumi Cloud (a CI runner's usual set-up); a local
    // folder would die with the runner, and the state of what the run created with it.
    result.description = `${redactUrls(env.PULUMI_API || "https://api.pulumi.com")} (PULUMI_ACCESS_TOKEN)`;
  } else {
    const dir = path.join(path.resolve(projectDir), STATE_DIR);
    result.localDir = dir;
    result.env.PULUMI_BACKEND_URL = `file://${dir}`;
    result.description = `file://${dir} (local, default)`;
  }
  // A file backend refuses every stack command without a passphrase, even an empty one.
  if (env.PULUMI_CONFIG_PASSPHRASE === undefined && env.PULUMI_CONFIG_PASSPHRASE_FILE === undefined) {
    result.env.PULUMI_CONFIG_PASSPHRASE = "";
    result.passphrase = "empty";
  }
  return result;
}
