// verify on S3 data events, against the project's S3 and CloudTrail: a trail with the lab's
// advanced selectors, whose log files hold a canary object's PutObject and GetObject (records
// shaped as CloudTrail delivers data events) among management noise, the same calls on a
// look-alike bucket and on another key, and the object's PutObject from before --since. Event
// History holds management events only, as AWS's does: verify must not wait for it.
import { expect } from "chai";
import { verifyTrail, type CloudTrailRecord, type VerifyEvidence } from "../../../verify";
import { concernsResource } from "../../../verify/event/match";
import { FixtureFactory, logFile, type FixtureRecord } from "../../support/fixtures/cloudtrail-fixtures";
import { startCloudTrailServer, trailArn, type FixtureTrail, type LocalCloudTrail } from "../../support/servers/cloudtrail-server";
import { startS3Server, type LocalS3 } from "../../support/servers/s3-server";
import { closeServers } from "../../support/worlds/local-trail-world";
import { runVerifyCli } from "../../support/processes/verify-cli";

const REGION = "us-east-1";
const AUDIT = "audit-logs-bucket-0a1b2c3";
const CANARY = "data-canary-bucket-4d5e6f7";
const KEY = "trail-lab/lab-20261125-221500-3fa9.txt";
const OBJECT_ARN = `arn:aws:s3:::${CANARY}/${KEY}`;
const MINUTE = 60_000;
/** A fixture as the matcher reads records: any JSON object. */
const asRead = (record: object) => record as CloudTrailRecord;

describe("verify: S3 data events (PutObject, GetObject) by the object's ARN or bucket/key", function () {
  let s3: LocalS3;
  let ct: LocalCloudTrail;
  let trail: FixtureTrail;
  let since: Date;
  const f = new FixtureFactory("123456789012", 2501);
  const r: Record<string, FixtureRecord> = {};
  const keys: Record<string, string> = {};
  const progress: string[] = [];

  before(async function () {
    s3 = await startS3Server();
    ct = await startCloudTrailServer({ region: REGION });
    const now = Date.now();
    since = new Date(now - 30 * MINUTE);
    r.early = f.s3ObjectCall("PutObject", REGION, new Date(since.getTime() - 5 * MINUTE), CANARY, KEY);
    r.put = f.s3ObjectCall("PutObject", REGION, new Date(now - 20 * MINUTE), CANARY, KEY, 58);
    r.get = f.s3ObjectCall("GetObject", REGION, new Date(now - 19 * MINUTE), CANARY, KEY, 58);
    r.lookAlike = f.s3ObjectCall("PutObject", REGION, new Date(now - 21 * MINUTE), `${CANARY}-copy`, KEY);
    r.otherKey = f.s3ObjectCall("PutObject", REGION, new Date(now - 22 * MINUTE), CANARY, `${KEY}.bak`);
    // The same object under a longer path in another bucket: its ARN ends with bucket/key.
    r.nested = f.s3ObjectCall("PutObject", REGION, new Date(now - 23 * MINUTE), "audit-logs-other", `${CANARY}/${KEY}`);
    keys.early = f.logKey(REGION, new Date(since.getTime() - 2 * MINUTE));
    keys.calls = f.logKey(REGION, new Date(now - 15 * MINUTE));
    await s3.createBucket(AUDIT);
    await s3.put(AUDIT, [
      { key: keys.early, body: logFile([...f.noiseRecords(REGION, since, 20), r.early]) },
      {
        key: keys.calls,
        body: logFile([...f.noiseRecords(REGION, new Date(now), 40), r.lookAlike, r.otherKey, r.nested, r.get, r.put]),
      },
    ]);
    trail = { name: "my-logs-trail", account: f.account, homeRegion: REGION, bucket: AUDIT, isMultiRegion: true };
    ct.state.trails.push(trail);
    // Event History: management events only, as AWS keeps it.
    ct.state.events.push(...f.noiseRecords(REGION, new Date(now), 20));
  });
  after(() => closeServers(s3, ct));

  const verify = (eventName: string, resource: string, timeoutMs = 0): Promise<VerifyEvidence> =>
    verifyTrail({
      trail: trail.name,
      region: REGION,
      eventName,
      resource,
      since,
      timeoutMs,
      intervalMs: 50,
      clients: { s3: s3.client, cloudTrail: ct.client() },
      onProgress: (line) => progress.push(line),
    });

  it("finds the object's PutObject by its ARN, says Event History is not asked, and never asks it", async function () {
    progress.length = 0;
    const lookups = ct.callsOf("LookupEvents").length;
    const evidence = await verify("PutObject", OBJECT_ARN);
    expect(evidence.verified).to.equal(true);
    expect(evidence.eventCategory).to.equal("Data");
    expect(evidence.eventHistory).to.equal(null);
    expect(evidence.s3).to.include({ found: true, key: keys.calls, eventId: r.put.eventID });
    expect(evidence.event).to.deep.equal(r.put);
    expect(ct.callsOf("LookupEvents").length, "LookupEvents calls").to.equal(lookups);
    expect(progress.join("\n")).to.contain("PutObject is an S3 data event: Event History holds management events only, so it is not asked");
  });

  it("finds the same record by bucket/key, and the GetObject of it, never the look-alike bucket's, the other key's or the nested path's", async function () {
    const put = await verify("PutObject", `${CANARY}/${KEY}`);
    expect(put.s3.eventId).to.equal(r.put.eventID);
    const get = await verify("GetObject", `${CANARY}/${KEY}`);
    expect(get.verified).to.equal(true);
    expect(get.s3.eventId).to.equal(r.get.eventID);
    expect(get.event?.readOnly).to.equal(true);
    for (const other of [r.lookAlike, r.otherKey, r.nested]) {
      expect(concernsResource(asRead(other), `${CANARY}/${KEY}`), other.resources![0].ARN).to.equal(false);
      expect(concernsResource(asRead(other), OBJECT_ARN), other.resources![0].ARN).to.equal(false);
    }
  });

  it("names the object by requestParameters alone too (bucketName and key), as some records carry it", function () {
    const bare = asRead({ ...r.put, resources: undefined });
    expect(concernsResource(bare, `${CANARY}/${KEY}`)).to.equal(true);
    expect(concernsResource(bare, OBJECT_ARN)).to.equal(true);
    expect(concernsResource({ ...bare, requestParameters: { bucketName: CANARY, key: `${KEY}.bak` } }, OBJECT_ARN)).to.equal(false);
    // Another partition's ARN of the same object is the same object.
    expect(concernsResource(asRead(r.put), `arn:aws-cn:s3:::${CANARY}/${KEY}`)).to.equal(true);
    // An instance id is still read as before.
    expect(concernsResource(asRead(r.put), "i-0123456789abcdef0")).to.equal(false);
  });

  it("says why when the data event is not there, without waiting for Event History", async function () {
    progress.length = 0;
    const evidence = await verify("DeleteObject", OBJECT_ARN);
    expect(evidence.verified).to.equal(false);
    expect(evidence.eventCategory).to.equal("Data");
    expect(evidence.eventHistory).to.equal(null);
    const why = progress.find((line) => line.startsWith("not verified:"));
    expect(why).to.contain("DeleteObject is an S3 data event: a trail logs it only when its event selectors");
    expect(why).to.not.contain("nor in Event History");
    expect(why).to.contain(`aws cloudtrail get-event-selectors --trail-name ${trailArn(trail)}`);
  });

  it("npm run verify -- --event PutObject --resource <bucket/key>: verified, and the summary says Event History holds no data events", async function () {
    const { code, stdout, stderr } = await runVerifyCli(
      ["--trail", trail.name, "--event", "PutObject", "--resource", `${CANARY}/${KEY}`, "--since", since.toISOString(), "--timeout", "0"],
      { s3: s3.endpoint, cloudTrail: ct.endpoint },
    );
    expect(code, stderr).to.equal(0);
    expect(stdout).to.match(/^VERIFIED: PutObject in trail my-logs-trail/);
    expect(stdout).to.contain(`S3 log:        s3://${AUDIT}/${keys.calls} (eventID ${r.put.eventID}`);
    expect(stdout).to.contain("Event History: not asked: PutObject is a data event, and Event History holds management events only");
  });
});
