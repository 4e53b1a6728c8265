// The root hook's check (test/support/processes/leftovers.ts): a process started in the checkout
// and left running is found and named, also once its parent is gone; one that ended is not.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { spawn } from "node:child_process";
import { expect } from "chai";
import { LeftoverProcessesError, leftoverProcesses, leftoversAfter } from "../support/processes/leftovers";
import { goneWithin } from "../support/credential-process";

describe("leftovers: the suites' check that no process of theirs is left", function () {
  this.timeout(30_000);

  it("finds an orphan running in the checkout (reparented, its parent gone), names it, and not once it has ended", async () => {
    const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "trail-lab-leftovers-")));
    try {
      const pid = await orphanSleep(root);
      const found = leftoverProcesses(root);
      expect(found.map((p) => p.pid)).to.deep.equal([pid]);
      expect(found[0].command).to.equal("sleep 60");
      expect(new LeftoverProcessesError(found).message).to.contain(`pid ${pid}: sleep 60`);
      process.kill(pid, "SIGKILL");
      expect(await goneWithin(pid, 5_000)).to.equal(true);
      expect(await leftoversAfter(5_000, root)).to.deep.equal([]);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  it("finds an orphan working in a folder a test made and removed (an engine world's project), outside the checkout", async () => {
    const scratch = path.join(os.tmpdir(), `trail-lab-leftovers-scratch-${process.pid}-`);
    const dir = fs.realpathSync(fs.mkdtempSync(scratch));
    const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "trail-lab-leftovers-root-")));
    try {
      const pid = await orphanSleep(dir);
      fs.rmSync(dir, { recursive: true, force: true });
      expect(leftoverProcesses(root, scratch).map((p) => [p.pid, p.command])).to.deep.equal([[pid, "sleep 60"]]);
      process.kill(pid, "SIGKILL");
      expect(await goneWithin(pid, 5_000)).to.equal(true);
      expect(await leftoversAfter(5_000, root, scratch)).to.deep.equal([]);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  it("does not count the run itself: this mocha and its ancestors work in the checkout too", () => {
    const pids = leftoverProcesses(process.cwd()).map((p) => p.pid);
    expect(pids).to.not.include(process.pid);
    expect(pids).to.not.include(process.ppid);
  });
});

/**
 * A `sleep 60` left running in `cwd` by a shell that exits at once: an orphan, as a forgotten child
 * is. Resolves with its pid once it runs sleep.
 */
async function orphanSleep(cwd: string): Promise<number> {
  const shell = spawn("sh", ["-c", "sleep 60 & echo $!"], { cwd, stdio: ["ignore", "pipe", "ignore"] });
  const pid = await new Promise<number>((done) => shell.stdout.on("data", (d: Buffer) => done(Number(d.toString().trim()))));
  await new Promise((done) => shell.on("exit", done));
  // `$!` is known as soon as the shell forks; the child may still be the shell until its exec of sleep.
  await execedWithin(pid, "sleep", 5_000);
  return pid;
}

/** Waits, bounded, until process `pid` runs `program` (its argv[0]): the fork has exec'd. */
async function execedWithin(pid: number, program: string, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    const argv0 = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0")[0];
    if (argv0 === program) return;
    if (Date.now() >= deadline) throw new Error(`pid ${pid} still runs ${argv0}, not ${program}, after ${ms} ms`);
    await new Promise((done) => setTimeout(done, 20));
  }
}
