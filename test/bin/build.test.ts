// The install-time build (bin/build.js, npm ci's `prepare`) and the launcher's promise that a stale
// build never runs: in a copy of the launcher and the builder beside a one-file command, an edited,
// added or removed source is built again (or its output removed) before the command runs, and a
// build that cannot be made is a named error with what to run, never the old JavaScript.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { expect } from "chai";
import { ROOT } from "../support/processes/project-node";
import { runChild } from "../support/processes/run-child";

interface Builder {
  ensureBuilt(options?: { force?: boolean }): string[];
  BuildError: new (message: string) => Error;
}

describe("bin/build: the commands' JavaScript, built at install time and never run stale", function () {
  this.timeout(60_000);
  let dir: string;

  /** A checkout of one command: bin/trail-lab.js and bin/build.js copied, bin/dispatch.ts printing `word`. */
  function checkout(word: string, withTypeScript = true) {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "trail-lab-build-"));
    fs.mkdirSync(path.join(dir, "bin"));
    fs.mkdirSync(path.join(dir, "common"));
    for (const file of ["bin/trail-lab.js", "bin/build.js", "tsconfig.json"]) fs.copyFileSync(path.join(ROOT, file), path.join(dir, file));
    if (withTypeScript) {
      fs.mkdirSync(path.join(dir, "node_modules"));
      fs.symlinkSync(path.join(ROOT, "node_modules", "typescript"), path.join(dir, "node_modules", "typescript"));
    }
    writeCommand(word);
  }
  function writeCommand(word: string) {
    fs.writeFileSync(path.join(dir, "common", "word.ts"), `export const WORD: string = ${JSON.stringify(word)};\n`);
    fs.writeFileSync(
      path.join(dir, "bin", "dispatch.ts"),
      'import { WORD } from "../common/word";\nexport async function main(argv: string[]): Promise<number> {\n' +
        '  process.stdout.write(`${WORD} ${argv.join(" ")}\\n`);\n  return 0;\n}\n',
    );
  }
  /** The copy's builder, loaded fresh (its ROOT is the copy). */
  function builder(): Builder {
    const file = path.join(dir, "bin", "build.js");
    delete require.cache[require.resolve(file)];
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the copy's CommonJS builder, loaded by path
    return require(file) as Builder;
  }
  const launch = (...args: string[]) =>
    runChild(process.execPath, [path.join(dir, "bin", "trail-lab.js"), ...args], { cwd: dir, env: process.env });
  /** An edit the stamp sees even within the file system's mtime granularity: the size changes too, and the mtime is moved on. */
  function touchLater(file: string) {
    const later = new Date(fs.statSync(file).mtimeMs + 5_000);
    fs.utimesSync(file, later, later);
  }

  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("prepare builds every source; an edited source is built again before the command runs, so the edit is what runs", async () => {
    checkout("first");
    expect(builder().ensureBuilt({ force: true }).sort()).to.deep.equal(["bin/dispatch.ts", "common/word.ts"]);
    expect((await launch("verify")).stdout).to.equal("first verify\n");
    // Nothing changed: nothing is built.
    expect(builder().ensureBuilt()).to.deep.equal([]);

    writeCommand("second, edited");
    touchLater(path.join(dir, "common", "word.ts"));
    const run = await launch("verify");
    expect(run.stdout, run.stderr).to.equal("second, edited verify\n");
    expect(fs.readFileSync(path.join(dir, "build", "common", "word.js"), "utf8")).to.contain("second, edited");
  });

  it("a removed source's output is removed with it, so it cannot be loaded from build/", () => {
    checkout("first");
    fs.writeFileSync(path.join(dir, "common", "gone.ts"), "export const GONE = 1;\n");
    builder().ensureBuilt({ force: true });
    expect(fs.existsSync(path.join(dir, "build", "common", "gone.js"))).to.equal(true);
    fs.rmSync(path.join(dir, "common", "gone.ts"));
    builder().ensureBuilt();
    expect(fs.existsSync(path.join(dir, "build", "common", "gone.js"))).to.equal(false);
    expect(fs.existsSync(path.join(dir, "build", "common", "gone.js.map"))).to.equal(false);
  });

  it("a stale build without TypeScript to rebuild it: exit 2 and what to run, not the old command", async () => {
    checkout("first");
    builder().ensureBuilt({ force: true });
    fs.rmSync(path.join(dir, "node_modules"), { recursive: true });
    writeCommand("second");
    touchLater(path.join(dir, "common", "word.ts"));
    const run = await launch("verify");
    expect(run.code).to.equal(2);
    expect(run.stdout).to.equal("");
    expect(run.stderr).to.match(/build\/ is older than 2 source file\(s\) \(.*common\/word\.ts/);
    expect(run.stderr).to.contain("run npm ci in");
    expect(run.stderr).to.not.match(/\n\s+at /);
  });

  it("a changed tsconfig.json builds everything again", () => {
    checkout("first");
    builder().ensureBuilt({ force: true });
    touchLater(path.join(dir, "tsconfig.json"));
    expect(builder().ensureBuilt().sort()).to.deep.equal(["bin/dispatch.ts", "common/word.ts"]);
  });
});
