// The program through the real Pulumi engine, as a user at a terminal runs it (docs/lab.md, "The stack:
// config and outputs"): `pulumi login` to a file backend, `stack init dev`, `preview`,
// `up --yes`, `stack output --json`, `destroy --yes`, with PULUMI_CONFIG_PASSPHRASE='' and the
// stand-in AWS provider plugin. What the engine builds is held against what the mocks-based tests
// (test/infra/program.test.ts) assert of the same program and config, by running both here.
import { expect } from "chai";
import * as fs from "node:fs";
import * as path from "node:path";
import type { ProgramRun } from "../support/pulumi-program";
import { awsPluginVersion, createEngineWorld, pinnedVersions, type CommandResult, type EngineWorld } from "./engine-world";
import { callIndex, engineResources, placeholders, type EngineResource } from "./deployment";
import { generatedIds, mocksRun, typeNameParent } from "./mocks-run";
import type { Call } from "./plugin/store";

const ROOT = path.resolve(__dirname, "../..");

describe("engine: pulumi preview, up, stack output and destroy of the dev stack", function () {
  let world: EngineWorld;
  let mocks: ProgramRun;

  before(async function () {
    world = createEngineWorld();
    mocks = await mocksRun();
    await world.pulumiOk(["login", `file://${world.stateDir}`]);
    await world.pulumiOk(["stack", "init", "dev"]);
  });
  after(function () {
    world?.remove();
  });

  it("runs the CLI of the release the lockfile's @pulumi/pulumi is", async function () {
    const sdk = JSON.parse(fs.readFileSync(path.join(ROOT, "node_modules/@pulumi/pulumi/package.json"), "utf8"));
    const version = (await world.pulumiOk(["version"])).stdout.trim();
    expect(version, "bump PULUMI_VERSION in test/engine/versions.env and rerun test/engine/build-pulumi.sh").to.equal(`v${sdk.version}`);
    expect(version).to.equal(`v${pinnedVersions().pulumi}`);
  });

  describe("pulumi preview", function () {
    let preview: CommandResult;
    before(async function () {
      preview = await world.pulumiOk(["preview"]);
    });

    it("type-checks and loads main: infra/ under the Node.js language host, and plans a create for each resource the mocks declare", function () {
      expect(preview.stdout).to.match(new RegExp(`\\+ ${mocks.resources.length} to create`));
      for (const r of mocks.resources) expect(preview.stdout, r.name).to.match(new RegExp(` ${r.name} create`));
    });

    it("creates nothing: the provider only checked inputs and answered the data sources the mocks answered", function () {
      const calls = world.standIn.calls();
      expect(new Set(calls.map((c) => c.method))).to.deep.equal(new Set(["Configure", "Check", "Invoke", "Cancel"]));
      expect(new Set(calls.filter((c) => c.method === "Invoke").map((c) => c.token))).to.deep.equal(
        new Set(mocks.invokes.map((i) => i.token)),
      );
      expect(world.standIn.resources()).to.deep.equal({});
    });
  });

  describe("pulumi up --yes", function () {
    let exported: any;
    let resources: EngineResource[];
    let calls: Call[];
    let outputs: Record<string, unknown>;
    before(async function () {
      await world.pulumiOk(["up", "--yes"]);
      exported = await world.exportStack();
      resources = engineResources(exported);
      calls = world.standIn.calls();
      outputs = JSON.parse((await world.pulumiOk(["stack", "output", "--json"])).stdout);
    });

    it("records every resource the mocks-based tests expect: the same types, names and parents", function () {
      expect(resources.map(typeNameParent).sort()).to.deep.equal(mocks.resources.map(typeNameParent).sort());
      expect(resources.length).to.be.greaterThan(20);
      // The engine resolved the stand-in by the version @pulumi/aws asked for.
      const providers = exported.deployment.resources
        .filter((r: any) => r.type === "pulumi:providers:aws")
        .map((r: any) => r.urn.split("::")[3]);
      expect(providers).to.deep.equal([`default_${awsPluginVersion().replace(/\./g, "_")}`]);
    });

    it("gives each resource the inputs it has under mocks, apart from the names and ids AWS and Pulumi generate", function () {
      const engineIds = generatedIds(resources);
      const mockIds = generatedIds(mocks.resources);
      for (const r of resources.filter((x) => x.custom)) {
        const mocked = mocks.named(r.name);
        const inputs = { ...r.inputs };
        // Pulumi's auto-name (`<name>-<7 hex>`) where the program leaves the name out.
        for (const field of ["bucket", "name"]) {
          if (mocked.inputs[field] === undefined && inputs[field] !== undefined) {
            expect(inputs[field], `${r.name}.${field}`).to.match(new RegExp(`^${r.name}-[0-9a-f]{7}$`));
            delete inputs[field];
          }
        }
        expect(placeholders(inputs, engineIds), r.name).to.deep.equal(placeholders(mocked.inputs, mockIds));
      }
    });

    it("keeps every dependsOn the program declares, and the provider created them in that order", function () {
      const edges = mocks.resources.flatMap((r) => r.dependsOn.map((d) => [r.name, d] as const));
      // The orderings program.test.ts asserts; were they lost, this test would check nothing.
      expect(edges).to.deep.include.members([
        ["audit-logs-public-access", "audit-logs-ownership"],
        ["audit-logs-encryption", "audit-logs-public-access"],
        ["audit-logs-versioning", "audit-logs-encryption"],
        ["audit-logs-lifecycle", "audit-logs-versioning"],
        ["audit-trail", "audit-logs-policy"],
        ["probe-instance", "audit-trail"],
      ]);
      const byName = new Map(resources.map((r) => [r.name, r]));
      for (const [dependent, dependency] of edges) {
        expect(byName.get(dependent)?.dependencies, dependent).to.include(dependency);
        const [before, after] = [callIndex(calls, "Create", dependency), callIndex(calls, "Create", dependent)];
        expect(before, `${dependency} created`).to.be.at.least(0);
        expect(after, `${dependent} created after ${dependency}`).to.be.greaterThan(before);
      }
    });

    it("exports the outputs the mocks-based tests expect, with the stand-in's names and ids", function () {
      expect(outputs).to.include.all.keys("bucketName", "trailName", "trailArn", "instanceId", "region", "accountId", "logPrefix");
      expect(placeholders(outputs, generatedIds(resources))).to.deep.equal(placeholders(mocks.outputs, generatedIds(mocks.resources)));
      const bucket = resources.find((r) => r.name === "audit-logs-bucket");
      expect(outputs.bucketName)
        .to.equal(bucket?.outputs.bucket)
        .and.match(/^audit-logs-bucket-[0-9a-f]{7}$/);
      expect(outputs.instanceId).to.match(/^i-[0-9a-f]{17}$/);
    });

    it("holds in the stand-in exactly the checkpoint's custom resources, by id", function () {
      const held = Object.values(world.standIn.resources()).map((r) => `${r.name} ${r.id}`);
      expect(held.sort()).to.deep.equal(
        resources
          .filter((r) => r.custom)
          .map((r) => `${r.name} ${r.id}`)
          .sort(),
      );
    });

    it("changes nothing when the same program runs again (pulumi preview --expect-no-changes)", async function () {
      const before = world.standIn.calls().length;
      await world.pulumiOk(["preview", "--expect-no-changes"]);
      const again = world.standIn.calls().slice(before);
      expect(again.filter((c) => !["Configure", "Check", "Diff", "Invoke", "Cancel"].includes(c.method))).to.deep.equal([]);
      expect(again.filter((c) => c.method === "Diff")).to.have.length(resources.filter((r) => r.custom).length);
    });
  });

  describe("pulumi destroy --yes", function () {
    let standing: EngineResource[];
    let calls: Call[];
    let left: EngineResource[];
    before(async function () {
      standing = engineResources(await world.exportStack());
      const logged = world.standIn.calls().length;
      await world.pulumiOk(["destroy", "--yes"]);
      calls = world.standIn.calls().slice(logged);
      left = engineResources(await world.exportStack());
    });

    it("deletes every resource it created, each before anything it depends on", function () {
      const custom = standing.filter((r) => r.custom);
      const names = new Set(custom.map((r) => r.name));
      expect(new Set(calls.filter((c) => c.method === "Delete" && !c.outcome).map((c) => c.name))).to.deep.equal(names);
      let checked = 0;
      for (const r of custom) {
        for (const dependency of r.dependencies.filter((d) => names.has(d))) {
          expect(callIndex(calls, "Delete", r.name), `${r.name} deleted before ${dependency}`).to.be.lessThan(
            callIndex(calls, "Delete", dependency),
          );
          checked++;
        }
      }
      expect(checked, "dependency edges checked").to.be.greaterThan(10);
    });

    it("leaves nothing in the stand-in's store and no resource in the checkpoint", function () {
      expect(world.standIn.resources()).to.deep.equal({});
      expect(left).to.deep.equal([]);
    });

    it("removes the stack as docs/lab.md says, and keeps Pulumi.dev.yaml, the config the lab starts each run from", async function () {
      const doc = fs.readFileSync(path.join(ROOT, "docs", "lab.md"), "utf8");
      const command = /^pulumi destroy && pulumi (stack rm dev[^\n#]*)/m.exec(doc)?.[1];
      expect(command, "docs/lab.md's terminal section removes the dev stack").to.be.a("string");
      // A terminal would ask to confirm; the test answers as --yes does.
      await world.pulumiOk([...command!.trim().split(/\s+/), "--yes"]);
      expect((await world.pulumi(["stack", "select", "dev"])).stderr).to.include("no stack named 'dev' found");
      expect(fs.existsSync(path.join(world.projectDir, "Pulumi.dev.yaml")), "Pulumi.dev.yaml after stack rm").to.equal(true);
    });
  });
});
