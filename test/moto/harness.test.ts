// The moto harness itself: where it looks for moto and what it says when moto is not there, a
// start-up that fails or hangs (reported, bounded, the process killed), and a server that dies
// with the test process even when that is killed outright.
import { expect } from "chai";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { cachedMotoServer, locateMoto, MotoStartError, pinnedMotoVersion, pythonOf, startMoto } from "./support/moto-server";
import { describeMoto } from "./support/moto-suite";

const root = path.resolve(__dirname, "../..");

/** Running, as opposed to gone or a zombie nobody reaped yet. */
function running(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return !/^\d+ \(.*\) [ZX]/.test(stat);
  } catch {
    return false;
  }
}

async function until(what: string, check: () => boolean, limitMs = 30_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`still waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function refuses(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(false);
    });
    socket.once("error", () => resolve(true));
  });
}

function script(dir: string, name: string, body: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  return file;
}

describe("moto harness: finding moto", () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "moto-find-"))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("reads the pinned version from test/moto/requirements.txt, the file .ci/moto.sh installs", () => {
    expect(pinnedMotoVersion()).to.match(/^\d+\.\d+\.\d+$/);
    const ci = fs.readFileSync(path.join(root, ".ci/moto.sh"), "utf8");
    expect(ci).to.include("test/moto/requirements.txt");
    expect(cachedMotoServer({ TRAIL_LAB_CACHE: "/c" })).to.equal(`/c/moto/${pinnedMotoVersion()}/bin/moto_server`);
    expect(cachedMotoServer({ HOME: "/home/dev" })).to.equal(`/home/dev/.cache/trail-lab/moto/${pinnedMotoVersion()}/bin/moto_server`);
  });

  it("prefers TRAIL_LAB_MOTO, then the pinned version in the cache, never another moto on PATH; says how to install it", () => {
    const fake = script(dir, "moto_server", "exit 0");
    expect(locateMoto({ TRAIL_LAB_MOTO: fake, PATH: "/nonexistent" })).to.deep.equal({ found: true, server: fake });
    expect(locateMoto({ TRAIL_LAB_CACHE: dir, PATH: dir }).found, "a moto_server on PATH").to.equal(false);
    const cached = cachedMotoServer({ TRAIL_LAB_CACHE: dir });
    fs.mkdirSync(path.dirname(cached), { recursive: true });
    fs.copyFileSync(fake, cached);
    expect(locateMoto({ TRAIL_LAB_CACHE: dir, PATH: "/nonexistent" })).to.deep.equal({ found: true, server: cached });

    const wrong = locateMoto({ TRAIL_LAB_MOTO: path.join(dir, "nope"), TRAIL_LAB_CACHE: dir });
    expect(wrong).to.deep.equal({
      found: false,
      reason: `TRAIL_LAB_MOTO=${path.join(dir, "nope")} is not an executable file; install it with: bash .ci/moto.sh`,
    });
    const none = locateMoto({ TRAIL_LAB_CACHE: path.join(dir, "empty"), PATH: "/nonexistent" });
    expect(none.found).to.equal(false);
    expect(!none.found && none.reason).to.equal(
      `no moto_server at ${cachedMotoServer({ TRAIL_LAB_CACHE: path.join(dir, "empty") })} and TRAIL_LAB_MOTO is not set (and there is no python3 to install it with); install it with: bash .ci/moto.sh`,
    );
  });

  it("runs a venv's moto_server through its Python (to watch stdin), anything else as it is", () => {
    const python = script(dir, "python3", "exit 0");
    const venvScript = path.join(dir, "moto_server");
    fs.writeFileSync(venvScript, `#!${python}\nimport sys\n`, { mode: 0o755 });
    expect(pythonOf(venvScript)).to.equal(python);
    expect(pythonOf(script(dir, "other", "exit 0"))).to.equal(null);
    expect(pythonOf(path.join(dir, "missing"))).to.equal(null);
  });
});

describe("moto harness: a start-up that fails", function () {
  this.timeout(60_000);
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "moto-start-"))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("a server that exits at once: MotoStartError with what it printed", async () => {
    const broken = script(dir, "moto_server", "echo 'ModuleNotFoundError: No module named flask' >&2; exit 3");
    const err = await startMoto(broken).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(MotoStartError);
    expect((err as Error).message)
      .to.match(/exited \(code 3\) before answering on port \d+/)
      .and.include("No module named flask");
  });

  it("a server that never answers: MotoStartError at the deadline, and it is killed with what it started", async () => {
    const pidFile = path.join(dir, "pids");
    const silent = script(dir, "moto_server", `sleep 600 >/dev/null 2>&1 & echo $! > ${pidFile}; echo $$ >> ${pidFile}; exec sleep 600`);
    const err = await startMoto(silent, { startTimeoutMs: 1_500 }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(MotoStartError);
    expect((err as Error).message).to.match(/did not answer on port \d+ by the deadline/);
    const pids = fs.readFileSync(pidFile, "utf8").trim().split("\n").map(Number);
    expect(pids).to.have.length(2);
    for (const pid of pids) await until(`pid ${pid} to be gone`, () => !running(pid), 10_000);
  });
});

describeMoto("moto harness: a running server", (moto) => {
  it("answers the real SDK through AWS_ENDPOINT_URL, as the product's clients are configured", async () => {
    const env = moto.env();
    const saved = process.env.AWS_ENDPOINT_URL;
    process.env.AWS_ENDPOINT_URL = env.AWS_ENDPOINT_URL;
    const sts = new STSClient({
      region: "us-east-1",
      credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID!, secretAccessKey: env.AWS_SECRET_ACCESS_KEY! },
      maxAttempts: 1,
    });
    try {
      const identity = await sts.send(new GetCallerIdentityCommand({}));
      expect(identity.Account).to.equal("123456789012");
    } finally {
      sts.destroy();
      if (saved === undefined) delete process.env.AWS_ENDPOINT_URL;
      else process.env.AWS_ENDPOINT_URL = saved;
    }
  });

  it("a second server gets its own port; stop ends the process and frees the port", async () => {
    const location = locateMoto();
    if (!location.found) throw new Error(location.reason);
    const other = await startMoto(location.server);
    expect(other.port).to.not.equal(moto.server.port);
    expect(running(other.pid)).to.equal(true);
    await other.stop();
    expect(running(other.pid)).to.equal(false);
    expect(await refuses(other.port)).to.equal(true);
  });

  it("dies with the test process even when that is killed with SIGKILL (no orphan)", async () => {
    const location = locateMoto();
    if (!location.found) throw new Error(location.reason);
    const holder = spawn(
      process.execPath,
      [
        "-r",
        "ts-node/register/transpile-only",
        "-e",
        `require("./test/moto/support/moto-server").startMoto(process.argv[1]).then((s) => { process.stdout.write(s.pid + "\\n"); setInterval(() => undefined, 1000); });`,
        location.server,
      ],
      { cwd: root, stdio: ["ignore", "pipe", "inherit"] },
    );
    try {
      let out = "";
      holder.stdout.on("data", (d: Buffer) => (out += d.toString()));
      await until("the holder to print moto's pid", () => /^\d+\n/.test(out), 100_000);
      const pid = Number(out.trim());
      expect(running(pid)).to.equal(true);
      holder.kill("SIGKILL");
      await until(`moto (pid ${pid}) to exit after its parent was killed`, () => !running(pid), 20_000);
    } finally {
      holder.kill("SIGKILL");
    }
  });
});
