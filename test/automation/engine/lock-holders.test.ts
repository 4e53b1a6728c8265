// Who holds a stack's lock, read from the refusal a DIY backend writes (Pulumi 3.276's
// backend/diy/lock.go: "<lock file>: created by <user>@<host> (pid <n>) at <time>"), and whether
// each holder is gone for certain: judged with a probe of this host's real processes, and with a
// stand-in probe for what a test cannot arrange (another user's process).
import { expect } from "chai";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import * as os from "node:os";
import { once } from "node:events";
import { allHoldersGone, holderGone, lockHolders, THIS_HOST, type LockHolder } from "../../../automation/engine/lock-holders";
import { StackLockedError } from "../../../automation/engine/engine-errors";

const LOCK =
  "file:///home/dev/trail-lab/.pulumi/.pulumi/locks/organization/trail-lab/lab-20261208-0112-k3x9/5f0c2b9e-3d4a-4f7e-9a61-0b2c8d1e7f44.json";

/** The refusal as `pulumi destroy` prints it, one line a lock. */
function refusal(...holders: { user?: string; host: string; pid: number }[]): string {
  return (
    `the stack is currently locked by ${holders.length} lock(s). Either wait for the other process(es) to end or delete the lock file with \`pulumi cancel\`.` +
    holders
      .map(
        (h, i) =>
          `\n  ${LOCK.replace(".json", `${i}.json`)}: created by ${h.user ?? "dev"}@${h.host} (pid ${h.pid}) at 2026-12-08T01:12:44Z`,
      )
      .join("")
  );
}

/** A pid no process holds: a child's, after it ended. */
function freePid(): number {
  const child = spawnSync("true");
  return child.pid;
}

describe("automation/engine: who holds a stack's lock, and whether it is gone for certain", function () {
  const children: ChildProcess[] = [];
  afterEach(async () => {
    for (const child of children.splice(0)) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGKILL");
        await once(child, "exit");
      }
    }
  });
  /** A `sleep 30` whose argv[0] is `argv0`, once /proc shows it so (bounded), and still running. */
  const running = async (argv0: string) => {
    const child = spawn("sleep", ["30"], { argv0, stdio: "ignore" });
    children.push(child);
    await once(child, "spawn");
    const pid = child.pid!;
    const deadline = Date.now() + 5_000;
    for (let seen = THIS_HOST.commandLine(pid); seen !== `${argv0} 30`; seen = THIS_HOST.commandLine(pid)) {
      if (Date.now() >= deadline || child.exitCode !== null || child.signalCode !== null)
        throw new Error(`pid ${pid} runs '${seen}', not '${argv0} 30' (exit ${child.exitCode}, signal ${child.signalCode})`);
      await new Promise((done) => setTimeout(done, 20));
    }
    return pid;
  };

  it("reads each holder the refusal names; none from a refusal that names none (Pulumi Cloud)", function () {
    expect(lockHolders(refusal({ host: "ci-runner-7", pid: 4242 }, { user: "svc.deploy", host: "laptop.local", pid: 77 }))).to.deep.equal([
      { lock: LOCK.replace(".json", "0.json"), user: "dev", host: "ci-runner-7", pid: 4242, at: "2026-12-08T01:12:44Z" },
      { lock: LOCK.replace(".json", "1.json"), user: "svc.deploy", host: "laptop.local", pid: 77, at: "2026-12-08T01:12:44Z" },
    ]);
    expect(lockHolders("[409] Conflict: Another update is currently in progress.")).to.deep.equal([]);
    expect(allHoldersGone("[409] Conflict: Another update is currently in progress.")).to.equal(null);
  });

  it("a Pulumi of this host whose pid is free is gone; one still running is not; one of another host never is", async function () {
    const host = os.hostname();
    const dead = freePid();
    expect(holderGone({ lock: LOCK, user: "dev", host, pid: dead, at: "2026-12-08T01:12:44Z" })).to.equal(
      `pulumi pid ${dead} on ${host} (its lock of 2026-12-08T01:12:44Z) is no longer running`,
    );
    const live = await running("pulumi");
    const judged = holderGone({ lock: LOCK, user: "dev", host, pid: live, at: "2026-12-08T01:12:44Z" });
    expect(judged, `a live pulumi judged: ${judged}; /proc says '${THIS_HOST.commandLine(live)}'`).to.equal(null);
    expect(holderGone({ lock: LOCK, user: "dev", host: `not-${host}`, pid: dead, at: "2026-12-08T01:12:44Z" }), "another host").to.equal(
      null,
    );
  });

  it("a pid taken since by a process that is not pulumi: gone, naming what runs under the pid now", async function () {
    const host = os.hostname();
    const other = await running("sleep");
    expect(holderGone({ lock: LOCK, user: "dev", host, pid: other, at: "2026-12-08T01:12:44Z" })).to.equal(
      `pulumi pid ${other} on ${host} (its lock of 2026-12-08T01:12:44Z) is no longer running: pid ${other} is now 'sleep 30'`,
    );
  });

  it("another user's process under the pid (EPERM), or a command line that cannot be read, may be the holder: not gone", function () {
    const holder: LockHolder = { lock: LOCK, user: "dev", host: "h", pid: 900, at: "2026-12-08T01:12:44Z" };
    const probe = { hostname: () => "h", alive: () => true, commandLine: () => null };
    expect(holderGone(holder, probe)).to.equal(null);
    expect(THIS_HOST.alive(1), "pid 1 is alive, whoever owns it").to.equal(true);
    expect(holderGone({ ...holder, pid: 0 }, { ...probe, alive: () => false }), "no pid").to.equal(null);
  });

  it("the lock is stale only when every holder is gone; the error then says so, and names the cancel command either way", async function () {
    const host = os.hostname();
    const dead = freePid();
    const live = await running("pulumi");
    const cancel = "PULUMI_BACKEND_URL=file:///home/dev/trail-lab/.pulumi pulumi cancel --yes --stack lab-x";
    const stale = new StackLockedError("lab-x", refusal({ host, pid: dead }), cancel);
    expect(stale.gone).to.deep.equal([`pulumi pid ${dead} on ${host} (its lock of 2026-12-08T01:12:44Z) is no longer running`]);
    expect(stale.message).to.equal(
      `Stack 'lab-x' is locked, and the lock is stale: ${stale.gone![0]}. Remove it with '${cancel}', then run 'npm run lab -- --cleanup lab-x'.`,
    );
    const held = new StackLockedError("lab-x", refusal({ host, pid: dead }, { host, pid: live }), cancel);
    expect(held.gone).to.equal(null);
    expect(held.message).to.include("is locked by another update").and.include(cancel);
  });
});
