// `npm run verify` as a user runs it: a child process, the standard AWS environment pointing at
// the local servers, dummy credentials; stdout holds only the result.
import { Writable } from "node:stream";
import { gzipSync } from "node:zlib";
import { expect } from "chai";
import { FixtureFactory } from "../support/fixtures/cloudtrail-fixtures";
import { startCloudTrailServer, trailArn, type LocalCloudTrail } from "../support/servers/cloudtrail-server";
import { startS3Server, type LocalS3 } from "../support/servers/s3-server";
import type { TrailWorld } from "../support/worlds/trail-world";
import { closeServers, startTrailWorld } from "../support/worlds/local-trail-world";
import { runVerifyCli, type CliRun } from "../support/processes/verify-cli";
import { runCli } from "../../verify/cli";

describe("verify: the npm run verify command", () => {
  let s3: LocalS3;
  let ct: LocalCloudTrail;
  let world: TrailWorld;

  before(async () => ({ s3, ct, world } = await startTrailWorld("audit-logs-cli", { busyFolder: false })));
  after(() => closeServers(s3, ct));

  const run = (args: string[], viaNpm = false): Promise<CliRun> => runVerifyCli(args, { s3: s3.endpoint, cloudTrail: ct.endpoint }, viaNpm);

  const base = () => [
    "--trail",
    "my-logs-trail",
    "--regions",
    "us-east-1,eu-west-1",
    "--since",
    world.since.toISOString(),
    "--interval",
    "0.05",
    "--timeout",
    "0",
  ];

  it("prints exactly one JSON object with the evidence and exits 0 (npm run -s verify -- ... --json)", async () => {
    const { code, stdout, stderr } = await run([...base(), "--resource", world.instanceId, "--json"], true);
    expect(code, stderr).to.equal(0);
    const evidence = JSON.parse(stdout);
    expect(Object.keys(evidence)).to.deep.equal(["verified", "trail", "s3", "eventHistory", "eventCategory", "event", "search", "athena"]);
    expect(evidence.eventCategory).to.equal("Management");
    expect(evidence.search).to.equal("s3");
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
    expect(Object.keys(evidence.s3)).to.have.members([
      "bucket",
      "found",
      "key",
      "eventId",
      "eventTime",
      "foundAt",
      "objectsScanned",
      "bytesScanned",
      "bytesDownloaded",
      "skipped",
    ]);
    expect(evidence.s3).to.include({
      found: true,
      key: world.targetKey,
      eventId: world.target.eventID,
      objectsScanned: world.logKeys.length,
    });
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
    expect(evidence).to.deep.include({
      verified: false,
      event: null,
      eventHistory: { found: false, eventId: null, eventTime: null, username: null, foundAt: null },
    });
    expect(evidence.s3).to.include({ found: false, key: null });
    expect(stderr).to.match(/not verified: No RunInstances for i-0fffffffffffffff0 at or after/);
  });

  it("exits 1 when the trail is not logging", async () => {
    world.trail.isLogging = false;
    try {
      const { code, stdout, stderr } = await run([...base(), "--json"]);
      expect(code).to.equal(1);
      expect(JSON.parse(stdout).trail.isLogging).to.equal(false);
      expect(stderr)
        .to.match(/^Trail "[^"]+" is not logging.*start-logging/m)
        .and.not.match(/TrailNotLoggingError/);
    } finally {
      world.trail.isLogging = true;
    }
  });

  it("exits 2 on bad usage, with nothing on stdout", async () => {
    // Number() and Date() took the hex, the bare "1" (the year 2001) and a timer past 2^31 ms (which Node fires at once).
    const values = [
      ["--timeout", "0x10"],
      ["--timeout", "-5"],
      ["--interval", "2147484"],
      ["--timeout", "1e9"],
      ["--since", "1"],
      ["--since", "2025-01-31"],
      ["--since", "2025-01-31T12:00:00"],
    ];
    for (const args of [
      ["--json"],
      [...base(), "--since", "yesterday"],
      [...base(), "--interval", "-1"],
      [...base(), "--bogus"],
      ...values.map((v) => [...base(), ...v]),
    ]) {
      const { code, stdout, stderr } = await run(args);
      expect(code, args.join(" ")).to.equal(2);
      expect(stdout).to.equal("");
      expect(stderr)
        .to.match(/Run 'trail-lab verify --help' for the flags\./)
        .and.not.match(/UsageError/);
      if (values.some((v) => args.includes(v[1])))
        expect(stderr, args.join(" ")).to.match(/takes (a plain decimal number of seconds|an ISO-8601 date and time with its zone)/);
    }
  });

  it("exits 3 when AWS refuses: trail not found", async () => {
    const { code, stdout, stderr } = await run(["--trail", "nope", "--timeout", "0", "--json"]);
    expect(code).to.equal(3);
    expect(stdout).to.equal("");
    expect(stderr)
      .to.match(/^Trail "nope" was not found in us-east-1/m)
      .and.not.match(/TrailNotFoundError/);
  });
});

describe("verify: a matched record nested too deep to stringify", () => {
  let s3: LocalS3;
  let ct: LocalCloudTrail;
  const f = new FixtureFactory("135792468013", 31);
  const bucket = "audit-logs-deep";
  const now = new Date();
  const target = f.runInstances("us-east-1", new Date(now.getTime() - 20 * 60_000));
  const key = f.logKey("us-east-1", new Date(now.getTime() - 15 * 60_000));
  const LEVELS = 20_000;

  before(async () => {
    s3 = await startS3Server();
    ct = await startCloudTrailServer();
    // Built as text: JSON.stringify of such a record is the very overflow under test.
    const holder = { ...target, requestParameters: { ...(target.requestParameters as object), userData: "__DEEP__" } };
    const deep = `${'{"items":['.repeat(LEVELS)}"ami-0abcdef1234567890"${"]}".repeat(LEVELS)}`;
    const records = [
      ...f.noiseRecords("us-east-1", now, 10).map((r) => JSON.stringify(r)),
      JSON.stringify(holder).replace('"__DEEP__"', deep),
    ];
    await s3.createBucket(bucket);
    await s3.put(bucket, [{ key, body: gzipSync(`{"Records":[${records.join(",")}]}`) }]);
    ct.state.trails.push({ name: "deep-trail", account: f.account, homeRegion: "us-east-1", bucket });
  });
  after(async () => {
    await s3.close();
    await ct.close();
  });

  const args = [
    "--trail",
    "deep-trail",
    "--since",
    new Date(now.getTime() - 60 * 60_000).toISOString(),
    "--no-event-history",
    "--timeout",
    "0",
  ];
  const run = (extra: string[]) => runVerifyCli([...args, ...extra], { s3: s3.endpoint, cloudTrail: ct.endpoint });

  it("--json prints the evidence, the record kept down to a note where it nests too deep", async () => {
    const { code, stdout, stderr } = await run(["--json"]);
    expect(code, stderr).to.equal(0);
    const evidence = JSON.parse(stdout) as {
      verified: boolean;
      s3: { key: string };
      event: { eventID: string; requestParameters: { userData: unknown; instanceType: string } };
    };
    expect(evidence.verified).to.equal(true);
    expect(evidence.s3.key).to.equal(key);
    expect(evidence.event.eventID).to.equal(target.eventID);
    expect(evidence.event.requestParameters.instanceType).to.equal("t3.micro");
    let node: unknown = evidence.event.requestParameters.userData;
    let levels = 0;
    while (typeof node === "object" && node !== null) {
      node = Array.isArray(node) ? node[0] : (node as { items: unknown }).items;
      levels += 1;
    }
    expect(node).to.equal("[nested deeper than 64 levels: left out here; the log file holds the whole record]");
    expect(levels).to.equal(64 - 2);
  });

  it("the human summary prints too", async () => {
    const { code, stdout, stderr } = await run([]);
    expect(code, stderr).to.equal(0);
    expect(stdout).to.match(/^VERIFIED: RunInstances in trail deep-trail/);
    expect(stdout).to.include(`s3://${bucket}/${key} (eventID ${target.eventID}`);
  });
});

/** runCli in this process: flags are refused before any AWS call. */
async function usage(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const sink = (write: (s: string) => void) => new Writable({ write: (chunk: Buffer, _enc, done) => (write(chunk.toString()), done()) });
  const code = await runCli(args, { stdout: sink((s) => (stdout += s)), stderr: sink((s) => (stderr += s)) });
  return { code, stdout, stderr };
}

describe("verify: --concurrency", () => {
  it("takes a whole number from 1 to 512, and refuses anything else as bad usage (exit 2)", async () => {
    for (const value of ["0", "513", "1.5", "many", ""]) {
      const { code, stdout, stderr } = await usage(["--trail", "t", "--concurrency", value]);
      expect(code, value).to.equal(2);
      expect(stdout).to.equal("");
      expect(stderr)
        .to.include(`--concurrency takes a plain whole number from 1 to 512; got '${value}'.\nRun 'trail-lab verify --help' for the flags.`)
        .and.not.include("UsageError");
    }
  });

  it("--engine, the old name of --search, is refused naming --search (exit 2)", async () => {
    const { code, stdout, stderr } = await usage(["--trail", "t", "--engine", "athena"]);
    expect(code).to.equal(2);
    expect(stdout).to.equal("");
    expect(stderr).to.include("--engine is now --search: write --search <value> instead");
  });

  it("goes with the s3 search only", async () => {
    const { code, stderr } = await usage([
      "--trail",
      "t",
      "--search",
      "athena",
      "--workgroup",
      "w",
      "--database",
      "d",
      "--concurrency",
      "8",
    ]);
    expect(code).to.equal(2);
    expect(stderr).to.include("--concurrency sets how many log objects this process reads at once: it goes with --search s3.");
  });
});

describe("verify: a flag the chosen check does not read is refused, never ignored", () => {
  const refused = async (args: string[]) => {
    const run = await usage(["--trail", "t", ...args]);
    expect(run.code, args.join(" ")).to.equal(2);
    expect(run.stdout, args.join(" ")).to.equal("");
    expect(run.stderr, args.join(" ")).to.match(/\nRun 'trail-lab verify --help' for the flags\.\n$/);
    return run.stderr.split("\n")[0];
  };

  it("--posture judges the trail's own bucket: --bucket, --account and --regions are refused, naming --buckets", async () => {
    expect(await refused(["--posture", "--bucket", "other-bucket"])).to.equal(
      "--bucket goes with the event check and --integrity, not with --posture: --posture judges the trail's own bucket; name more with --buckets.",
    );
    expect(await refused(["--posture", "--account", "123456789012"])).to.equal(
      "--account goes with the event check and --integrity, not with --posture.",
    );
    expect(await refused(["--posture", "--regions", "us-east-1"])).to.equal(
      "--regions goes with the event check and --integrity, not with --posture.",
    );
  });

  it("the event check's own flags with --posture or --integrity, and --until without --integrity", async () => {
    const eventOnly = [
      ["--event", "StopLogging"],
      ["--resource", "i-0123456789abcdef0"],
      ["--interval", "5"],
      ["--timeout", "0"],
      ["--concurrency", "8"],
      ["--search", "athena"],
      ["--database", "d"],
      ["--table", "t"],
    ];
    for (const check of ["--posture", "--integrity"])
      for (const [flag, value] of eventOnly)
        expect(await refused([check, flag, value])).to.equal(`${flag} goes with the event check, not with ${check}.`);
    for (const args of [["--since", "2025-01-31T12:00:00Z"], ["--no-event-history"]])
      expect(await refused(["--posture", ...args])).to.equal(`${args[0]} goes with the event check and --integrity, not with --posture.`);
    expect(await refused(["--until", "2025-01-31T12:00:00Z"])).to.equal("--until goes with --integrity, not with the event check.");
    expect(await refused(["--posture", "--until", "2025-01-31T12:00:00Z"])).to.equal("--until goes with --integrity, not with --posture.");
  });

  it("posture's flags with the event check or --integrity; --workgroup with --integrity", async () => {
    for (const check of [[], ["--integrity"]]) {
      const name = check.length ? "--integrity" : "the event check";
      expect(await refused([...check, "--buckets", "b-1"])).to.equal(`--buckets goes with --posture, not with ${name}.`);
      expect(await refused([...check, "--retention-days", "30"])).to.equal(`--retention-days goes with --posture, not with ${name}.`);
      expect(await refused([...check, "--format", "csv"])).to.equal(`--format goes with --posture, not with ${name}.`);
    }
    expect(await refused(["--integrity", "--workgroup", "w"])).to.equal(
      "--workgroup goes with the event check and --posture, not with --integrity.",
    );
  });
});
