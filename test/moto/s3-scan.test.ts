// `npm run verify -- --no-event-history` against moto: the CloudTrail fixtures (real key layout,
// digests and an Insight file beside the logs, broken objects, more than 1000 keys in one folder,
// a key delivered late) put into moto's S3 and into the project's own S3 alike, the trail created
// in moto's CloudTrail. The CLI, a child process pointed at moto by AWS_ENDPOINT_URL, must find
// the same record, skip the same objects and read the same keys, each once, as on the project's
// servers.
import { expect } from "chai";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { StopLoggingCommand, StartLoggingCommand, PutEventSelectorsCommand } from "@aws-sdk/client-cloudtrail";
import { FixtureFactory, logFile } from "../support/fixtures/cloudtrail-fixtures";
import { startCloudTrailServer, trailArn, type LocalCloudTrail } from "../support/servers/cloudtrail-server";
import type { MotoRequest } from "./support/moto-server";
import { copyLogObject } from "../../verify";
import { describeMoto, useAwsEnvironment } from "./support/moto-suite";
import { bothStores, createMotoTrail, motoClients, motoStore, type MotoClients } from "./support/moto-world";
import { startS3Server, type LocalS3 } from "../support/servers/s3-server";
import { buildTrailWorld, type TrailWorld } from "../support/worlds/trail-world";
import { runVerifyCli, type CliRun } from "../support/processes/verify-cli";

const BUCKET = "audit-logs-moto";

/** GetObject requests per key in moto's recording: a GET of a key, with no query but the SDK's x-id=GetObject. */
function motoGets(requests: MotoRequest[], bucket: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const r of requests) {
    const query = [...r.query.entries()].filter(([k, v]) => !(k === "x-id" && v === "GetObject"));
    if (r.method !== "GET" || !r.path.startsWith(`/${bucket}/`) || query.length > 0) continue;
    const key = r.path.slice(bucket.length + 2);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

const lists = (requests: MotoRequest[], bucket: string) =>
  requests.filter((r) => r.method === "GET" && r.path === `/${bucket}` && r.query.get("list-type") === "2");

function evidenceOf(run: CliRun): Record<string, any> {
  expect(run.stdout, run.stderr).to.match(/^\{/);
  return JSON.parse(run.stdout) as Record<string, any>;
}

/** The S3 half without `foundAt`, the wall-clock moment each run first saw the event (a real time, not a fact of the bucket). */
function sameScan(s3: { foundAt?: unknown }): Record<string, unknown> {
  expect(s3.foundAt === null || typeof s3.foundAt === "string", "foundAt is an instant or null").to.equal(true);
  const { foundAt: _moment, ...rest } = s3;
  return rest;
}

describeMoto("moto: the S3 scan of npm run verify -- --no-event-history", (moto) => {
  let local: LocalS3;
  let ct: LocalCloudTrail;
  let clients: MotoClients;
  let world: TrailWorld;

  before(async () => {
    local = await startS3Server();
    ct = await startCloudTrailServer();
    clients = motoClients(moto.server.endpoint);
    world = await buildTrailWorld(bothStores(local, motoStore(clients.s3)), ct, BUCKET);
    await createMotoTrail(clients.cloudTrail, world.trail);
  });
  after(async () => {
    clients?.destroy();
    await local?.close();
    await ct?.close();
  });

  const inMoto = (args: string[]) => runVerifyCli(args, { all: moto.server.endpoint });
  const onProject = (args: string[]) => runVerifyCli(args, { s3: local.endpoint, cloudTrail: ct.endpoint });
  const scan = (extra: string[] = []) => [
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
    "--no-event-history",
    "--json",
    ...extra,
  ];

  it("finds the probe's launch in the same object, skips the same broken ones and reads each log once, as on the project's S3", async () => {
    local.requests.length = 0;
    await moto.server.startRecording();
    const motoRun = await inMoto(scan(["--resource", world.instanceId]));
    const projectRun = await onProject(scan(["--resource", world.instanceId]));
    expect(motoRun.code, motoRun.stderr).to.equal(0);
    expect(projectRun.code, projectRun.stderr).to.equal(0);
    const fromMoto = evidenceOf(motoRun);
    const fromProject = evidenceOf(projectRun);

    expect(sameScan(fromMoto.s3)).to.deep.equal(sameScan(fromProject.s3));
    expect(fromMoto.s3).to.include({
      bucket: BUCKET,
      found: true,
      key: world.targetKey,
      eventId: world.target.eventID,
      objectsScanned: world.logKeys.length,
    });
    expect(fromMoto.s3.skipped.map((s: { key: string }) => s.key)).to.deep.equal(
      [world.broken.corrupt, world.broken.invalidJson, world.broken.noRecords].sort(),
    );
    expect(fromMoto.event).to.deep.equal(world.target);
    expect(fromMoto.eventHistory).to.equal(null);
    // moto's trail status reports as the latest delivery the moment it is asked (it delivers nothing).
    const { latestDeliveryTime, ...motoTrail } = fromMoto.trail;
    expect(Date.parse(latestDeliveryTime)).to.be.greaterThan(world.since.getTime());
    expect({ ...motoTrail, latestDeliveryTime: null }).to.deep.equal({ ...fromProject.trail, latestDeliveryTime: null });

    const recorded = await moto.server.recorded();
    const gets = motoGets(recorded, BUCKET);
    expect([...gets.keys()].sort()).to.deep.equal([...world.logKeys].sort());
    expect([...gets.values()].every((n) => n === 1)).to.equal(true);
    for (const key of world.neverRead) expect(gets.has(key), key).to.equal(false);
    expect([...gets.keys()].sort()).to.deep.equal([...local.getCounts(BUCKET).keys()].sort());
    // The folder of more than 1000 keys took more than one ListObjectsV2 page in moto too.
    expect(world.bigFolderSize).to.be.greaterThan(1000);
    expect(lists(recorded, BUCKET).some((r) => r.query.has("continuation-token"))).to.equal(true);
  });

  it("copyLogObject keeps the matched object byte for byte, read from moto through the standard AWS environment", async () => {
    const dir = mkdtempSync(join(tmpdir(), "moto-copy-"));
    const restore = useAwsEnvironment(moto.env());
    try {
      const file = join(dir, "record.json.gz");
      const { bytes } = await copyLogObject({ bucket: BUCKET, key: world.targetKey, file });
      expect(bytes).to.equal(world.sizes.get(world.targetKey));
      const records = (JSON.parse(gunzipSync(readFileSync(file)).toString("utf8")) as { Records: { eventID: string }[] }).Records;
      expect(records.map((r) => r.eventID)).to.include(world.target.eventID);
    } finally {
      restore();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("without --resource, takes the earliest launch at or after --since in both: the other instance's, not the probe's earlier one", async () => {
    const [fromMoto, fromProject] = (await Promise.all([inMoto(scan()), onProject(scan())])).map(evidenceOf);
    expect(fromMoto.s3.eventId).to.equal(world.other.eventID);
    expect(sameScan(fromMoto.s3)).to.deep.equal(sameScan(fromProject.s3));
    expect(fromMoto.s3.bytesDownloaded).to.equal(world.logKeys.reduce((n, key) => n + world.sizes.get(key)!, 0));
  });

  it("reads the trail's status from moto's CloudTrail: stopped exits 1, an unknown name exits 3, the ARN from another region finds the shadow trail", async () => {
    const arn = trailArn(world.trail);
    await clients.cloudTrail.send(new StopLoggingCommand({ Name: arn }));
    try {
      const stopped = await inMoto(scan());
      expect(stopped.code).to.equal(1);
      expect(evidenceOf(stopped).trail.isLogging).to.equal(false);
      expect(stopped.stderr).to.match(/is not logging.*start-logging/);
    } finally {
      await clients.cloudTrail.send(new StartLoggingCommand({ Name: arn }));
    }
    const unknown = await inMoto(["--trail", "no-such-trail", "--timeout", "0", "--no-event-history", "--json"]);
    expect(unknown.code).to.equal(3);
    expect(unknown.stdout).to.equal("");
    expect(unknown.stderr)
      .to.match(/^Trail "no-such-trail" was not found in us-east-1/m)
      .and.not.match(/TrailNotFoundError/);

    const since = new Date(Date.now() - 60 * 60_000).toISOString();
    const shadow = await inMoto([
      "--trail",
      arn,
      "--region",
      "eu-west-1",
      "--regions",
      "us-east-1",
      "--since",
      since,
      "--timeout",
      "0",
      "--no-event-history",
      "--json",
    ]);
    expect(shadow.code, shadow.stderr).to.equal(0);
    expect(evidenceOf(shadow).trail).to.include({ arn, bucket: BUCKET, prefix: "lab" });
    // Its selectors were read in its home region, the only one that answers GetEventSelectors.
    expect(shadow.stderr).to.not.include("Could not read the event selectors");
  });

  it("warns, once, when moto's event selectors exclude write management events", async () => {
    const arn = trailArn(world.trail);
    await clients.cloudTrail.send(
      new PutEventSelectorsCommand({ TrailName: arn, EventSelectors: [{ ReadWriteType: "ReadOnly", IncludeManagementEvents: true }] }),
    );
    try {
      const since = new Date(Date.now() - 60 * 60_000).toISOString();
      const run = await inMoto([
        "--trail",
        "my-logs-trail",
        "--regions",
        "us-east-1",
        "--since",
        since,
        "--timeout",
        "0",
        "--no-event-history",
        "--json",
      ]);
      const warnings = run.stderr.split("\n").filter((l) => l.startsWith("warning:"));
      expect(warnings).to.have.length(1);
      expect(warnings[0]).to.match(/exclude RunInstances \(a management write event from ec2\.amazonaws\.com\)/);
    } finally {
      await clients.cloudTrail.send(
        new PutEventSelectorsCommand({ TrailName: arn, EventSelectors: [{ ReadWriteType: "All", IncludeManagementEvents: true }] }),
      );
    }
  });
});

describeMoto("moto: late deliveries and organization trails in the S3 scan", (moto) => {
  let clients: MotoClients;
  before(() => (clients = motoClients(moto.server.endpoint)));
  after(() => clients.destroy());
  beforeEach(() => moto.server.reset());

  it("finds an event in a key delivered late that sorts before keys already read, reading nothing twice", async () => {
    const bucket = "audit-logs-late";
    const f = new FixtureFactory("123456789012", 5);
    const now = new Date();
    const instanceId = f.instanceId();
    await motoStore(clients.s3).createBucket(bucket);
    const first = ["M", "N", "P"].map((c, i) => ({
      key: f.logKey("us-east-1", new Date(now.getTime() - (4 - i) * 60_000), { random: c.repeat(16) }),
      body: logFile(f.noiseRecords("us-east-1", now, 50)),
    }));
    await motoStore(clients.s3).put(bucket, first);
    await createMotoTrail(clients.cloudTrail, { name: "late-lab", account: f.account, homeRegion: "us-east-1", bucket });
    const target = f.runInstances("us-east-1", new Date(now.getTime() - 8 * 60_000), instanceId);
    // Stamped before the newest key already read, and with a random part that sorts first.
    const late = { key: f.logKey("us-east-1", new Date(now.getTime() - 6 * 60_000), { random: "A".repeat(16) }), body: logFile([target]) };
    expect(late.key < first[0].key).to.equal(true);

    await moto.server.startRecording();
    let delivery: Promise<void> | undefined;
    const since = new Date(now.getTime() - 20 * 60_000).toISOString();
    const run = await runVerifyCli(
      [
        "--trail",
        "late-lab",
        "--since",
        since,
        "--resource",
        instanceId,
        "--interval",
        "0.2",
        "--timeout",
        "60",
        "--no-event-history",
        "--json",
      ],
      { all: moto.server.endpoint },
      false,
      {
        onStderr: (text) => {
          if (/round 1,/.test(text)) delivery ??= motoStore(clients.s3).put(bucket, [late]);
        },
      },
    );
    await delivery;
    expect(run.code, run.stderr).to.equal(0);
    expect(evidenceOf(run).s3).to.include({ found: true, key: late.key, eventId: target.eventID });
    const recorded = await moto.server.recorded();
    const gets = motoGets(recorded, bucket);
    expect([...gets.keys()].sort()).to.deep.equal([late.key, ...first.map((o) => o.key)].sort());
    expect([...gets.values()].every((n) => n === 1)).to.equal(true);
    // Later rounds list from a StartAfter key inside the look-back window, not from the start.
    const folderLists = lists(recorded, bucket).filter((r) => r.query.get("prefix")?.includes("/CloudTrail/"));
    expect(folderLists.length).to.be.greaterThan(1);
    expect(folderLists.every((r) => (r.query.get("start-after") ?? "") !== "")).to.equal(true);
  });

  it("finds an organization trail's logs under AWSLogs/<o-id>/<account>/ through moto's delimited listing", async () => {
    const bucket = "audit-logs-org";
    const f = new FixtureFactory("123456789012", 8);
    const now = new Date();
    await motoStore(clients.s3).createBucket(bucket);
    const target = f.runInstances("us-east-1", new Date(now.getTime() - 9 * 60_000));
    const key = f.logKey("us-east-1", new Date(now.getTime() - 5 * 60_000), { orgId: "o-a1b2c3d4e5" });
    await motoStore(clients.s3).put(bucket, [{ key, body: logFile([...f.noiseRecords("us-east-1", now, 20), target]) }]);
    await createMotoTrail(clients.cloudTrail, {
      name: "org-trail",
      account: f.account,
      homeRegion: "us-east-1",
      bucket,
      isOrganization: true,
    });
    await moto.server.startRecording();
    const since = new Date(now.getTime() - 60 * 60_000).toISOString();
    const run = await runVerifyCli(["--trail", "org-trail", "--since", since, "--timeout", "0", "--no-event-history", "--json"], {
      all: moto.server.endpoint,
    });
    expect(run.code, run.stderr).to.equal(0);
    expect(evidenceOf(run).s3).to.include({ found: true, key, eventId: target.eventID });
    expect(
      lists(await moto.server.recorded(), bucket).some((r) => r.query.get("delimiter") === "/" && r.query.get("prefix") === "AWSLogs/"),
    ).to.equal(true);
  });
});
