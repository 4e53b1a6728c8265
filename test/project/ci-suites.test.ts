// .ci/suites.sh, which closes CI with one `N passed, N failed` line for every suite it ran: it
// sums each suite's last summary line, and counts a suite that crashed without one as failed.
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { expect } from "chai";
import { ROOT } from "../support/processes/project-node";

function runSuites(lines: string[]): { code: number | null; out: string[] } {
  const script = [`source ${JSON.stringify(path.join(ROOT, ".ci", "suites.sh"))}`, ...lines, "suites_total"].join("\n");
  const result = spawnSync("bash", ["-c", `set -euo pipefail\n${script}`], { encoding: "utf8" });
  return { code: result.status, out: result.stdout.trimEnd().split("\n") };
}

describe(".ci/suites.sh: one closing line for all of CI", () => {
  it("sums the last summary line of each suite, ignoring earlier ones and a word before the colon", () => {
    const { code, out } = runSuites([
      `suite "a" printf '1 passed, 1 failed\\n280 passed, 0 failed\\n'`,
      `suite "b" echo "engine: 7 passed, 0 failed, 2 skipped"`,
    ]);
    expect(code).to.equal(0);
    expect(out.at(-1)).to.equal("287 passed, 0 failed, 2 skipped");
  });

  it("counts a suite with no summary line, or one that exits non-zero after 0 failed, as 1 failed, and exits non-zero", () => {
    const { code, out } = runSuites([
      `suite "ok" echo "3 passed, 0 failed"`,
      `suite "crashed" sh -c "echo starting; exit 2"`,
      `suite "died late" sh -c "echo '4 passed, 0 failed'; exit 3"`,
      `suite "red" sh -c "echo '5 passed, 2 failed'; exit 1"`,
    ]);
    expect(code).to.not.equal(0);
    expect(out.at(-1)).to.equal("12 passed, 4 failed");
    expect(out.join("\n")).to.contain("crashed").and.contain("no summary line, exit code 2");
  });
});
