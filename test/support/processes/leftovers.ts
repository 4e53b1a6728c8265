// A mocha root hook (both .mocharc files require this file): when a suite ends, no process started
// from this checkout may still be alive. A process counts as the suite's when its command line
// names the checkout, or it runs in the checkout or in a folder a test made (os.tmpdir()'s
// trail-lab-*, the engine worlds' projects among them, also once removed), and it started after
// this mocha did (so neither mocha's ancestors, npm test and the shell, nor what the shell runs
// beside it count). A child left behind is reparented to init, so descent cannot be asked after
// the fact; where it runs is what ties it to the run. Processes get a grace period to finish their
// own shutdown, then the hook fails naming each one (#20 item 10).
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const ROOT = path.resolve(__dirname, "../../..");
/** The prefix of the folders tests make: a process working in one is the suite's. */
const SCRATCH = path.join(os.tmpdir(), "trail-lab-");
/** How long processes still ending get before they count as left behind. */
const GRACE_MS = 10_000;

export interface Leftover {
  pid: number;
  command: string;
}

/** When a process started, in clock ticks since boot (/proc/<pid>/stat, field 22). */
function startTicks(stat: string): number {
  return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19]);
}

/** This process and its ancestors: the run itself, not what it left. */
function ancestors(): Set<number> {
  const pids = new Set<number>();
  let pid = process.pid;
  for (let depth = 0; depth < 64 && pid > 1 && !pids.has(pid); depth++) {
    pids.add(pid);
    try {
      // The field after the parenthesised command name: state, then the parent's pid.
      const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
      pid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    } catch {
      break;
    }
  }
  return pids;
}

/** Processes of this checkout still alive, other than the run itself (Linux: /proc; elsewhere none are found). */
export function leftoverProcesses(root = ROOT, scratch = SCRATCH): Leftover[] {
  if (!fs.existsSync("/proc/self/cmdline")) return [];
  const own = ancestors();
  const since = startTicks(fs.readFileSync("/proc/self/stat", "utf8"));
  const found: Leftover[] = [];
  for (const entry of fs.readdirSync("/proc")) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || own.has(pid)) continue;
    try {
      const argv = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean);
      if (argv.length === 0) continue; // a zombie, or a kernel thread
      const state = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
      if (state.slice(state.lastIndexOf(")") + 2).startsWith("Z") || startTicks(state) < since) continue;
      let cwd = "";
      try {
        cwd = fs.readlinkSync(`/proc/${pid}/cwd`);
      } catch {
        // Another user's process: its cwd is not ours to read.
      }
      const inCheckout = (p: string) => p === root || p.startsWith(`${root}/`);
      // A removed folder still reads as its path, with " (deleted)" after it.
      if (inCheckout(cwd) || cwd.startsWith(scratch) || argv.some((a) => a.includes(`${root}/`)))
        found.push({ pid, command: argv.join(" ") });
    } catch {
      // Ended while being read.
    }
  }
  return found;
}

/** Waits up to `graceMs` for the leftovers to end; returns those still alive. */
export async function leftoversAfter(graceMs = GRACE_MS, root = ROOT, scratch = SCRATCH): Promise<Leftover[]> {
  const deadline = Date.now() + graceMs;
  let left = leftoverProcesses(root, scratch);
  while (left.length > 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 250));
    left = leftoverProcesses(root, scratch);
  }
  return left;
}

export class LeftoverProcessesError extends Error {
  constructor(left: readonly Leftover[]) {
    super(
      `${left.length} process(es) started from ${ROOT} or in a test's ${SCRATCH}* folder are still alive ${GRACE_MS / 1000} s after the suite ended; ` +
        `each test must stop what it starts (close the server, kill the child and wait for its exit):\n` +
        left.map((p) => `  pid ${p.pid}: ${p.command.slice(0, 300)}`).join("\n"),
    );
    this.name = "LeftoverProcessesError";
  }
}

export const mochaHooks = {
  async afterAll(this: Mocha.Context) {
    this.timeout(GRACE_MS + 30_000);
    const left = await leftoversAfter();
    if (left.length > 0) throw new LeftoverProcessesError(left);
  },
};
