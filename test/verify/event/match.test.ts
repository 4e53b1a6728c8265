// Which records are the event asked for, field by field, without decode in the way: the criteria
// compiled into needles, a record's shape, its time against --since, and each place a record names
// the resource it concerns.
import { expect } from "chai";
import { gzipSync } from "node:zlib";
import { compileCriteria, concernsResource, matchDecoded, recordMatches, scanLogObject } from "../../../verify/event/match";
import type { CloudTrailRecord } from "../../../verify/event/types";

const SINCE = new Date("2025-03-01T10:00:00Z");
const INSTANCE = "i-0123456789abcdef0";

function record(overrides: Partial<CloudTrailRecord> & Record<string, unknown> = {}): CloudTrailRecord {
  return {
    eventVersion: "1.09",
    eventTime: "2025-03-01T10:00:00Z",
    eventSource: "ec2.amazonaws.com",
    eventName: "RunInstances",
    awsRegion: "us-east-1",
    eventID: "6f1c2a3b-0d4e-4f5a-8b6c-7d8e9f0a1b2c",
    ...overrides,
  };
}

describe("verify: match, record by record", () => {
  it("compiles the event name as a JSON string and the resource as itself, the longer needle first", () => {
    const short = compileCriteria({ eventName: "RunInstances", resource: "i-1", since: SINCE });
    expect(short.needles.map(String)).to.deep.equal(['"RunInstances"', "i-1"]);
    const long = compileCriteria({ eventName: "RunInstances", resource: INSTANCE, since: SINCE });
    expect(long.needles.map(String)).to.deep.equal([INSTANCE, '"RunInstances"']);
    expect(long).to.deep.include({ eventName: "RunInstances", resource: INSTANCE, sinceMs: SINCE.getTime() });
    const any = compileCriteria({ eventName: "RunInstances", since: SINCE });
    expect(any.resource).to.equal(null);
    expect(any.needles.map(String)).to.deep.equal(['"RunInstances"']);
    expect(compileCriteria({ eventName: "RunInstances", resource: "", since: SINCE }).needles).to.have.length(1);
  });

  it("needs a string eventName, eventTime and eventID: a record lacking any one is not a record", () => {
    const criteria = compileCriteria({ eventName: "RunInstances", since: SINCE });
    expect(recordMatches(record(), criteria)).to.equal(true);
    for (const field of ["eventName", "eventTime", "eventID"]) {
      expect(recordMatches(record({ [field]: undefined }), criteria), field).to.equal(false);
      expect(recordMatches(record({ [field]: 7 }), criteria), field).to.equal(false);
    }
    // A number would pass as a year to Date.parse: 2030 is "after since" but is no CloudTrail time.
    expect(recordMatches({ ...record(), eventTime: 2030 }, criteria)).to.equal(false);
    for (const notRecord of [null, undefined, "RunInstances", 3, []]) expect(recordMatches(notRecord, criteria)).to.equal(false);
  });

  it("is the event by its exact name, at or after since to the millisecond, and never with a time that does not parse", () => {
    const criteria = compileCriteria({ eventName: "RunInstances", since: SINCE });
    expect(recordMatches(record({ eventName: "runinstances" }), criteria)).to.equal(false);
    expect(recordMatches(record({ eventName: "RunInstancesX" }), criteria)).to.equal(false);
    expect(recordMatches(record({ eventTime: "2025-03-01T10:00:00.000Z" }), criteria)).to.equal(true);
    expect(recordMatches(record({ eventTime: "2025-03-01T09:59:59.999Z" }), criteria)).to.equal(false);
    expect(recordMatches(record({ eventTime: "2025-03-02T00:00:00Z" }), criteria)).to.equal(true);
    expect(recordMatches(record({ eventTime: "garbage" }), criteria)).to.equal(false);
    expect(recordMatches(record({ eventTime: "" }), criteria)).to.equal(false);
  });

  it("finds the resource among the instances a call created or named, or in resources[] by ARN, exactly", () => {
    const created = record({
      responseElements: { instancesSet: { items: [{ instanceId: "i-0fedcba9876543210" }, { instanceId: INSTANCE }] } },
    });
    const named = record({ eventName: "TerminateInstances", requestParameters: { instancesSet: { items: [{ instanceId: INSTANCE }] } } });
    expect(concernsResource(created, INSTANCE)).to.equal(true);
    expect(concernsResource(named, INSTANCE)).to.equal(true);
    expect(concernsResource(record({ resources: [{ ARN: INSTANCE }] }), INSTANCE)).to.equal(true);
    expect(
      concernsResource(record({ resources: [{ ARN: `arn:aws:ec2:us-east-1:111122223333:instance/${INSTANCE}` }] }), INSTANCE),
    ).to.equal(true);
    expect(concernsResource(record({ resources: [{ ARN: "arn:aws:lambda:us-east-1:111122223333:function:probe" }] }), "probe")).to.equal(
      true,
    );
    expect(concernsResource(record({ resources: [{ ARN: "arn:aws:lambda:us-east-1:111122223333:function:probe-2" }] }), "probe")).to.equal(
      false,
    );
    expect(
      concernsResource(record({ resources: [{ ARN: `arn:aws:ec2:us-east-1:111122223333:instance/x${INSTANCE}` }] }), INSTANCE),
    ).to.equal(false);
  });

  it("reads nothing into a record whose instances or resources are not the shape CloudTrail writes", () => {
    const odd = [
      record({ responseElements: null, requestParameters: null }),
      record({ responseElements: { instancesSet: { items: { instanceId: INSTANCE } } } }),
      record({ responseElements: { instancesSet: { items: [null, { instanceId: 7 }, {}] } } }),
      record({ requestParameters: { instancesSet: null } }),
      record({ resources: { ARN: INSTANCE } }),
      record({ resources: [null, { ARN: 7 }, { arn: INSTANCE }] }),
      record({ instanceId: INSTANCE }),
    ];
    for (const r of odd) expect(concernsResource(r, INSTANCE), JSON.stringify(r)).to.equal(false);
  });

  it("with a resource, a record of the event that does not concern it is not the event", () => {
    const criteria = compileCriteria({ eventName: "RunInstances", resource: INSTANCE, since: SINCE });
    expect(recordMatches(record(), criteria)).to.equal(false);
    expect(recordMatches(record({ resources: [{ ARN: INSTANCE }] }), criteria)).to.equal(true);
  });

  it("keeps a decoded object's byte count and skip reason, and only its matching records", () => {
    const criteria = compileCriteria({ eventName: "RunInstances", since: SINCE });
    expect(matchDecoded({ kind: "skipped", reason: "corrupt gzip: x", bytes: 12 }, criteria)).to.deep.equal({
      bytesScanned: 12,
      matches: [],
      skippedReason: "corrupt gzip: x",
    });
    expect(matchDecoded({ kind: "irrelevant", bytes: 34 }, criteria)).to.deep.equal({ bytesScanned: 34, matches: [], skippedReason: null });
    const hit = record();
    expect(
      matchDecoded({ kind: "records", bytes: 56, records: [record({ eventName: "StopInstances" }), hit, null] }, criteria),
    ).to.deep.equal({
      bytesScanned: 56,
      matches: [hit],
      skippedReason: null,
    });
  });

  describe("an S3 object as the resource (its ARN, or bucket/key)", () => {
    const BUCKET = "trail-lab-canary-7f3a9c1";
    const KEY = 'canary/2025-03-01/run "7".json';
    const putObject = (overrides: Record<string, unknown> = {}) =>
      record({
        eventSource: "s3.amazonaws.com",
        eventName: "PutObject",
        eventCategory: "Data",
        managementEvent: false,
        requestParameters: { bucketName: BUCKET, Host: `${BUCKET}.s3.us-east-1.amazonaws.com`, key: KEY },
        resources: [
          { type: "AWS::S3::Object", ARN: `arn:aws:s3:::${BUCKET}/${KEY}` },
          { accountId: "111122223333", type: "AWS::S3::Bucket", ARN: `arn:aws:s3:::${BUCKET}` },
        ],
        ...overrides,
      });

    it("needs its key as JSON writes it, not the name given, so a record naming bucket and key apart is still read", () => {
      for (const resource of [`${BUCKET}/${KEY}`, `arn:aws:s3:::${BUCKET}/${KEY}`, `arn:aws-us-gov:s3:::${BUCKET}/${KEY}`]) {
        const criteria = compileCriteria({ eventName: "PutObject", resource, since: SINCE });
        expect(criteria.needles.map(String), resource).to.deep.equal(['canary/2025-03-01/run \\"7\\".json', '"PutObject"']);
      }
      // As some records carry it: no resources[], the object named by bucketName and key alone.
      const apart: CloudTrailRecord = putObject();
      delete apart.resources;
      const gz = gzipSync(JSON.stringify({ Records: [apart] }));
      const found = scanLogObject(gz, compileCriteria({ eventName: "PutObject", resource: `${BUCKET}/${KEY}`, since: SINCE }));
      expect(found.matches).to.deep.equal([apart]);
    });

    it("is that object only: by resources[] in any partition or by requestParameters, never another bucket's longer key", () => {
      const resource = `${BUCKET}/${KEY}`;
      expect(concernsResource(putObject(), resource)).to.equal(true);
      expect(concernsResource(putObject({ requestParameters: null }), resource), "resources[] alone").to.equal(true);
      expect(concernsResource(putObject({ resources: [] }), resource), "requestParameters alone").to.equal(true);
      expect(
        concernsResource(
          putObject({ requestParameters: null, resources: [{ type: "AWS::S3::Object", ARN: `arn:aws-cn:s3:::${BUCKET}/${KEY}` }] }),
          resource,
        ),
        "another partition's ARN",
      ).to.equal(true);
      // A bucket whose name ends in this bucket's, or this object's path under a longer key: not this object.
      for (const ARN of [
        `arn:aws:s3:::other-${BUCKET}/${KEY}`,
        `arn:aws:s3:::logs/${BUCKET}/${KEY}`,
        `arn:aws-cn:s3:::logs/${BUCKET}/${KEY}`,
      ]) {
        const other = putObject({ requestParameters: null, resources: [{ type: "AWS::S3::Object", ARN }] });
        expect(concernsResource(other, resource), ARN).to.equal(false);
      }
    });

    it("a bucket named alone (no key) is found by its bucket ARN, as any resource is", () => {
      const getBucketPolicy = record({
        eventName: "GetBucketPolicy",
        resources: [{ type: "AWS::S3::Bucket", ARN: `arn:aws:s3:::${BUCKET}` }],
      });
      expect(concernsResource(getBucketPolicy, BUCKET)).to.equal(true);
    });
  });

  describe("scanLogObject passes its options to the decoder", () => {
    const runs = (n: number) =>
      Array.from({ length: n }, (_, i) =>
        record({
          eventTime: new Date(SINCE.getTime() - (n - i) * 60_000).toISOString().replace(".000Z", "Z"),
          eventID: `6f1c2a3b-0d4e-4f5a-8b6c-7d8e9f0a1b${String(i).padStart(2, "0")}`,
          responseElements: { instancesSet: { items: [{ instanceId: INSTANCE }] } },
        }),
      );

    it("keeps only the records that match: older ones holding every needle take none of the kept bytes", () => {
      const match = record({
        eventTime: "2025-03-01T10:05:00Z",
        responseElements: { instancesSet: { items: [{ instanceId: INSTANCE }] } },
      });
      const gz = gzipSync(JSON.stringify({ Records: [...runs(6), match] }));
      const criteria = compileCriteria({ eventName: "RunInstances", resource: INSTANCE, since: SINCE });
      const keptBytes = JSON.stringify(match).length + 16;
      expect(scanLogObject(gz, criteria, { bounds: { keptBytes } })).to.deep.equal({
        bytesScanned: gunzipLength(gz),
        matches: [match],
        skippedReason: null,
      });
    });

    it("an object past maxBytes is skipped, naming the cap", () => {
      const gz = gzipSync(JSON.stringify({ Records: runs(3) }));
      const outcome = scanLogObject(gz, compileCriteria({ eventName: "RunInstances", since: SINCE }), { maxBytes: 64 });
      expect(outcome.matches).to.deep.equal([]);
      expect(outcome.skippedReason).to.match(/over the size cap/);
    });
  });
});

function gunzipLength(gz: Buffer): number {
  return gz.readUInt32LE(gz.length - 4);
}
