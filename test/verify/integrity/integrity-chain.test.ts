// validateIntegrity on the cases an auditor's check must not get wrong, each against the local S3
// and CloudTrail servers: digests deleted at the start, the end and in the middle of a range; a
// successor never blamed for its invalid predecessor; the AWS CLI's own fixed edge cases (key
// rotation, backfill digests, data after the gzip stream, a range with no digest); an
// organization trail's every account checked; and gaps told apart with Event History's word.
import { DeleteObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { expect } from "chai";
import { integritySummary, type IntegrityResult } from "../../../verify";
import { jsonError } from "../../support/servers/aws-query-json-server";
import { FixtureFactory, logFile } from "../../support/fixtures/cloudtrail-fixtures";
import { trailArn } from "../../support/servers/cloudtrail-server";
import { backfillDigest, DigestChain, iso, listedKey, newSigningKey, putObjects } from "../../support/fixtures/signed-digests";
import { iamUser, trailCall } from "../../support/fixtures/trail-lifecycle";
import { SINCE, T0, type IntegrityWorld } from "../../support/worlds/integrity-world";
import { startIntegrityServers, type IntegrityServers } from "../../support/worlds/integrity-servers";

const HOUR = 3_600_000;
const ACCOUNT = "123456789012";
const logsOf = (digest: { content: Record<string, unknown> }) => (digest.content.logFiles as { s3Object: string }[]).map((l) => l.s3Object);
const startOf = (digest: { content: Record<string, unknown> }) => digest.content.digestStartTime as string;
const endOf = (digest: { content: Record<string, unknown> }) => digest.content.digestEndTime as string;

describe("verify: integrity an auditor can trust (chains, gaps, the AWS CLI's edge cases)", () => {
  let servers: IntegrityServers;
  before(async () => (servers = await startIntegrityServers()));
  after(() => servers.close());
  beforeEach(() => servers.reset());

  const remove = (w: IntegrityWorld, ...keys: string[]) =>
    Promise.all(keys.map((Key) => servers.s3.client.send(new DeleteObjectCommand({ Bucket: w.bucket, Key }))));
  const put = (w: IntegrityWorld, Key: string, Body: Buffer, Metadata?: Record<string, string>) =>
    servers.s3.client.send(new PutObjectCommand({ Bucket: w.bucket, Key, Body, Metadata }));
  const digestFailures = (r: IntegrityResult) => r.failures.filter((f) => f.kind === "digest");

  describe("a deleted digest is found wherever it was in the range", () => {
    it("the oldest: not found where its successor names it, and the start of the range unvouched (was: valid, 2 of 2)", async () => {
      const w = await servers.world();
      await remove(w, w.east[0].key);
      const r = await servers.check(w);
      expect(r.valid).to.equal(false);
      expect(r.failures).to.deep.equal([
        { kind: "digest", bucket: w.bucket, key: w.east[0].key, reason: "not found", listedIn: w.east[1].key },
      ]);
      expect(r.digests).to.deep.equal({ valid: 4, total: 5 });
      expect(r.logs).to.deep.equal({ valid: 8, total: 8 });
      expect(r.gaps).to.deep.equal([
        {
          kind: "missing",
          account: ACCOUNT,
          region: "us-east-1",
          from: iso(SINCE),
          to: startOf(w.east[1]),
          events: [],
          reason: `the previous digest s3://${w.bucket}/${w.east[0].key} is missing; the digests before it in the range are not known (only it names its predecessor)`,
        },
      ]);
    });

    it("the two oldest: the later one named missing (as the AWS CLI names it), the gap reaching back to the range's start", async () => {
      const w = await servers.world();
      await remove(w, w.east[0].key, w.east[1].key);
      const r = await servers.check(w);
      expect(r.valid).to.equal(false);
      expect(r.failures).to.deep.equal([
        { kind: "digest", bucket: w.bucket, key: w.east[1].key, reason: "not found", listedIn: w.east[2].key },
      ]);
      expect(r.digests).to.deep.equal({ valid: 3, total: 4 });
      expect(r.gaps.map((g) => [g.kind, g.from, g.to])).to.deep.equal([["missing", iso(SINCE), startOf(w.east[2])]]);
    });

    it("the newest: the first digest after the range names it, so it is not found either", async () => {
      const w = await servers.world();
      await remove(w, w.east[2].key);
      const r = await servers.check(w);
      expect(r.valid).to.equal(false);
      expect(r.failures).to.deep.equal([
        { kind: "digest", bucket: w.bucket, key: w.east[2].key, reason: "not found", listedIn: w.after.key },
      ]);
      expect(r.digests).to.deep.equal({ valid: 4, total: 5 });
      // The digest after the range is a witness only: neither counted nor its logs read.
      expect(servers.s3.getCounts(w.bucket).has(logsOf(w.after)[0])).to.equal(false);
    });

    it("two in a row in the middle: the later one named, the earlier counted in the gap (aws/aws-cli#7054)", async () => {
      const w = await servers.world({ hours: 5 });
      await remove(w, w.east[1].key, w.east[2].key);
      const r = await servers.check(w);
      expect(r.valid).to.equal(false);
      expect(digestFailures(r)).to.deep.equal([
        { kind: "digest", bucket: w.bucket, key: w.east[2].key, reason: "not found", listedIn: w.east[3].key },
      ]);
      expect(r.gaps).to.have.length(1);
      expect(r.gaps[0]).to.include({ kind: "missing", from: endOf(w.east[0]), to: startOf(w.east[3]) });
      expect(r.gaps[0].reason).to.equal(
        `the previous digest s3://${w.bucket}/${w.east[2].key} is missing, and so, about hourly, are 1 digest(s) before it, which only it names`,
      );
    });
  });

  it("a digest whose stored signature was replaced (content intact) is invalid alone: its successor's signature and logs are still checked", async () => {
    const w = await servers.world();
    const forged = { ...w.east[1].metadata, signature: w.east[0].signature };
    await put(w, w.east[1].key, w.east[1].body, forged);
    const r = await servers.check(w);
    expect(r.valid).to.equal(false);
    expect(r.failures).to.deep.equal([
      {
        kind: "digest",
        bucket: w.bucket,
        key: w.east[1].key,
        reason: "signature verification failed; its 2 log file(s) were not checked",
        listedIn: null,
      },
    ]);
    expect(r.digests).to.deep.equal({ valid: 4, total: 5 });
    expect(r.logs).to.deep.equal({ valid: 8, total: 8 });
    for (const key of logsOf(w.east[2])) expect(servers.s3.getCounts(w.bucket).get(key), key).to.equal(1);
  });

  it("a log with data after its gzip member (zeros, a second member, other bytes) is invalid, as the AWS CLI says since aws/aws-cli#10326", async () => {
    const w = await servers.world();
    const [zeros, member, bytes, crc] = [logsOf(w.east[0])[0], logsOf(w.east[1])[0], logsOf(w.east[2])[0], logsOf(w.west[0])[0]];
    const body = (key: string) => w.logs.find((l) => l.key === key)!.body;
    await put(w, zeros, Buffer.concat([body(zeros), Buffer.alloc(16)]));
    await put(w, member, Buffer.concat([body(member), logFile([])]));
    await put(w, bytes, Buffer.concat([body(bytes), Buffer.from("appended by hand\n")]));
    const flipped = Buffer.from(body(crc));
    flipped[flipped.length - 8] ^= 0xff;
    await put(w, crc, flipped);
    const r = await servers.check(w);
    expect(r.valid).to.equal(false);
    expect(r.logs).to.deep.equal({ valid: 6, total: 10 });
    expect(Object.fromEntries(r.failures.map((f) => [f.key, f.reason]))).to.deep.equal({
      [zeros]: "unexpected data after end of compressed stream",
      [member]: "unexpected data after end of compressed stream",
      [bytes]: "unexpected data after end of compressed stream",
      [crc]: "corrupt gzip: incorrect data check",
    });
  });

  describe("public keys", () => {
    let saved: typeof servers.east.state.publicKeys;
    beforeEach(() => (saved = [...servers.east.state.publicKeys]));
    afterEach(() => (servers.east.state.publicKeys = saved));

    it("a digest signed with the key rotated in just after the range ends finds it: ListPublicKeys asked up to the digests' delivery (aws/aws-cli#10072)", async () => {
      const rotated = newSigningKey();
      const rotation = new Date(T0.getTime() + 3 * HOUR + 5 * 60_000);
      servers.east.state.publicKeys.push(listedKey(rotated, rotation, new Date("2025-06-01T00:00:00Z")));
      const w = await servers.world({ digest: (i) => (i === 2 ? { key: rotated } : {}) });
      const r = await servers.check(w);
      expect(r).to.deep.include({ valid: true, failures: [], digests: { valid: 5, total: 5 } });
      // One listing of us-east-1's keys covered it: the window reaches past the rotation.
      const calls = servers.east.callsOf("ListPublicKeys");
      expect(calls).to.have.length(1);
      expect((calls[0].input as { EndTime: number }).EndTime * 1000).to.be.at.least(rotation.getTime());
    });

    it("a backfill digest is checked with the key valid when it was generated, weeks later; one without its generation time is invalid format", async () => {
      const later = newSigningKey();
      const generatedAt = new Date(T0.getTime() + 30 * 24 * HOUR);
      servers.east.state.publicKeys.push(
        listedKey(later, new Date(generatedAt.getTime() - 24 * HOUR), new Date(generatedAt.getTime() + 24 * HOUR)),
      );
      const w = await servers.world();
      const f = new FixtureFactory(ACCOUNT, 77);
      const chain = new DigestChain(f, later, { name: w.trail.name, homeRegion: "us-east-1", bucket: w.bucket, prefix: "lab" });
      const late = (end: Date) =>
        chain.log("us-east-1", new Date(end.getTime() - 20 * 60_000), logFile(f.noiseRecords("us-east-1", end, 5)));
      const [end1, end2] = [new Date(endOf(w.east[1])), new Date(endOf(w.east[2]))];
      const good = backfillDigest(chain, f, "us-east-1", end1, [late(end1)], { key: later, generatedAt });
      const bare = backfillDigest(chain, f, "us-east-1", end2, [late(end2)], { key: later, generatedAt: null });
      await putObjects(servers.s3, chain.objects);

      const r = await servers.check(w);
      expect(good.key).to.match(/_backfill\.json\.gz$/);
      expect(r.digests).to.deep.equal({ valid: 6, total: 7 });
      expect(r.logs).to.deep.equal({ valid: 11, total: 11 });
      expect(r.failures).to.deep.equal([
        {
          kind: "digest",
          bucket: w.bucket,
          key: bare.key,
          reason:
            "invalid format: a backfill digest without a valid x-amz-meta-backfill-generation-timestamp; its 1 log file(s) were not checked",
          listedIn: null,
        },
      ]);
      // The range's keys first, then the keys around the backfill's generation.
      const windows = servers.east.callsOf("ListPublicKeys").map((c) => (c.input as { StartTime: number }).StartTime * 1000);
      expect(windows).to.have.length(2);
      expect(windows[1]).to.equal(generatedAt.getTime() - HOUR);
    });
  });

  it("an organization trail: every member account's chain is checked beside the trail's own, each named in its gaps", async () => {
    const members = ["210987654321", "345678901234"];
    const w = await servers.world({ orgId: "o-a1b2c3d4e5", memberAccounts: members });
    await remove(w, w.members[0].east[0].key);
    const r = await servers.check(w);
    expect(r.accounts).to.deep.equal([ACCOUNT, ...members]);
    expect(r.digests).to.deep.equal({ valid: 10, total: 11 });
    expect(r.logs).to.deep.equal({ valid: 20, total: 20 });
    expect(r.failures).to.deep.equal([
      { kind: "digest", bucket: w.bucket, key: w.members[0].east[0].key, reason: "not found", listedIn: w.members[0].east[1].key },
    ]);
    expect(r.gaps.map((g) => [g.kind, g.account, g.region])).to.deep.equal([["missing", members[0], "us-east-1"]]);
    expect(integritySummary(r)).to.include(`Gap (digest missing) in account ${members[0]}, us-east-1 from`);
    // --account narrows it to one account's chains.
    const one = await servers.check(w, { account: members[1] });
    expect(one).to.deep.include({ valid: true, accounts: [members[1]], digests: { valid: 3, total: 3 } });
  });

  it("a range with no digest is answered from the range's own day folders, never a listing of the bucket (aws/aws-cli#4250)", async () => {
    const w = await servers.world();
    const r = await servers.check(w, { since: new Date("2025-02-10T00:00:00Z"), until: new Date("2025-02-10T06:00:00Z") });
    expect(r).to.deep.include({ valid: false, reason: "no digest in range", covered: null });
    const lists = servers.s3.requests.filter((q) => q.query.get("list-type") === "2");
    const digestRoot = `lab/AWSLogs/${ACCOUNT}/CloudTrail-Digest/`;
    expect(lists.map((q) => q.query.get("prefix")).sort()).to.deep.equal([
      "lab/AWSLogs/",
      digestRoot,
      `${digestRoot}eu-west-1/2025/02/10/`,
      `${digestRoot}us-east-1/2025/02/10/`,
    ]);
    expect(servers.s3.getCounts(w.bucket).size).to.equal(0);
  });

  describe("gaps told apart, with Event History's word on who", () => {
    const mallory = iamUser(ACCOUNT, "mallory");
    const admin = iamUser(ACCOUNT, "cloud-admin");
    let lookupEvents: (typeof servers.east.handlers)[string];
    beforeEach(() => {
      servers.east.state.events.length = 0;
      lookupEvents = servers.east.handlers.LookupEvents;
    });
    afterEach(() => (servers.east.handlers.LookupEvents = lookupEvents));
    const restarted = () => servers.world({ digest: (i) => (i === 1 ? { restart: true } : {}) });
    const at = (text: string) => new Date(`2025-03-01T${text}Z`);

    it("a restart after StopLogging and StartLogging: kind stopped, the window, the calls and who made them", async () => {
      const w = await restarted();
      const trail = { name: w.trail.name, arn: trailArn(w.trail) };
      const f = new FixtureFactory(ACCOUNT, 11);
      const stop = trailCall(f, "StopLogging", "us-east-1", at("10:52:13"), trail, mallory);
      const start = trailCall(f, "StartLogging", "us-east-1", at("10:58:41"), trail, admin);
      const otherTrail = trailCall(
        f,
        "StopLogging",
        "us-east-1",
        at("10:55:00"),
        { name: "other-trail", arn: "arn:aws:cloudtrail:us-east-1:123456789012:trail/other-trail" },
        mallory,
      );
      servers.east.state.events.push(stop, start, otherTrail);

      const r = await servers.check(w);
      expect(r.valid).to.equal(true);
      expect(r.gaps).to.deep.equal([
        {
          kind: "stopped",
          account: ACCOUNT,
          region: "us-east-1",
          from: endOf(w.east[0]),
          to: startOf(w.east[1]),
          events: [
            { name: "StopLogging", time: "2025-03-01T10:52:13Z", who: mallory.arn, eventId: stop.eventID },
            { name: "StartLogging", time: "2025-03-01T10:58:41Z", who: admin.arn, eventId: start.eventID },
          ],
          reason: `logging was stopped from 2025-03-01T10:52:13Z to 2025-03-01T10:58:41Z by ${mallory.arn}, and started again by ${admin.arn} (the chain restarts at s3://${w.bucket}/${w.east[1].key}: it names no previous digest)`,
        },
      ]);
      // Asked in the trail's home region, by call name, over the gap.
      const asked = servers.east
        .callsOf("LookupEvents")
        .map((c) => (c.input as { LookupAttributes: { AttributeValue: string }[] }).LookupAttributes[0].AttributeValue);
      expect(asked).to.deep.equal(["StopLogging", "StartLogging", "DeleteTrail", "CreateTrail"]);
      expect(integritySummary(r))
        .to.include(`Gap (logging stopped) in us-east-1 from ${endOf(w.east[0])} to ${startOf(w.east[1])}: logging was stopped from`)
        .and.include(`  StopLogging at 2025-03-01T10:52:13Z by ${mallory.arn} (eventID ${stop.eventID})`);
    });

    it("a restart after the trail was deleted and created again: kind recreated, with who did each", async () => {
      const w = await restarted();
      const trail = { name: w.trail.name, arn: trailArn(w.trail) };
      const f = new FixtureFactory(ACCOUNT, 12);
      servers.east.state.events.push(
        trailCall(f, "DeleteTrail", "us-east-1", at("10:50:02"), trail, mallory),
        trailCall(f, "CreateTrail", "us-east-1", at("10:57:30"), trail, admin),
        trailCall(f, "StartLogging", "us-east-1", at("10:57:31"), trail, admin),
      );
      const r = await servers.check(w);
      expect(r.gaps).to.have.length(1);
      expect(r.gaps[0].kind).to.equal("recreated");
      expect(r.gaps[0].events.map((e) => [e.name, e.who])).to.deep.equal([
        ["DeleteTrail", mallory.arn],
        ["CreateTrail", admin.arn],
        ["StartLogging", admin.arn],
      ]);
      expect(r.gaps[0].reason).to.match(
        new RegExp(
          `^the trail was deleted at 2025-03-01T10:50:02Z by ${mallory.arn} and created again at 2025-03-01T10:57:30Z by ${admin.arn} \\(the chain restarts at `,
        ),
      );
    });

    it("Event History refused: the restart is still reported, its reason says why it is unexplained, and the check is not undone", async () => {
      servers.east.handlers.LookupEvents = () =>
        jsonError(
          "AccessDeniedException",
          "User: arn:aws:iam::123456789012:user/auditor is not authorized to perform: cloudtrail:LookupEvents",
        );
      const w = await restarted();
      const r = await servers.check(w);
      expect(r.valid).to.equal(true);
      expect(r.gaps.map((g) => [g.kind, g.events.length])).to.deep.equal([["stopped", 0]]);
      expect(r.gaps[0].reason).to.match(/Event History could not be read in us-east-1: LookupEvents failed \(AccessDeniedException\)/);
      // Not asked at all with eventHistory: false (--no-event-history).
      servers.east.calls.length = 0;
      const quiet = await servers.check(w, { eventHistory: false });
      expect(quiet.gaps[0].reason).to.include("Event History was not asked (--no-event-history)");
      expect(servers.east.callsOf("LookupEvents")).to.have.length(0);
    });
  });
});
