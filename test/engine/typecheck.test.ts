// The Node.js language host runs infra/ through ts-node with type-checking on (Pulumi.yaml:
// runtime options typescript: true): a type error stops the program before it declares anything.
// The guard for the "type-checks" half of the preview test in pulumi-cli.test.ts.
import { expect } from "chai";
import * as fs from "node:fs";
import * as path from "node:path";
import { createEngineWorld, type EngineWorld } from "./engine-world";

describe("engine: the language host type-checks infra/ before it runs", function () {
  let world: EngineWorld;

  before(async function () {
    world = createEngineWorld({
      edit: (projectDir) =>
        fs.appendFileSync(path.join(projectDir, "infra", "index.ts"), '\nexport const typeCheckProbe: number = "not a number";\n'),
    });
    await world.pulumiOk(["login", `file://${world.stateDir}`]);
    await world.pulumiOk(["stack", "init", "dev"]);
  });
  after(function () {
    world?.remove();
  });

  it("fails pulumi preview on a type error, naming the file and the TypeScript error, before any resource", async function () {
    const preview = await world.pulumi(["preview"]);
    const output = preview.stdout + preview.stderr;
    expect(preview.code).to.not.equal(0);
    expect(output)
      .to.match(/infra\/index\.ts/)
      .and.match(/TS2322/);
    expect(world.standIn.calls().filter((c) => c.method === "Check" || c.method === "Create")).to.deep.equal([]);
  });
});
