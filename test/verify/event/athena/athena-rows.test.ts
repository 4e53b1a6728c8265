// Athena's rows held to what the verdict rests on: a row is the event only with an event id, the
// event's name, a time at or after --since, and a log object in the trail's bucket; anything less
// is skipped with a reason that names the field, and the record it maps to keeps CloudTrail's names.
import { expect } from "chai";
import { keyFromPath, matchFromRow, recordFromRow, rowProblem, type AthenaRow } from "../../../../verify/event/athena/athena-rows";
import { FixtureFactory } from "../../../support/fixtures/cloudtrail-fixtures";

const BUCKET = "audit-logs-bucket-8f1c2d3";
const SINCE = new Date("2026-11-25T21:10:00Z");
const criteria = { eventName: "RunInstances", since: SINCE, bucket: BUCKET };

/** The row Athena returns for a fixture record, JSON columns as JSON text, as the Hive SerDe leaves them. */
function rowOf(f: FixtureFactory, at = new Date("2026-11-25T21:19:10Z")): { row: AthenaRow; key: string } {
  const record = f.runInstances("us-east-1", at, f.instanceId());
  const key = f.logKey("us-east-1", new Date(at.getTime() + 5 * 60_000));
  return {
    key,
    row: {
      eventversion: record.eventVersion,
      eventtime: record.eventTime,
      eventsource: record.eventSource,
      eventname: record.eventName,
      awsregion: record.awsRegion,
      sourceipaddress: record.sourceIPAddress,
      useragent: record.userAgent,
      requestparameters: JSON.stringify(record.requestParameters),
      responseelements: JSON.stringify(record.responseElements),
      requestid: record.requestID,
      eventid: record.eventID,
      recipientaccountid: record.recipientAccountId,
      $path: `s3://${BUCKET}/${key}`,
    },
  };
}

describe("verify: Athena rows as the event check's matches", () => {
  const f = new FixtureFactory("123456789012", 31);

  it("maps a whole row to the record under CloudTrail's names, JSON columns parsed, from the object its $path names", () => {
    const { row, key } = rowOf(f);
    const outcome = matchFromRow(row, criteria, "row 1");
    expect(outcome).to.have.property("match");
    const { match } = outcome as { match: { key: string; record: Record<string, unknown> } };
    expect(match.key).to.equal(key);
    expect(match.record).to.deep.equal({
      eventVersion: row.eventversion,
      eventTime: row.eventtime,
      eventSource: "ec2.amazonaws.com",
      eventName: "RunInstances",
      awsRegion: "us-east-1",
      sourceIPAddress: row.sourceipaddress,
      userAgent: row.useragent,
      requestParameters: JSON.parse(row.requestparameters!),
      responseElements: JSON.parse(row.responseelements!),
      requestID: row.requestid,
      eventID: row.eventid,
      recipientAccountId: "123456789012",
    });
  });

  it("keeps absent columns absent, a JSON column that is not JSON as its text, and an empty or NULL one as null", () => {
    const record = recordFromRow({ eventid: "e", eventtime: null, eventname: null, requestparameters: "", responseelements: "{not json" });
    expect(record).to.deep.equal({
      eventVersion: undefined,
      eventTime: "",
      eventSource: undefined,
      eventName: "",
      awsRegion: undefined,
      sourceIPAddress: undefined,
      userAgent: undefined,
      requestParameters: null,
      responseElements: "{not json",
      requestID: undefined,
      eventID: "e",
      recipientAccountId: undefined,
    });
    expect(recordFromRow({ requestparameters: "[]", responseelements: "null" })).to.deep.include({
      requestParameters: [],
      responseElements: null,
      eventID: "",
      eventName: "",
      eventTime: "",
    });
  });

  it("skips, naming the field, a row of NULLs, a time that is not an instant, another event, an early event, and an object elsewhere", () => {
    const { row, key } = rowOf(f);
    const nulls = Object.fromEntries(Object.keys(row).map((k) => [k, null]));
    const cases: [string, AthenaRow, string][] = [
      ["all NULL", nulls, "eventid is NULL, not an event id"],
      ["no eventid column", { ...row, eventid: undefined } as unknown as AthenaRow, "eventid is NULL, not an event id"],
      ["empty eventid", { ...row, eventid: "" }, 'eventid is "", not an event id'],
      ["blank eventid", { ...row, eventid: "   " }, 'eventid is "   ", not an event id'],
      ["eventid with a space", { ...row, eventid: "a b" }, 'eventid is "a b", not an event id'],
      ["another event", { ...row, eventname: "TerminateInstances" }, 'eventname is "TerminateInstances", not RunInstances'],
      ["no eventname", { ...row, eventname: null }, "eventname is NULL, not RunInstances"],
      ["garbage time", { ...row, eventtime: "garbage" }, 'eventtime is "garbage", not an instant'],
      ["NULL time", { ...row, eventtime: null }, "eventtime is NULL, not an instant"],
      ["empty time", { ...row, eventtime: "" }, 'eventtime is "", not an instant'],
      ["a date alone", { ...row, eventtime: "2026-11-25" }, 'eventtime is "2026-11-25", not an instant'],
      ["a local time", { ...row, eventtime: "2026-11-25T21:19:10" }, 'eventtime is "2026-11-25T21:19:10", not an instant'],
      ["an offset, not Z", { ...row, eventtime: "2026-11-25T21:19:10+01:00" }, 'eventtime is "2026-11-25T21:19:10+01:00", not an instant'],
      ["trailing text", { ...row, eventtime: "2026-11-25T21:19:10Z!" }, 'eventtime is "2026-11-25T21:19:10Z!", not an instant'],
      ["leading text", { ...row, eventtime: "x2026-11-25T21:19:10Z" }, 'eventtime is "x2026-11-25T21:19:10Z", not an instant'],
      ["month 13", { ...row, eventtime: "2026-13-25T21:19:10Z" }, 'eventtime is "2026-13-25T21:19:10Z", not an instant'],
      [
        "a second before --since",
        { ...row, eventtime: "2026-11-25T21:09:59Z" },
        "eventtime 2026-11-25T21:09:59Z is before 2026-11-25T21:10:00.000Z, the start of the search",
      ],
      ["no $path", { ...row, $path: null }, `"$path" is NULL, not an object in s3://${BUCKET}/`],
      ["no $path column", { ...row, $path: undefined } as unknown as AthenaRow, `"$path" is NULL, not an object in s3://${BUCKET}/`],
      [
        "another bucket",
        { ...row, $path: `s3://other-bucket/${key}` },
        `"$path" is "s3://other-bucket/${key}", not an object in s3://${BUCKET}/`,
      ],
      ["a bucket alone", { ...row, $path: `s3://${BUCKET}/` }, `"$path" is "s3://${BUCKET}/", not an object in s3://${BUCKET}/`],
      [
        "a digest, not a log",
        { ...row, $path: `s3://${BUCKET}/AWSLogs/123456789012/CloudTrail-Digest/us-east-1/2026/11/25/x.json.gz` },
        '"$path" names AWSLogs/123456789012/CloudTrail-Digest/us-east-1/2026/11/25/x.json.gz, which is not a CloudTrail log file',
      ],
    ];
    for (const [name, bad, problem] of cases) {
      expect(rowProblem(bad, criteria), name).to.equal(problem);
      const outcome = matchFromRow(bad, criteria, "Athena query q-1, row 3");
      expect(outcome, name).to.not.have.property("match");
      const { skipped } = outcome as { skipped: { key: string; reason: string } };
      expect(skipped.reason, name).to.equal(`an Athena row that is not the event: ${problem}`);
    }
  });

  it("accepts an event at --since to the millisecond, and a fraction of a second", () => {
    const { row } = rowOf(f);
    expect(rowProblem({ ...row, eventtime: "2026-11-25T21:10:00Z" }, criteria)).to.equal(null);
    expect(rowProblem({ ...row, eventtime: "2026-11-25T21:10:00.5Z" }, criteria)).to.equal(null);
    expect(rowProblem({ ...row, eventtime: "2026-11-25T21:09:59.999Z" }, criteria)).to.match(/is before/);
  });

  it("names a skipped row by its object when it has one in the bucket, else by where it is in the results", () => {
    const { row, key } = rowOf(f);
    expect(matchFromRow({ ...row, eventtime: "garbage" }, criteria, "Athena query q-1, row 3")).to.deep.equal({
      skipped: { key, reason: 'an Athena row that is not the event: eventtime is "garbage", not an instant' },
      fromObject: true,
    });
    expect(matchFromRow({ ...row, $path: "s3://other-bucket/k" }, criteria, "Athena query q-1, row 3")).to.deep.include({
      skipped: {
        key: "Athena query q-1, row 3",
        reason: `an Athena row that is not the event: "$path" is "s3://other-bucket/k", not an object in s3://${BUCKET}/`,
      },
      fromObject: false,
    });
  });

  it("reads the key from an s3:// path of the bucket only", () => {
    expect(keyFromPath(`s3://${BUCKET}/AWSLogs/a/b.json.gz`, BUCKET)).to.equal("AWSLogs/a/b.json.gz");
    expect(keyFromPath(`s3://${BUCKET}/`, BUCKET)).to.equal(null);
    expect(keyFromPath(`s3://${BUCKET}-2/AWSLogs/a`, BUCKET)).to.equal(null);
    expect(keyFromPath(`https://${BUCKET}.s3.amazonaws.com/AWSLogs/a`, BUCKET)).to.equal(null);
    expect(keyFromPath(null, BUCKET)).to.equal(null);
  });
});
