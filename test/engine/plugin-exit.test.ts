// The stand-in plugin ends with its engine (#20 item 10): started by a parent that then goes away
// without stopping it (an engine killed mid-run), it exits instead of living on under init.
// No Pulumi CLI needed: a shell plays the engine, starts the plugin as the engine does (through
// the pulumi-resource-aws shim, the engine's address as its argument) and exits once it serves.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { spawn } from "node:child_process";
import { expect } from "chai";
import { goneWithin, processGone } from "../support/credential-process";
import { STANDIN_DIR_VAR } from "./plugin/store";

describe("engine: the stand-in plugin exits when its engine is gone", function () {
  this.timeout(120_000);

  it("its parent killed without stopping it: the plugin exits within seconds, no orphan", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "trail-lab-plugin-exit-"));
    const shim = path.join(__dirname, "plugin", "pulumi-resource-aws");
    try {
      // The shell waits until the plugin prints its port (it serves), then exits: the plugin is reparented.
      const engine = spawn(
        "sh",
        ["-c", `"$0" 127.0.0.1:1 > "$1/port" & echo $!; while [ ! -s "$1/port" ]; do sleep 0.1; done`, shim, dir],
        {
          env: { ...process.env, [STANDIN_DIR_VAR]: dir },
          stdio: ["ignore", "pipe", "inherit"],
        },
      );
      const pid = await new Promise<number>((done) => engine.stdout.once("data", (d: Buffer) => done(Number(d.toString().trim()))));
      await new Promise((done) => engine.on("exit", done));
      expect(fs.readFileSync(path.join(dir, "port"), "utf8")).to.match(/^\d+\n?$/);
      const gone = await goneWithin(pid, 10_000);
      if (!gone) process.kill(pid, "SIGKILL");
      expect(gone, `the plugin (pid ${pid}) outlived its engine`).to.equal(true);
      expect(processGone(pid)).to.equal(true);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
