// The bench's counts as its --help says them: plain whole numbers within each flag's range. The
// old parser took Number()'s "0x10" and "1e2", and any size however large.
import { expect } from "chai";
import { main, parseBenchArgs } from "../../bench/cli";
import { UsageError } from "../../common/errors";
import { ExitCode } from "../../common/exit-codes";

describe("bench: flags", () => {
  it("has the documented defaults", () => {
    expect(parseBenchArgs([])).to.include({ megabytes: 300, days: 4, seed: 1, rounds: 5, fresh: false, json: false });
  });

  for (const argv of [
    ["--mb", "0x10"],
    ["--days", "1e2"],
    ["--rounds", "-1"],
    ["--mb", "100001"],
    ["--days", "367"],
    ["--seed", "1.5"],
    ["--rounds", "0"],
  ]) {
    it(`rejects ${argv.join(" ")}, saying what is accepted, exit 2 before any work`, async () => {
      expect(() => parseBenchArgs(argv)).to.throw(
        UsageError,
        new RegExp(
          `^${argv[0]} takes a plain whole number from \\d+ to \\d+; got '${argv[1].replace(".", "\\.")}'\\.\\nRun 'trail-lab bench --help' for the flags\\.$`,
        ),
      );
      const out: string[] = [];
      const err: string[] = [];
      const code = await main(argv, { stdout: (t) => out.push(t), stderr: (t) => err.push(t), signal: new AbortController().signal });
      expect(code).to.equal(ExitCode.Usage);
      expect(out).to.deep.equal([]);
      expect(err.join("").split(" takes a plain whole number").length - 1).to.equal(1);
    });
  }
});
