// A profile whose credential_process never answers, as a user meets one (a helper waiting for a
// prompt nobody sees, a hung network call): `sleep 3600` that first writes its pid to a file, so a
// test can tell afterwards whether it is still running. `ignoresTerm` makes it ignore SIGTERM
// (ignored signals stay ignored across exec), so only SIGKILL ends it. Also a helper that answers.
import * as fs from "node:fs";
import * as path from "node:path";

export interface HangingProcess {
  /** The credential_process line. */
  command: string;
  /** Its pid, once it has started; null before. */
  pid(): number | null;
}

export function hangingProcess(dir: string, name: string, options: { ignoresTerm?: boolean } = {}): HangingProcess {
  const pidFile = path.join(dir, `${name}.pid`);
  const trap = options.ignoresTerm ? `trap "" TERM; ` : "";
  return {
    command: `sh -c '${trap}echo $$ > ${pidFile}; exec sleep 3600'`,
    pid: () => {
      const text = fs.existsSync(pidFile) ? fs.readFileSync(pidFile, "utf8").trim() : "";
      return /^\d+$/.test(text) ? Number(text) : null;
    },
  };
}

/** A credential_process that prints the key pair as the AWS CLI's credential_process format wants it. */
export function answeringProcess(key: { accessKeyId: string; secretAccessKey: string }): string {
  const json = JSON.stringify({ Version: 1, AccessKeyId: key.accessKeyId, SecretAccessKey: key.secretAccessKey });
  return `printf '%s' '${json}'`;
}

/** Whether the process is gone (or a zombie, dead and waiting to be reaped). */
export function processGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return true;
  }
  try {
    // /proc/<pid>/stat: "pid (comm) S ..."; Z is a zombie.
    return /\) Z /.test(fs.readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return true;
  }
}

/** Waits, bounded, until the process is gone; true if it went. */
export async function goneWithin(pid: number, ms: number): Promise<boolean> {
  for (const end = Date.now() + ms; !processGone(pid) && Date.now() < end;) await new Promise((r) => setTimeout(r, 50));
  return processGone(pid);
}

/** Waits, bounded, until the process has written its pid; the pid, or null. */
export async function startedWithin(hanging: HangingProcess, ms: number): Promise<number | null> {
  for (const end = Date.now() + ms; hanging.pid() === null && Date.now() < end;) await new Promise((r) => setTimeout(r, 50));
  return hanging.pid();
}

/** A config file with one profile per entry, each with a region and its credential_process. */
export function processProfiles(profiles: Record<string, string>, region = "us-east-1"): string {
  return Object.entries(profiles)
    .map(
      ([name, command]) => `[${name === "default" ? "default" : `profile ${name}`}]\nregion = ${region}\ncredential_process = ${command}\n`,
    )
    .join("\n");
}
