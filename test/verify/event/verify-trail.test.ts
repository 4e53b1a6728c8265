// verifyTrail end to end against a real local S3 (s3rver) and a local CloudTrail JSON server.
import { expect } from "chai";
import {
  AwsCallError,
  ExitCode,
  TrailDeliveryError,
  TrailNotFoundError,
  TrailNotLoggingError,
  VerifyAbortedError,
  verifyTrail,
  type VerifyEvidence,
  type VerifyOptions,
} from "../../../verify";
import { FixtureFactory, logFile } from "../../support/fixtures/cloudtrail-fixtures";
import { startCloudTrailServer, trailArn, type LocalCloudTrail } from "../../support/servers/cloudtrail-server";
import { startS3Server, type LocalS3 } from "../../support/servers/s3-server";
import { rejection } from "../../support/rejection";
import { verifyTargetOf, type TrailWorld } from "../../support/worlds/trail-world";
import { closeServers, startTrailWorld } from "../../support/worlds/local-trail-world";

/** Both ways the log objects' GETs can go: every test here holds for each. */
const GET_PATHS = ["lean", "sdk"] as const;

for (const getPath of GET_PATHS)
  describe(`verify: verifyTrail against local S3 and CloudTrail (${getPath} GETs)`, function () {
    let s3: LocalS3;
    let ct: LocalCloudTrail;
    let world: TrailWorld;
    const bucket = "audit-logs-main";

    before(async () => ({ s3, ct, world } = await startTrailWorld(bucket)));
    after(() => closeServers(s3, ct));
    beforeEach(() => {
      s3.requests.length = 0;
      ct.calls.length = 0;
      ct.state.throttle = {};
    });

    const options = (extra: Partial<VerifyOptions> = {}): VerifyOptions => ({
      ...verifyTargetOf(world),
      intervalMs: 20,
      timeoutMs: 0,
      clients: { s3: s3.client, cloudTrail: ct.client() },
      getPath,
      ...extra,
    });

    // Tests about the trail or Event History rather than the scan read only today's folders.
    const recent = () => new Date(Date.now() - 60 * 60_000);

    it("finds the launch in the logs and in Event History, reading each log once and nothing else", async () => {
      const progress: string[] = [];
      const before = Date.now();
      const evidence = await verifyTrail(options({ onProgress: (line) => progress.push(line) }));
      const after = Date.now();

      expect(evidence.verified).to.equal(true);
      expect(evidence.trail).to.deep.equal({
        name: "my-logs-trail",
        arn: trailArn(world.trail),
        isLogging: true,
        bucket,
        prefix: "lab",
        latestDeliveryTime: world.trail.latestDeliveryTime!.toISOString(),
        latestDeliveryError: null,
      });
      // Delivered twice: one event, evidence from the earlier file.
      expect(evidence.s3).to.include({
        bucket,
        found: true,
        key: world.targetKey,
        eventId: world.target.eventID,
        eventTime: world.target.eventTime,
      });
      expect(evidence.eventHistory).to.deep.include({
        found: true,
        eventId: world.target.eventID,
        eventTime: world.target.eventTime,
        username: "AROAEXAMPLEROLEID:lab-session",
      });
      // When each half first showed it: during this call, Event History after the S3 round it follows.
      expect(Date.parse(evidence.s3.foundAt!)).to.be.within(before, after);
      expect(Date.parse(evidence.eventHistory!.foundAt!)).to.be.within(Date.parse(evidence.s3.foundAt!), after);
      expect(evidence.event).to.deep.equal(world.target);
      expect(evidence.s3.skipped).to.have.deep.members([
        { key: world.broken.corrupt, reason: evidence.s3.skipped.find((s) => s.key === world.broken.corrupt)!.reason },
        { key: world.broken.invalidJson, reason: evidence.s3.skipped.find((s) => s.key === world.broken.invalidJson)!.reason },
        { key: world.broken.noRecords, reason: "no Records array" },
      ]);
      expect(evidence.s3.skipped.find((s) => s.key === world.broken.corrupt)!.reason).to.match(/^corrupt gzip/);
      expect(evidence.s3.skipped.find((s) => s.key === world.broken.invalidJson)!.reason).to.match(/^invalid JSON/);

      const gets = s3.getCounts(bucket);
      expect([...gets.keys()].sort()).to.deep.equal([...world.logKeys].sort());
      expect([...gets.values()].every((n) => n === 1)).to.equal(true);
      for (const key of world.neverRead) expect(gets.has(key), key).to.equal(false);
      expect(evidence.s3.objectsScanned).to.equal(world.logKeys.length);
      expect(world.logKeys.length).to.be.greaterThan(world.bigFolderSize);
      // The big folder took more than one ListObjectsV2 page, continued by token.
      expect(s3.requests.some((r) => r.query.has("continuation-token"))).to.equal(true);

      expect(progress.some((l) => l.startsWith("round 1,") && /objects/.test(l))).to.equal(true);
      expect(ct.callsOf("LookupEvents")[0].input.LookupAttributes).to.deep.equal([
        { AttributeKey: "ResourceName", AttributeValue: world.instanceId },
      ]);
    });

    it("without Event History, counts the bytes it downloaded and skips the launch before --since", async () => {
      const evidence = await verifyTrail(options({ eventHistory: false, resource: undefined }));
      expect(evidence.eventHistory).to.equal(null);
      expect(ct.callsOf("LookupEvents")).to.have.length(0);
      expect(evidence.s3.bytesDownloaded).to.equal(world.logKeys.reduce((n, key) => n + world.sizes.get(key)!, 0));
      expect(evidence.s3.bytesScanned).to.be.greaterThan(evidence.s3.bytesDownloaded);
      // Any instance now: the earliest launch at or after --since is the other instance's, not the
      // probe's earlier launch from before --since.
      expect(evidence.verified).to.equal(true);
      expect(evidence.s3.eventId).to.equal(world.other.eventID);
    });

    it("warns when the trail's selectors exclude write management events", async () => {
      world.trail.eventSelectors = [{ ReadWriteType: "ReadOnly", IncludeManagementEvents: true, DataResources: [] }];
      const lines: string[] = [];
      try {
        await verifyTrail(options({ since: recent(), onProgress: (l) => lines.push(l) }));
      } finally {
        world.trail.eventSelectors = undefined;
      }
      expect(lines.filter((l) => l.startsWith("warning:"))).to.have.length(1);
      expect(lines.find((l) => l.startsWith("warning:"))).to.match(
        /exclude RunInstances \(a management write event from ec2\.amazonaws\.com\)/,
      );
    });

    it("stops at once when the trail is not logging, with the evidence and exit code 1", async () => {
      world.trail.isLogging = false;
      const err = await rejection(verifyTrail(options())).finally(() => (world.trail.isLogging = true));
      expect(err).to.be.instanceOf(TrailNotLoggingError);
      expect((err as TrailNotLoggingError).exitCode).to.equal(ExitCode.CheckFailed);
      expect(err.message).to.match(/aws cloudtrail start-logging/);
      const evidence = (err as TrailNotLoggingError).evidence!;
      expect(evidence.verified).to.equal(false);
      expect(evidence.trail.isLogging).to.equal(false);
      expect(evidence.eventHistory).to.equal(null);
      expect(s3.requests).to.have.length(0);
    });

    it("stops at once on a delivery error, showing it and what to fix", async () => {
      world.trail.latestDeliveryError = "AccessDenied";
      const err = await rejection(verifyTrail(options())).finally(() => (world.trail.latestDeliveryError = undefined));
      expect(err).to.be.instanceOf(TrailDeliveryError);
      expect((err as TrailDeliveryError).exitCode).to.equal(ExitCode.CheckFailed);
      expect(err.message).to.include("AccessDenied").and.include(`s3://${bucket}`).and.include("bucket policy");
      expect((err as TrailDeliveryError).evidence!.trail.latestDeliveryError).to.equal("AccessDenied");
      expect(s3.requests).to.have.length(0);
    });

    it("names a trail it cannot find (exit 3), and an absent bucket (exit 3)", async () => {
      const missing = await rejection(verifyTrail(options({ trail: "no-such-trail" })));
      expect(missing).to.be.instanceOf(TrailNotFoundError);
      expect((missing as TrailNotFoundError).exitCode).to.equal(ExitCode.AwsError);
      expect(ct.callsOf("DescribeTrails")).to.have.length(1);

      const noBucket = await rejection(verifyTrail(options({ bucket: "no-such-bucket-here" })));
      expect(noBucket).to.be.instanceOf(AwsCallError);
      expect((noBucket as AwsCallError).exitCode).to.equal(ExitCode.AwsError);
      expect(noBucket.message)
        .to.match(/NoSuchBucket/)
        .and.match(/s3:\/\/no-such-bucket-here\/\S* does not exist/);
    });

    it("finds a trail by ARN from another region (a shadow trail) through DescribeTrails", async () => {
      const evidence = await verifyTrail(options({ trail: trailArn(world.trail), since: recent(), eventHistory: false }));
      expect(evidence.verified).to.equal(true);
      expect(ct.callsOf("GetTrail")[0].input.Name).to.equal(trailArn(world.trail));
    });

    it("retries throttled LookupEvents with backoff and finds the event", async () => {
      ct.state.throttle.LookupEvents = 2;
      const lines: string[] = [];
      const evidence = await verifyTrail(options({ since: recent(), onProgress: (l) => lines.push(l) }));
      expect(evidence.verified).to.equal(true);
      expect(ct.callsOf("LookupEvents")).to.have.length(3);
      expect(lines.filter((l) => /Event History throttled/.test(l))).to.have.length(2);
    });

    it("resolves unverified at the deadline, saying Event History has the event but S3 does not, with the latest delivery", async () => {
      const f = new FixtureFactory(world.trail.account, 99);
      const unseen = f.runInstances("us-east-1", new Date(Date.now() - 10 * 60_000));
      ct.state.events.push(unseen);
      // Delivery starts failing while verify waits: the final message must show the status as it is then.
      const lookupEvents = ct.handlers.LookupEvents;
      ct.handlers.LookupEvents = (params) => {
        world.trail.latestDeliveryError = "NoSuchBucket";
        return lookupEvents(params);
      };
      const lines: string[] = [];
      const evidence = await verifyTrail(
        options({
          resource: (unseen.responseElements as { instancesSet: { items: { instanceId: string }[] } }).instancesSet.items[0].instanceId,
          since: recent(),
          timeoutMs: 200,
          intervalMs: 30,
          onProgress: (line) => lines.push(line),
        }),
      ).finally(() => {
        ct.handlers.LookupEvents = lookupEvents;
        world.trail.latestDeliveryError = undefined;
      });
      const reason = lines.at(-1)!;
      expect(reason)
        .to.match(/^not verified: Event History in us-east-1 shows RunInstances/)
        .and.include(unseen.eventID);
      expect(reason).to.include(`latest delivery was ${world.trail.latestDeliveryTime!.toISOString()}, with delivery error: NoSuchBucket`);
      expect(evidence).to.deep.include({ verified: false, event: null });
      expect(evidence.trail.latestDeliveryError).to.equal("NoSuchBucket");
      expect(evidence.eventHistory).to.deep.include({ found: true, eventId: unseen.eventID, eventTime: unseen.eventTime });
      expect(evidence.s3).to.include({ found: false, key: null, eventId: null, eventTime: null, foundAt: null });
      expect(evidence.s3.objectsScanned).to.be.greaterThan(0);
      expect(lines.at(-2)).to.match(
        /^deadline, \d+m\d\ds elapsed: \d+ objects, .* scanned \(.* downloaded\); still missing the S3 log record$/,
      );
      // However many rounds re-listed the folders, each log was read once.
      expect([...s3.getCounts(bucket).values()].every((n) => n === 1)).to.equal(true);
    });

    it("ends the wait promptly when aborted", async () => {
      const controller = new AbortController();
      const err = await rejection(
        verifyTrail(
          options({
            since: recent(),
            resource: "i-0000000000000000f",
            timeoutMs: 60_000,
            intervalMs: 60_000,
            signal: controller.signal,
            onProgress: (l) => l.startsWith("round 1") && controller.abort(),
          }),
        ),
      );
      expect(err).to.be.instanceOf(VerifyAbortedError);
      expect((err as VerifyAbortedError).exitCode).to.equal(ExitCode.Interrupted);
      expect((err as VerifyAbortedError).evidence!.s3.objectsScanned).to.be.greaterThan(0);
    });
  });

for (const getPath of GET_PATHS)
  describe(`verify: polling picks up late deliveries without reading anything twice (${getPath} GETs)`, () => {
    let s3: LocalS3;
    let ct: LocalCloudTrail;
    before(async () => {
      s3 = await startS3Server();
      ct = await startCloudTrailServer();
    });
    after(async () => {
      await s3.close();
      await ct.close();
    });

    it("finds an event in a key delivered late that sorts before keys already read", async () => {
      const bucket = "audit-logs-poll";
      const f = new FixtureFactory("210987654321", 5);
      const now = new Date();
      const since = new Date(now.getTime() - 20 * 60_000);
      const instanceId = f.instanceId();
      await s3.createBucket(bucket);
      const first = ["M", "N", "P"].map((c, i) => ({
        key: f.logKey("us-east-1", new Date(now.getTime() - (4 - i) * 60_000), { random: c.repeat(16) }),
        body: logFile(f.noiseRecords("us-east-1", now, 50)),
      }));
      await s3.put(bucket, first);
      ct.state.trails.push({ name: "org-lab", account: f.account, homeRegion: "us-east-1", bucket });
      const target = f.runInstances("us-east-1", new Date(now.getTime() - 8 * 60_000), instanceId);
      ct.state.events.push(target);
      // Stamped before the newest key already read, and with a random part that sorts first.
      const late = {
        key: f.logKey("us-east-1", new Date(now.getTime() - 6 * 60_000), { random: "A".repeat(16) }),
        body: logFile([target]),
      };
      expect(late.key < first[0].key).to.equal(true);

      let delivery: Promise<void> | undefined;
      const lines: string[] = [];
      const evidence: VerifyEvidence = await verifyTrail({
        trail: "org-lab",
        region: "us-east-1",
        since,
        resource: instanceId,
        intervalMs: 20,
        timeoutMs: 15_000,
        clients: { s3: s3.client, cloudTrail: ct.client() },
        getPath,
        onProgress: (line) => {
          lines.push(line);
          delivery ??= s3.put(bucket, [late]);
        },
      });
      await delivery;
      expect(evidence.verified).to.equal(true);
      expect(evidence.s3.key).to.equal(late.key);
      const gets = s3.getCounts(bucket);
      expect([...gets.keys()].sort()).to.deep.equal([late.key, ...first.map((o) => o.key)].sort());
      expect([...gets.values()].every((n) => n === 1)).to.equal(true);
      expect(lines.filter((l) => l.startsWith("round "))).to.have.length.greaterThan(1);
      // Later rounds list from a StartAfter key inside the look-back window, not from the start.
      const lists = s3.requests.filter((r) => r.query.get("list-type") === "2" && r.query.get("prefix")?.includes("/CloudTrail/"));
      expect(lists.length).to.be.greaterThan(1);
      expect(lists.every((r) => (r.query.get("start-after") ?? "") !== "")).to.equal(true);
    });

    it("finds an organization trail's logs under AWSLogs/<o-id>/<account>/", async () => {
      const bucket = "audit-logs-org";
      const f = new FixtureFactory("345678901234", 8);
      const now = new Date();
      await s3.createBucket(bucket);
      const target = f.runInstances("us-east-1", new Date(now.getTime() - 9 * 60_000));
      const key = f.logKey("us-east-1", new Date(now.getTime() - 5 * 60_000), { orgId: "o-a1b2c3d4e5" });
      await s3.put(bucket, [{ key, body: logFile([...f.noiseRecords("us-east-1", now, 20), target]) }]);
      ct.state.trails.push({ name: "org-trail", account: f.account, homeRegion: "us-east-1", bucket, isOrganization: true });
      const evidence = await verifyTrail({
        trail: "org-trail",
        region: "us-east-1",
        since: new Date(now.getTime() - 60 * 60_000),
        eventHistory: false,
        timeoutMs: 0,
        clients: { s3: s3.client, cloudTrail: ct.client() },
        getPath,
      });
      expect(evidence.s3).to.include({ found: true, key, eventId: target.eventID });
      expect(s3.requests.some((r) => r.query.get("delimiter") === "/" && r.query.get("prefix") === "AWSLogs/")).to.equal(true);
    });
  });
