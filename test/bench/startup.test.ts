// The start-up row (bench/startup.ts, #22): each command started fresh through the launcher, its
// answer checked, its CPU, peak RSS and wall time recorded, and merged into the results file with
// --startup-only beside the rows already there.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { expect } from "chai";
import { main } from "../../bench/cli";
import { STARTUP_TARGETS, startupTargets, type StartupResults, type StartupRow } from "../../bench/startup";
import type { Target } from "../../bench/report";

describe("bench: the start-up row", function () {
  this.timeout(120_000);

  it("--startup-only: three commands measured in fresh processes, the one-object verify found its event, merged into the results file", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "trail-lab-startup-test-"));
    const out = path.join(dir, "results.json");
    const kept: Target = { name: "decode-and-match >= 70% of gunzip alone", value: 0.8, threshold: 0.7, met: true };
    const old: Target = { name: "start-up: --version <= 300 ms wall", value: 9999, threshold: 300, met: false };
    fs.writeFileSync(out, JSON.stringify({ rows: ["kept"], targets: [kept, old] }));
    try {
      const stdout: string[] = [];
      const stderr: string[] = [];
      await main(["--startup-only", "--startup-rounds", "1", "--out", out, "--json"], {
        stdout: (t) => stdout.push(t),
        stderr: (t) => stderr.push(t),
        signal: new AbortController().signal,
      });
      const written = JSON.parse(fs.readFileSync(out, "utf8")) as { rows: unknown[]; startup: StartupResults; targets: Target[] };
      expect(JSON.parse(stdout.join(""))).to.deep.equal(written);
      expect(written.rows, stderr.join("")).to.deep.equal(["kept"]);
      expect(written.startup.rows.map((r) => r.id)).to.deep.equal(["version", "verify-help", "verify-one-object"]);
      for (const row of written.startup.rows) {
        expect(row.cpuMs, row.id).to.be.greaterThan(0);
        expect(row.maxRssMB, row.id).to.be.greaterThan(10);
        expect(row.wallMs, row.id).to.be.greaterThan(0);
      }
      // The old start-up targets are replaced, the others kept.
      expect(written.targets.map((t) => t.name)).to.deep.equal([kept.name, ...written.startup.targets.map((t) => t.name)]);
      expect(written.targets.filter((t) => t.name === old.name)).to.have.length(1);
      expect(written.targets.find((t) => t.name === old.name)!.value).to.not.equal(9999);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("judges each target on its own measure: wall for the answers, CPU for the verify, RSS for --version", () => {
    const row = (id: StartupRow["id"], wallMs: number, cpuMs: number, maxRssMB: number): StartupRow => ({
      id,
      command: id,
      wallMs,
      cpuMs,
      maxRssMB,
      rounds: 1,
    });
    const targets = startupTargets([
      row("version", STARTUP_TARGETS.answerWallMs, 5_000, STARTUP_TARGETS.versionRssMB + 1),
      row("verify-help", STARTUP_TARGETS.answerWallMs + 1, 1, 1),
      row("verify-one-object", 60_000, STARTUP_TARGETS.verifyCpuMs, 500),
    ]);
    expect(targets.map((t) => [t.value, t.met])).to.deep.equal([
      [STARTUP_TARGETS.answerWallMs, true],
      [STARTUP_TARGETS.answerWallMs + 1, false],
      [STARTUP_TARGETS.verifyCpuMs, true],
      [STARTUP_TARGETS.versionRssMB + 1, false],
    ]);
  });
});
