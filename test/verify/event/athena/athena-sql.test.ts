// Athena search's SQL, held to the S3 scanner's answers: one builder renders the query for
// Athena and for DuckDB; DuckDB runs it over the same real-format fixtures the scanner reads,
// and both must return the same events from the same objects.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { expect } from "chai";
import { buildEventQuery, firstFolderDate, literal, type EventQuery } from "../../../../verify/event/athena/event-query";
import { compileCriteria, scanLogObject } from "../../../../verify";
import { FixtureFactory, logFile, type FixtureRecord } from "../../../support/fixtures/cloudtrail-fixtures";
import { openLocalCloudTrailTable, writeObjects, type LocalTable } from "../../../support/servers/duckdb-cloudtrail";

const BUCKET = "audit-logs-bucket-8f1c2d3";
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

interface Corpus {
  objects: { key: string; body: Buffer }[];
  since: Date;
  instanceId: string;
  records: Record<string, FixtureRecord>;
}

/** Three days, two regions, the probe's launch delivered twice, look-alikes on every side. */
function buildCorpus(): Corpus {
  const f = new FixtureFactory("123456789012", 7);
  const now = new Date(Date.UTC(2026, 10, 25, 22, 0));
  const since = new Date(now.getTime() - 6 * HOUR + 30_500);
  const instanceId = f.instanceId();
  const objects: Corpus["objects"] = [];
  const put = (region: string, deliveredAt: Date, records: unknown[]) => {
    const key = f.logKey(region, deliveredAt);
    objects.push({ key, body: logFile(records) });
    return key;
  };
  for (const region of ["us-east-1", "eu-west-1"]) {
    for (let at = now.getTime() - 3 * 24 * HOUR; at < now.getTime(); at += 7 * HOUR) {
      put(region, new Date(at), f.noiseRecords(region, new Date(at), 30));
    }
  }
  const early = f.runInstances("us-east-1", new Date(since.getTime() - 10 * MINUTE), instanceId);
  // One second before `since` once milliseconds count: a string comparison would let it in.
  const edge = f.runInstances("us-east-1", new Date(since.getTime() - 500), instanceId);
  const target = f.runInstances("us-east-1", new Date(now.getTime() - 2 * HOUR), instanceId);
  const other = f.runInstances("eu-west-1", new Date(now.getTime() - 3 * HOUR));
  const terminate = f.noise("us-east-1", new Date(now.getTime() - HOUR));
  terminate.eventName = "TerminateInstances";
  terminate.requestParameters = { instancesSet: { items: [{ instanceId }] } };
  // The instance named only in resources[], by ARN.
  const tagged = f.noise("us-east-1", new Date(now.getTime() - 50 * MINUTE));
  tagged.eventName = "ModifyInstanceAttribute";
  tagged.requestParameters = { attribute: "disableApiStop" };
  tagged.resources = [
    { accountId: "123456789012", type: "AWS::EC2::Instance", ARN: `arn:aws:ec2:us-east-1:123456789012:instance/${instanceId}` },
  ];
  // An id that merely starts like the probe's must not match.
  const lookalike = f.runInstances("us-east-1", new Date(now.getTime() - 90 * MINUTE), `${instanceId}0`);

  put("us-east-1", new Date(since.getTime() - 5 * MINUTE), [...f.noiseRecords("us-east-1", since, 5), early, edge]);
  put("us-east-1", new Date(target.eventTime), [...f.noiseRecords("us-east-1", now, 20), target, lookalike]);
  put("us-east-1", new Date(Date.parse(target.eventTime) + 9 * MINUTE), [target, terminate, tagged]);
  put("eu-west-1", new Date(other.eventTime), [other, ...f.noiseRecords("eu-west-1", now, 10)]);
  return { objects, since, instanceId, records: { early, edge, target, other, terminate, tagged, lookalike } };
}

/** The scanner's answer: eventID to the first key holding it, region folders as asked. */
function scannerAnswer(corpus: Corpus, q: Omit<EventQuery, "table" | "limit">): Map<string, string> {
  const criteria = compileCriteria({ eventName: q.eventName, resource: q.resource, since: q.since });
  const found = new Map<string, string>();
  for (const { key, body } of corpus.objects) {
    const region = /\/CloudTrail\/([^/]+)\//.exec(key)?.[1] ?? "";
    if (q.regions.length > 0 && !q.regions.includes(region)) continue;
    for (const record of scanLogObject(body, criteria).matches) {
      const known = found.get(record.eventID);
      if (!known || key < known) found.set(record.eventID, key);
    }
  }
  return found;
}

async function sqlAnswer(table: LocalTable, q: Omit<EventQuery, "table" | "limit">): Promise<Map<string, string>> {
  const rows = await table.query(buildEventQuery({ ...q, table: "cloudtrail_logs", limit: 1000 }, "duckdb"));
  const found = new Map<string, string>();
  for (const row of rows) {
    const key = String(row.$path).replace(`s3://${BUCKET}/`, "");
    const id = String(row.eventid);
    const known = found.get(id);
    if (!known || key < known) found.set(id, key);
  }
  return found;
}

describe("verify: Athena search's SQL against the S3 scanner (DuckDB, same fixtures)", function () {
  let dir: string;
  let corpus: Corpus;
  let table: LocalTable;

  before(async function () {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "trail-lab-athena-"));
    corpus = buildCorpus();
    writeObjects(dir, corpus.objects);
    table = await openLocalCloudTrailTable(
      dir,
      BUCKET,
      corpus.objects.map((o) => o.key),
    );
  });
  after(function () {
    table?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const cases: [string, (c: Corpus) => Omit<EventQuery, "table" | "limit">, (c: Corpus) => string[]][] = [
    [
      "the probe's launch by instance id",
      (c) => ({ eventName: "RunInstances", resource: c.instanceId, since: c.since, regions: [] }),
      (c) => [c.records.target.eventID],
    ],
    [
      "every launch since --since, in every region",
      (c) => ({ eventName: "RunInstances", resource: null, since: c.since, regions: [] }),
      (c) => [c.records.target.eventID, c.records.other.eventID, c.records.lookalike.eventID],
    ],
    [
      "launches in one region only",
      (c) => ({ eventName: "RunInstances", resource: null, since: c.since, regions: ["eu-west-1"] }),
      (c) => [c.records.other.eventID],
    ],
    [
      "earlier launches once --since allows them",
      (c) => ({ eventName: "RunInstances", resource: c.instanceId, since: new Date(c.since.getTime() - HOUR), regions: ["us-east-1"] }),
      (c) => [c.records.early.eventID, c.records.edge.eventID, c.records.target.eventID],
    ],
    [
      "an instance named in requestParameters",
      (c) => ({ eventName: "TerminateInstances", resource: c.instanceId, since: c.since, regions: [] }),
      (c) => [c.records.terminate.eventID],
    ],
    [
      "an instance named only in resources[]",
      (c) => ({ eventName: "ModifyInstanceAttribute", resource: c.instanceId, since: c.since, regions: [] }),
      (c) => [c.records.tagged.eventID],
    ],
    ["an event nobody made", (c) => ({ eventName: "DeleteTrail", resource: null, since: c.since, regions: [] }), () => []],
  ];
  for (const [what, query, expected] of cases) {
    it(`returns what the scanner returns: ${what}`, async function () {
      const q = query(corpus);
      const scanned = scannerAnswer(corpus, q);
      const selected = await sqlAnswer(table, q);
      expect([...scanned.keys()]).to.have.members(expected(corpus));
      expect(Object.fromEntries(selected)).to.deep.equal(Object.fromEntries(scanned));
    });
  }

  it("gives the scanner's record fields back from the table's columns", async function () {
    const q = { eventName: "RunInstances", resource: corpus.instanceId, since: corpus.since, regions: [] };
    const [row] = await table.query(buildEventQuery({ ...q, table: "cloudtrail_logs", limit: 10 }, "duckdb"));
    const target = corpus.records.target;
    expect(row.eventtime).to.equal(target.eventTime);
    expect(JSON.parse(String(row.responseelements))).to.deep.equal(target.responseElements);
    expect(row.awsregion).to.equal("us-east-1");
  });
});

describe("verify: the event query's SQL", function () {
  const since = new Date("2026-11-25T22:15:03.250Z");
  const base: EventQuery = {
    table: "trail_lab_lab.cloudtrail_logs",
    eventName: "RunInstances",
    resource: "i-0abc",
    since,
    regions: ["us-east-1"],
    limit: 100,
  };

  it("reads from one day before --since, since folders carry delivery dates", function () {
    expect(firstFolderDate(new Date("2026-03-01T00:10:00Z"))).to.equal("2026/02/28");
    expect(buildEventQuery(base, "athena")).to.contain(`"timestamp" >= '2026/11/24'`);
  });

  it("renders Athena's functions for Athena and DuckDB's for DuckDB, from one builder", function () {
    const athena = buildEventQuery(base, "athena");
    const duck = buildEventQuery(base, "duckdb");
    expect(athena).to.contain("from_iso8601_timestamp(eventtime) >= from_iso8601_timestamp('2026-11-25T22:15:03.250Z')");
    expect(athena).to.contain("any_match(").and.contain("json_extract_scalar(").and.contain("AS ARRAY(JSON)");
    expect(athena).to.contain(`FROM "trail_lab_lab"."cloudtrail_logs"`);
    expect(duck).to.contain("list_filter(").and.contain("json_extract_string(").and.not.contain("any_match");
    const shape = (sql: string) => sql.replace(/\s+/g, " ").split("WHERE")[0];
    expect(shape(duck)).to.equal(shape(athena));
  });

  it("quotes user input so that it cannot end a literal", function () {
    const sql = buildEventQuery({ ...base, eventName: "Run'; DROP TABLE x; --", resource: "i-0'1" }, "athena");
    expect(sql).to.contain(`eventname = 'Run''; DROP TABLE x; --'`);
    expect(sql).to.contain(`= 'i-0''1'`);
    expect(literal("a'b")).to.equal("'a''b'");
  });

  it("treats LIKE wildcards in a resource as plain characters", function () {
    const sql = buildEventQuery({ ...base, resource: "i-0_1%" }, "athena");
    expect(sql).to.contain(`LIKE '%/i-0\\_1\\%' ESCAPE '\\'`);
  });
});
