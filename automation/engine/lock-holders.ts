// Who holds a stack's lock, as a self-managed (DIY) backend names them when it refuses a command
// ("<lock file>: created by <user>@<host> (pid <n>) at <time>", one line a lock), and whether each
// is gone for certain: a Pulumi of this host that no longer runs (a reboot, a container's or CI
// job's end, a kill after the lab let it go). Only then may its lock be cancelled; a holder on
// another host, or a Pulumi still running here, never is. Pulumi Cloud names no holder: none is gone.
import * as fs from "node:fs";
import * as os from "node:os";

export interface LockHolder {
  /** The lock file, as the backend names it (its URL). */
  lock: string;
  user: string;
  host: string;
  pid: number;
  /** When the lock was taken, as the backend wrote it (RFC 3339). */
  at: string;
}

const HOLDER_LINE = /^\s*(\S+): created by (.*)@([^@\s]*) \(pid (\d+)\) at (\S+)\s*$/;

/** The holders a lock refusal names; none when it names none (Pulumi Cloud, another wording). */
export function lockHolders(message: string): LockHolder[] {
  const holders: LockHolder[] = [];
  for (const line of message.split("\n")) {
    const m = HOLDER_LINE.exec(line);
    if (m) holders.push({ lock: m[1], user: m[2], host: m[3], pid: Number(m[4]), at: m[5] });
  }
  return holders;
}

/** What this host can tell about a process: its name, whether it runs, its command line. */
export interface ProcessProbe {
  hostname(): string;
  /** false when no process has the pid (ESRCH); true when one has it, even another user's (EPERM). */
  alive(pid: number): boolean;
  /** The process's command line, or null where it cannot be read (no /proc: not Linux). */
  commandLine(pid: number): string | null;
}

export const THIS_HOST: ProcessProbe = {
  hostname: () => os.hostname(),
  alive(pid) {
    try {
      process.kill(pid, 0);
      return true;
    } catch (error) {
      return (error as NodeJS.ErrnoException).code !== "ESRCH";
    }
  },
  commandLine(pid) {
    try {
      return fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " ").trim();
    } catch {
      return null;
    }
  },
};

/**
 * Why the holder is gone for certain, or null when it may still run: it must be of this host, and
 * its pid must be free, or held by a process whose command line names no pulumi (the pid reused).
 */
export function holderGone(holder: LockHolder, probe: ProcessProbe = THIS_HOST): string | null {
  if (holder.host !== probe.hostname() || !Number.isInteger(holder.pid) || holder.pid <= 0) return null;
  const where = `pulumi pid ${holder.pid} on ${holder.host} (its lock of ${holder.at})`;
  if (!probe.alive(holder.pid)) return `${where} is no longer running`;
  const command = probe.commandLine(holder.pid);
  if (command !== null && !/pulumi/i.test(command)) return `${where} is no longer running: pid ${holder.pid} is now '${command}'`;
  return null;
}

/** Why every holder the refusal names is gone, one phrase each; null when any may still run or none is named. */
export function allHoldersGone(message: string, probe: ProcessProbe = THIS_HOST): string[] | null {
  const holders = lockHolders(message);
  if (holders.length === 0) return null;
  const gone = holders.map((h) => holderGone(h, probe));
  return gone.every((g): g is string => g !== null) ? gone : null;
}
