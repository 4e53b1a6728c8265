// Which trail-lab produced an output: package.json's version, and the commit when there is a git
// checkout to ask; without git, or outside a checkout, no commit and no failure.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { expect } from "chai";
import { TOOL_ROOT, provenance, toolVersion } from "../../common/provenance";

describe("common/provenance: the tool version and commit that produced an output", () => {
  const version = (JSON.parse(fs.readFileSync(path.join(TOOL_ROOT, "package.json"), "utf8")) as { version: string }).version;

  it("names package.json's version and, in this checkout, the commit git names", () => {
    let head: string | null = null;
    try {
      head = execFileSync("git", ["-C", TOOL_ROOT, "rev-parse", "HEAD"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
    } catch {
      // A copy without .git: the commit must then be null.
    }
    const p = provenance();
    expect(p).to.deep.include({ tool: "trail-lab", version, commit: head });
    expect(toolVersion()).to.equal(version);
    if (head) expect(p.dirty).to.be.a("boolean");
  });

  it("without git on PATH, or outside a checkout, names no commit and does not fail", () => {
    expect(provenance(TOOL_ROOT, { PATH: "/nonexistent" })).to.deep.equal({ tool: "trail-lab", version, commit: null, dirty: null });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "trail-lab-nogit-"));
    try {
      fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ version: "9.9.9" }));
      expect(provenance(dir, { ...process.env, GIT_CEILING_DIRECTORIES: path.dirname(dir) })).to.deep.equal({
        tool: "trail-lab",
        version: "9.9.9",
        commit: null,
        dirty: null,
      });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
