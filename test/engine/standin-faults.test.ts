// The stand-in provider's fault knobs (control.json) through the real CLI: a create that hangs
// until one Ctrl-C makes the engine cancel it, a create that fails, a delete that fails. What the
// engine then reports and keeps in its checkpoint is what automation/ has to handle.
import { expect } from "chai";
import { engineResources } from "./deployment";
import { createEngineWorld, type CommandResult, type EngineWorld } from "./engine-world";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("engine: the real CLI when the stand-in provider hangs, fails a create, or fails a delete", function () {
  let world: EngineWorld;
  const names = async () => engineResources(await world.exportStack()).map((r) => r.name);

  before(async function () {
    world = createEngineWorld();
    await world.pulumiOk(["login", `file://${world.stateDir}`]);
    await world.pulumiOk(["stack", "init", "dev"]);
  });
  after(function () {
    world?.remove();
  });

  it("a hanging create is pending in the checkpoint, and one SIGINT has the engine cancel it and record the failure", async function () {
    world.standIn.setControl({ hangCreate: ["probe-instance"], hangSeconds: 600 });
    let pid: number | undefined;
    const up = world.pulumi(["up", "--yes"], { onSpawn: (p) => (pid = p) });
    // Bounded: the hang starts once the trail is created, well within the 10-minute command bound.
    for (let i = 0; i < 1200 && !world.standIn.calls().some((c) => c.outcome === "hanging"); i++) await sleep(500);
    const during = await world.exportStack();
    expect(during.deployment.pending_operations?.map((p: any) => [p.type, p.resource.urn.split("::").pop()])).to.deep.equal([
      ["creating", "probe-instance"],
    ]);
    process.kill(pid!, "SIGINT");
    const result: CommandResult = await up;
    expect(result.code).to.not.equal(0);
    expect(result.stdout).to.include("^C received; cancelling");
    expect(world.standIn.calls().map((c) => c.method)).to.include("Cancel");
    expect(Object.values(world.standIn.resources()).map((r) => r.name))
      .to.include("audit-trail")
      .and.not.include("probe-instance");
    const after = await world.exportStack();
    expect(after.deployment.pending_operations ?? []).to.deep.equal([]);
    expect(await names())
      .to.include("audit-trail")
      .and.not.include("probe-instance");
  });

  it("a failed create fails pulumi up with the provider's message and keeps what was created before it", async function () {
    world.standIn.setControl({ failCreate: { "probe-instance": "" } });
    const up = await world.pulumi(["up", "--yes"]);
    expect(up.code).to.not.equal(0);
    expect(up.stdout).to.match(
      /creating EC2 Instance \(probe-instance\): operation error EC2: RunInstances, https response error StatusCode: 500/,
    );
    expect(await names())
      .to.include.members(["audit-logs-bucket", "audit-logs-policy", "audit-trail", "probe-sg"])
      .and.not.include("probe-instance");
    expect(Object.values(world.standIn.resources()).map((r) => r.name))
      .to.include("audit-trail")
      .and.not.include("probe-instance");
  });

  it("a failed delete fails pulumi destroy and keeps that resource; the next destroy removes it", async function () {
    world.standIn.setControl({
      failDelete: {
        "audit-logs-bucket": "deleting S3 Bucket (audit-logs-bucket): BucketNotEmpty: The bucket you tried to delete is not empty",
      },
    });
    const destroy = await world.pulumi(["destroy", "--yes"]);
    expect(destroy.code).to.not.equal(0);
    expect(destroy.stdout).to.include("BucketNotEmpty: The bucket you tried to delete is not empty");
    expect(Object.values(world.standIn.resources()).map((r) => r.name)).to.deep.equal(["audit-logs-bucket"]);
    expect(await names())
      .to.include("audit-logs-bucket")
      .and.not.include("audit-trail");

    world.standIn.setControl({});
    await world.pulumiOk(["destroy", "--yes"]);
    expect(world.standIn.resources()).to.deep.equal({});
    expect(await names()).to.deep.equal([]);
  });
});
