// `npm run verify` as a user runs it: a child process, the standard AWS environment pointing at
// the local servers, dummy credentials; stdout holds only the result.
import { expect } from "chai";
import { startCloudTrailServer, trailArn, type LocalCloudTrail } from "../support/cloudtrail-server";
import { startS3Server, type LocalS3 } from "../support/s3-server";
import { buildTrailWorld, type TrailWorld } from "../support/trail-world";
import { runVerifyCli, type CliRun } from "../support/verify-cli";

describe("verify: the npm run verify command", () => {
  let s3: LocalS3;
  let ct: LocalCloudTrail;
  let world: TrailWorld;

  before(async () => {
    s3 = await startS3Server();
    ct = await startCloudTrailServer();
    world = await buildTrailWorld(s3, ct, "audit-logs-cli", { busyFolder: false });
  });
  after(async () => {
    await s3.close();
    await ct.close();
  });

  const run = (args: string[], viaNpm = false): Promise<CliRun> => runVerifyCli(args, { s3: s3.endpoint, cloudTrail: ct.endpoint }, viaNpm);

  const base = () => ["--trail", "my-logs-trail", "--regions", "us-east-1,eu-west-1", "--since", world.since.toISOString(), "--interval", "0.05", "--timeout", "0"];

  it("prints exactly one JSON object with the evidence and exits 0 (npm run -s verify -- ... --json)", async () => {
    const { code, stdout, stderr } = await run([...base(), "--resource", world.instanceId, "--json"], true);
    expect(code, stderr).to.equal(0);
    const evidence = JSON.parse(stdout);
    expect(Object.keys(evidence)).to.deep.equal(["verified", "trail", "s3", "eventHistory", "event", "engine", "athena"]);
    expect(evidence.engine).to.equal("s3");
    expect(evidence.athena).to.equal(null);
    expect(evidence.verified).to.equal(true);
    expect(evidence.trail).to.deep.equal({
      name: "my-logs-trail",
      arn: trailArn(world.trail),
      isLogging: true,
      bucket: "audit-logs-cli",
      prefix: "lab",
      latestDeliveryTime: world.trail.latestDeliveryTime!.toISOString(),
      latestDeliveryError: null,
    });
    expect(Object.keys(evidence.s3)).to.have.members(["bucket", "found", "key", "eventId", "eventTime", "foundAt", "objectsScanned", "bytesScanned", "bytesDownloaded", "skipped"]);
    expect(evidence.s3).to.include({ found: true, key: world.targetKey, eventId: world.target.eventID, objectsScanned: world.logKeys.length });
    expect(evidence.s3.skipped).to.have.length(3);
    expect(Object.keys(evidence.eventHistory)).to.deep.equal(["found", "eventId", "eventTime", "username", "foundAt"]);
    expect(evidence.eventHistory).to.deep.include({ found: true, eventId: world.target.eventID, eventTime: world.target.eventTime });
    expect(evidence.event).to.deep.equal(world.target);
    expect(stderr).to.match(/round 1, \d+m\d\ds elapsed: \d+ objects/);
  });

  it("prints a human summary without --json", async () => {
    const { code, stdout } = await run([...base(), "--resource", world.instanceId, "--no-event-history"]);
    expect(code).to.equal(0);
    expect(stdout).to.match(/^VERIFIED: RunInstances in trail my-logs-trail/);
    expect(stdout).to.include(`s3://audit-logs-cli/${world.targetKey}`).and.include("Event History: not consulted");
  });

  it("exits 1 with the evidence when the event is not found by the deadline", async () => {
    const { code, stdout, stderr } = await run([...base(), "--resource", "i-0fffffffffffffff0", "--json"]);
    expect(code).to.equal(1);
    const evidence = JSON.parse(stdout);
    expect(evidence).to.deep.include({ verified: false, event: null, eventHistory: { found: false, eventId: null, eventTime: null, username: null, foundAt: null } });
    expect(evidence.s3).to.include({ found: false, key: null });
    expect(stderr).to.match(/not verified: No RunInstances for i-0fffffffffffffff0 at or after/);
  });

  it("exits 1 when the trail is not logging", async () => {
    world.trail.isLogging = false;
    try {
      const { code, stdout, stderr } = await run([...base(), "--json"]);
      expect(code).to.equal(1);
      expect(JSON.parse(stdout).trail.isLogging).to.equal(false);
      expect(stderr).to.match(/TrailNotLoggingError: .*start-logging/);
    } finally {
      world.trail.isLogging = true;
    }
  });

  it("exits 2 on bad usage, with nothing on stdout", async () => {
    for (const args of [["--json"], [...base(), "--since", "yesterday"], [...base(), "--interval", "-1"], [...base(), "--bogus"]]) {
      const { code, stdout, stderr } = await run(args);
      expect(code, args.join(" ")).to.equal(2);
      expect(stdout).to.equal("");
      expect(stderr).to.match(/UsageError/);
    }
  });

  it("exits 3 when AWS refuses: trail not found", async () => {
    const { code, stdout, stderr } = await run(["--trail", "nope", "--timeout", "0", "--json"]);
    expect(code).to.equal(3);
    expect(stdout).to.equal("");
    expect(stderr).to.match(/TrailNotFoundError: Trail "nope" was not found in us-east-1/);
  });
});
