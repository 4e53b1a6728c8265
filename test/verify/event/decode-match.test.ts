// decode + match over a Buffer: the pure function the benchmark calls directly.
import { gunzipSync, gzipSync } from "node:zlib";
import { expect } from "chai";
import { decodeLogObject, gunzipLog, readLogJson } from "../../../verify/decode";
import { compileCriteria, scanLogObject } from "../../../verify/event/match";
import { FixtureFactory, logFile } from "../../support/fixtures/cloudtrail-fixtures";

describe("verify: decode and match one log object", () => {
  const f = new FixtureFactory("111122223333", 7);
  const since = new Date("2025-03-01T10:00:00Z");
  const instance = "i-0123456789abcdef0";

  it("matches RunInstances by the instance id in responseElements.instancesSet, at or after since", () => {
    const hit = f.runInstances("us-east-1", since, instance);
    const other = f.runInstances("us-east-1", new Date("2025-03-01T10:05:00Z"));
    const early = f.runInstances("us-east-1", new Date("2025-03-01T09:59:59Z"), instance);
    const gz = logFile([...f.noiseRecords("us-east-1", since, 30), early, other, hit]);
    const outcome = scanLogObject(gz, compileCriteria({ eventName: "RunInstances", resource: instance, since }));
    expect(outcome.skippedReason).to.equal(null);
    expect(outcome.matches.map((r) => r.eventID)).to.deep.equal([hit.eventID]);
    expect(outcome.bytesScanned).to.equal(gunzipSync(gz).length);
  });

  it("matches by resources[] ARN, and without a resource matches every RunInstances since", () => {
    const viaArn = {
      ...f.runInstances("us-east-1", since),
      responseElements: null,
      resources: [{ accountId: f.account, type: "AWS::EC2::Instance", ARN: `arn:aws:ec2:us-east-1:${f.account}:instance/${instance}` }],
    };
    const plain = f.runInstances("us-east-1", since);
    const gz = logFile([viaArn, plain]);
    expect(
      scanLogObject(gz, compileCriteria({ eventName: "RunInstances", resource: instance, since })).matches.map((r) => r.eventID),
    ).to.deep.equal([viaArn.eventID]);
    expect(scanLogObject(gz, compileCriteria({ eventName: "RunInstances", since })).matches).to.have.length(2);
  });

  it("rejects another instance's resources[] entry, and a record naming the instance only inside a longer id", () => {
    const arn = (id: string) => [
      { accountId: f.account, type: "AWS::EC2::Instance", ARN: `arn:aws:ec2:us-east-1:${f.account}:instance/${id}` },
    ];
    const others = { ...f.runInstances("us-east-1", since), responseElements: null, resources: arn("i-0fedcba9876543210") };
    const longer = { ...f.runInstances("us-east-1", since), responseElements: null, resources: arn(`${instance}9`) };
    const ours = {
      ...f.runInstances("us-east-1", since),
      responseElements: null,
      resources: [...arn("i-0fedcba9876543210"), ...arn(instance)],
    };
    const outcome = scanLogObject(
      logFile([others, longer, ours]),
      compileCriteria({ eventName: "RunInstances", resource: instance, since }),
    );
    expect(outcome.matches.map((r) => r.eventID)).to.deep.equal([ours.eventID]);
  });

  it("counts uncompressed bytes and does not match a file that lacks the event name", () => {
    const json = JSON.stringify({ Records: f.noiseRecords("us-east-1", since, 20).filter((r) => r.eventName !== "RunInstances") });
    const outcome = scanLogObject(gzipSync(json), compileCriteria({ eventName: "RunInstances", since }));
    expect(outcome).to.deep.equal({ bytesScanned: Buffer.byteLength(json), matches: [], skippedReason: null });
  });

  it("reports a corrupt gzip, invalid JSON and a file without Records instead of throwing", () => {
    const criteria = compileCriteria({ eventName: "RunInstances", since });
    const good = logFile([f.runInstances("us-east-1", since)]);
    const corrupt = Buffer.concat([good.subarray(0, 20), Buffer.from("not gzip at all"), good.subarray(20)]);
    expect(scanLogObject(corrupt, criteria).skippedReason).to.match(/^corrupt gzip/);
    expect(scanLogObject(Buffer.from("plain text"), criteria).skippedReason).to.match(/^corrupt gzip/);
    const truncated = gzipSync(JSON.stringify({ Records: [f.runInstances("us-east-1", since)] }).slice(0, -40));
    const invalid = scanLogObject(truncated, criteria);
    expect(invalid.skippedReason).to.match(/^invalid JSON/);
    expect(invalid.bytesScanned).to.be.greaterThan(0);
    const noRecords = scanLogObject(gzipSync(JSON.stringify({ eventName: "RunInstances" })), criteria);
    expect(noRecords.skippedReason).to.equal("no Records array");
  });

  it("ignores records that are not CloudTrail records", () => {
    const gz = gzipSync(
      JSON.stringify({
        Records: [null, 3, { eventName: "RunInstances" }, { eventName: "RunInstances", eventTime: "2025-03-01T10:00:00Z", eventID: "e-1" }],
      }),
    );
    expect(scanLogObject(gz, compileCriteria({ eventName: "RunInstances", since })).matches.map((r) => r.eventID)).to.deep.equal(["e-1"]);
  });
});

describe("verify: readLogJson, the decode after gunzip (the needles, then the records)", () => {
  const f = new FixtureFactory("111122223333", 11);
  const since = new Date("2025-03-01T10:00:00Z");
  const instance = "i-0fedcba9876543210";
  const run = f.runInstances("us-east-1", since, instance);
  const noise = f.noiseRecords("us-east-1", since, 5).filter((r) => r.eventName !== "RunInstances");
  const json = Buffer.from(JSON.stringify({ Records: [...noise, run] }));
  const needles = [Buffer.from(instance), Buffer.from('"RunInstances"')];

  it("without a keep, keeps every record that holds all the needles", () => {
    expect(readLogJson(json, needles)).to.deep.equal({ kind: "records", bytes: json.length, records: [run] });
  });

  it("is irrelevant, not parsed, when any one needle is absent, though the others are there", () => {
    const other = [Buffer.from("i-0000000000000000a"), Buffer.from('"RunInstances"')];
    expect(readLogJson(json, other)).to.deep.equal({ kind: "irrelevant", bytes: json.length });
    expect(readLogJson(json, [...needles].reverse().concat(Buffer.from('"TerminateInstances"')))).to.deep.equal({
      kind: "irrelevant",
      bytes: json.length,
    });
  });

  it("skips the file, saying why, when a record that holds the needles is broken", () => {
    // The RunInstances record cut inside: its text holds both needles, JSON.parse refuses it.
    const text = JSON.stringify({ Records: [...noise, run] }).replace(`"eventName":"RunInstances",`, `"eventName":"RunInstances",,`);
    const broken = Buffer.from(text);
    const read = readLogJson(broken, needles);
    expect(read).to.have.property("kind", "skipped");
    expect(read).to.have.property("bytes", broken.length);
    expect(read)
      .to.have.property("reason")
      .that.matches(/^invalid JSON: .* \(in the record at byte \d+\)$/);
  });

  it("a zero-byte object (an empty upload) is corrupt gzip: zlib's own words, the trailer not read", () => {
    expect(decodeLogObject(Buffer.alloc(0), needles)).to.deep.equal({
      kind: "skipped",
      reason: "corrupt gzip: unexpected end of file",
      bytes: 0,
    });
    expect(decodeLogObject(gzipSync(json).subarray(0, 3), needles)).to.deep.equal({
      kind: "skipped",
      reason: "corrupt gzip: unexpected end of file",
      bytes: 0,
    });
  });
});

describe("verify: gunzip sized from the gzip trailer", () => {
  const json = Buffer.from(
    JSON.stringify({
      Records: Array.from({ length: 400 }, (_, i) => ({
        eventName: "DescribeInstances",
        eventID: `e-${i}`,
        eventTime: "2026-11-25T22:00:00Z",
      })),
    }),
  );
  const withTrailer = (gz: Buffer, isize: number) => {
    const copy = Buffer.from(gz);
    copy.writeUInt32LE(isize >>> 0, copy.length - 4);
    return copy;
  };

  it("answers as plain gunzipSync does, whatever the trailer claims", () => {
    const gz = gzipSync(json);
    expect(gz.readUInt32LE(gz.length - 4)).to.equal(json.length);
    expect(gunzipLog(gz).equals(json)).to.equal(true);
    for (const isize of [0, 1, json.length - 1, json.length + 1, json.length * 50]) {
      // zlib checks ISIZE after inflating: a wrong one is refused, as gunzipSync refuses it.
      const lying = withTrailer(gz, isize);
      expect(() => gunzipSync(lying), `isize ${isize}`).to.throw(/incorrect length check/);
      expect(() => gunzipLog(lying), `isize ${isize}`).to.throw(/incorrect length check/);
    }
  });

  it("stops at the size cap, and names the cap, not corruption, as the reason", () => {
    // A small bomb: 2 MiB of one byte is a couple of KB of gzip; a cap of 1 MiB stops it half-way.
    const bomb = gzipSync(Buffer.alloc(2 * 1024 * 1024, 0x20));
    expect(bomb.length).to.be.lessThan(16 * 1024);
    expect(() => gunzipLog(bomb, 1024 * 1024))
      .to.throw(RangeError)
      .with.property("code", "ERR_BUFFER_TOO_LARGE");
    expect(gunzipLog(bomb, 4 * 1024 * 1024).length).to.equal(2 * 1024 * 1024);
    const decoded = decodeLogObject(bomb, [Buffer.from('"RunInstances"')], { maxBytes: 1024 * 1024 });
    expect(decoded).to.deep.equal({ kind: "skipped", reason: "over the size cap: more than 1 MiB uncompressed", bytes: 0 });
    // A corrupt file still says so.
    expect(decodeLogObject(Buffer.from("plain text"), [], { maxBytes: 1024 * 1024 }))
      .to.deep.include({ kind: "skipped" })
      .and.have.property("reason")
      .that.matches(/^corrupt gzip: /);
  });

  it("reads concatenated gzip members whole, though the trailer sizes only the last", () => {
    const cut = json.length - 1000;
    const gz = Buffer.concat([gzipSync(json.subarray(0, cut)), gzipSync(json.subarray(cut))]);
    expect(gz.readUInt32LE(gz.length - 4)).to.equal(1000);
    expect(gunzipLog(gz).equals(json)).to.equal(true);
  });
});
