import { expect } from "chai";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { isExecutableFile } from "../../common/executable";

describe("common/executable", () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "executable-"));
    fs.writeFileSync(path.join(dir, "runs"), "#!/bin/sh\n", { mode: 0o755 });
    fs.writeFileSync(path.join(dir, "plain"), "text\n", { mode: 0o644 });
    fs.mkdirSync(path.join(dir, "folder"), { mode: 0o755 });
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("is true only for an executable regular file: not a plain file, a folder (executable too) or a missing path", () => {
    expect(["runs", "plain", "folder", "missing"].map((name) => [name, isExecutableFile(path.join(dir, name))])).to.deep.equal([
      ["runs", true],
      ["plain", false],
      ["folder", false],
      ["missing", false],
    ]);
  });
});
