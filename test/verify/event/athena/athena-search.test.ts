// verifyTrail with Athena search: the local Athena answers each query with the rows DuckDB
// computes from the same fixtures (the query rendered for DuckDB from the same EventQuery), and
// the evidence keeps its shape, adding the search (s3 or athena), the query ids, bytes scanned and cost.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { expect } from "chai";
import { ExitCode, UsageError, verifyTrail, type VerifyOptions } from "../../../../verify";
import { buildEventQuery, RESULT_COLUMNS } from "../../../../verify/event/athena/event-query";
import { FixtureFactory, logFile, type FixtureRecord } from "../../../support/fixtures/cloudtrail-fixtures";
import { startCloudTrailServer, type LocalCloudTrail } from "../../../support/servers/cloudtrail-server";
import { startLocalAthena, type LocalAthena } from "../../../support/servers/athena-server";
import { openLocalCloudTrailTable, writeObjects, type LocalTable } from "../../../support/servers/duckdb-cloudtrail";
import { runVerifyCli } from "../../../support/processes/verify-cli";

const BUCKET = "audit-logs-bucket-8f1c2d3";
const MINUTE = 60_000;

describe("verify: verifyTrail with Athena search", function () {
  let dir: string;
  let table: LocalTable;
  let athena: LocalAthena;
  let ct: LocalCloudTrail;
  let target: FixtureRecord;
  let targetKey: string;
  let instanceId: string;
  let since: Date;
  let lastDuckSql = "";

  before(async function () {
    const f = new FixtureFactory("123456789012", 99);
    const now = new Date();
    since = new Date(now.getTime() - 30 * MINUTE);
    instanceId = f.instanceId();
    target = f.runInstances("us-east-1", new Date(now.getTime() - 20 * MINUTE), instanceId);
    const objects = [
      {
        key: f.logKey("us-east-1", new Date(now.getTime() - 15 * MINUTE)),
        body: logFile([...f.noiseRecords("us-east-1", now, 20), target]),
      },
      { key: f.logKey("us-east-1", new Date(now.getTime() - 10 * MINUTE)), body: logFile(f.noiseRecords("us-east-1", now, 20)) },
      { key: f.logKey("us-east-1", new Date(now.getTime() - 5 * MINUTE)), body: logFile([target]) },
    ];
    targetKey = objects[0].key < objects[2].key ? objects[0].key : objects[2].key;
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "trail-lab-athena-engine-"));
    writeObjects(dir, objects);
    table = await openLocalCloudTrailTable(
      dir,
      BUCKET,
      objects.map((o) => o.key),
    );
    ct = await startCloudTrailServer({
      trails: [
        {
          name: "my-logs-trail",
          account: "123456789012",
          homeRegion: "us-east-1",
          bucket: BUCKET,
          isMultiRegion: true,
          latestDeliveryTime: now,
        },
      ],
      events: [target],
    });
    athena = await startLocalAthena();
  });
  after(async function () {
    table?.close();
    await athena?.close();
    await ct?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** Every Athena query is answered by DuckDB running the same match over the fixtures. */
  async function answerWithDuckDb(options: VerifyOptions): Promise<void> {
    lastDuckSql = buildEventQuery(
      {
        table: "cloudtrail_logs",
        eventName: "RunInstances",
        resource: options.resource ?? null,
        since: options.since,
        regions: options.regions ?? ["us-east-1"],
        limit: 100,
      },
      "duckdb",
    );
    const rows = await table.query(lastDuckSql);
    athena.script = () => ({
      states: ["QUEUED", "RUNNING", "SUCCEEDED"],
      columns: [...RESULT_COLUMNS],
      rows: rows.map((r) => RESULT_COLUMNS.map((c) => (r[c] === null || r[c] === undefined ? null : String(r[c] as string | number)))),
      bytesScanned: 3 * 1024 ** 2,
    });
  }

  const options = (extra: Partial<VerifyOptions> = {}): VerifyOptions => ({
    trail: "my-logs-trail",
    region: "us-east-1",
    since,
    resource: instanceId,
    timeoutMs: 0,
    search: "athena",
    athena: { workgroup: "trail-lab-lab", database: "trail_lab_lab", table: "cloudtrail_logs" },
    clients: { cloudTrail: ct.client(), athena: athena.client(), s3: undefined },
    ...extra,
  });

  /** `verify` on the local Athena, one pass since `since`, with these flags besides. */
  const athenaArgs = (...extra: string[]) => [
    ...["--trail", "my-logs-trail", "--region", "us-east-1", "--search", "athena"],
    ...["--workgroup", "trail-lab-lab", "--database", "trail_lab_lab", "--since", since.toISOString(), "--timeout", "0"],
    ...extra,
  ];

  it("finds the launch through Athena and in Event History, with the object it came from", async function () {
    const o = options();
    await answerWithDuckDb(o);
    const evidence = await verifyTrail(o);
    expect(evidence.verified).to.equal(true);
    expect(evidence.search).to.equal("athena");
    expect(evidence.s3).to.include({ bucket: BUCKET, found: true, key: targetKey, eventId: target.eventID, eventTime: target.eventTime });
    expect(evidence.eventHistory).to.deep.include({ found: true, eventId: target.eventID, eventTime: target.eventTime });
    expect(evidence.s3.foundAt).to.be.a("string");
    expect(evidence.event?.responseElements).to.deep.equal(target.responseElements);
    const [query] = athena.queries;
    expect(evidence.athena).to.deep.equal({
      workgroup: "trail-lab-lab",
      database: "trail_lab_lab",
      table: "cloudtrail_logs",
      queryId: query.id,
      queryIds: [query.id],
      bytesScanned: 3 * 1024 ** 2,
      costUsd: (10 / 1024 ** 2) * 5,
    });
    expect(query.workgroup).to.equal("trail-lab-lab");
    expect(query.database).to.equal("trail_lab_lab");
    expect(query.sql).to.contain(`FROM "trail_lab_lab"."cloudtrail_logs"`).and.contain("any_match(");
    // The same match, rendered for each engine from one description: the dialect-free conditions agree.
    const plain = (sql: string) => sql.split("WHERE")[1].split("\n  AND ").slice(0, 3);
    expect(plain(query.sql)).to.deep.equal(plain(lastDuckSql));
  });

  it("needs the workgroup, database and table, as a usage error", async function () {
    const error = await verifyTrail(options({ athena: { workgroup: "", database: "d", table: "t" } })).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(UsageError);
    expect((error as UsageError).exitCode).to.equal(ExitCode.Usage);
    expect((error as Error).message).to.contain("--workgroup, --database and --table");
  });

  it("says Athena failed, exit 3, when the query fails", async function () {
    athena.script = () => ({
      states: ["FAILED"],
      reason: "HIVE_BAD_DATA: Error parsing field value",
      columns: [],
      rows: [],
      bytesScanned: 0,
    });
    const error = (await verifyTrail(options()).catch((e: unknown) => e)) as Error & { exitCode: number };
    expect(error.exitCode).to.equal(ExitCode.AwsError);
    expect(error.message).to.contain("HIVE_BAD_DATA");
  });

  it("runs from npm run verify with --search athena, printing the evidence with its queries", async function () {
    const o = options();
    await answerWithDuckDb(o);
    const before = athena.queries.length;
    const endpoints = { s3: "http://127.0.0.1:9", cloudTrail: ct.endpoint, athena: athena.endpoint };
    const run = await runVerifyCli(athenaArgs("--resource", instanceId, "--json"), endpoints);
    expect(run.code, run.stderr).to.equal(ExitCode.Ok);
    const evidence = JSON.parse(run.stdout);
    expect(evidence.search).to.equal("athena");
    expect(evidence.s3.key).to.equal(targetKey);
    expect(evidence.athena.table).to.equal("cloudtrail_logs");
    expect(evidence.athena.queryIds).to.deep.equal([athena.queries[before].id]);
    expect(run.stderr).to.contain(`athena query ${athena.queries[before].id}: SUCCEEDED`);

    const human = await runVerifyCli(athenaArgs("--resource", instanceId), endpoints);
    expect(human.code, human.stderr).to.equal(ExitCode.Ok);
    expect(human.stdout)
      .to.match(/^VERIFIED: RunInstances/)
      .and.match(
        /Athena: +1 query on trail_lab_lab\.cloudtrail_logs \(workgroup trail-lab-lab; last [0-9a-f-]+\), 3\.0 MB scanned, about USD 0\.0000/,
      );
  });

  describe("a row without an event is never the event", function () {
    /** The result set Athena answers with: these rows, in the table's columns. */
    const answer = (rows: Record<string, string | null>[]) => {
      athena.script = () => ({
        states: ["SUCCEEDED"],
        columns: [...RESULT_COLUMNS],
        rows: rows.map((r) => RESULT_COLUMNS.map((c) => r[c] ?? null)),
        bytesScanned: 1024,
      });
    };
    const targetRow = (): Record<string, string | null> => ({
      eventid: target.eventID,
      eventtime: target.eventTime,
      eventname: target.eventName,
      eventsource: target.eventSource,
      awsregion: target.awsRegion,
      requestparameters: JSON.stringify(target.requestParameters),
      responseelements: JSON.stringify(target.responseElements),
      $path: `s3://${BUCKET}/${targetKey}`,
    });
    const nulls = (): Record<string, string | null> => Object.fromEntries(RESULT_COLUMNS.map((c) => [c, null]));
    const garbage = (): Record<string, string | null> => ({ ...targetRow(), eventtime: "garbage", requestparameters: "[]" });
    const ELSEWHERE = (n: number) => new RegExp(`^Athena query [0-9a-f-]+, row ${n}$`);

    it("skips and names a row of NULLs and a row whose time is garbage; alone they verify nothing", async function () {
      answer([nulls(), garbage()]);
      const lines: string[] = [];
      const evidence = await verifyTrail(options({ eventHistory: false, onProgress: (l) => lines.push(l) }));
      expect(evidence.verified).to.equal(false);
      expect(evidence.s3).to.include({ found: false, key: null, eventId: null, eventTime: null });
      expect(evidence.event).to.equal(null);
      expect(evidence.s3.skipped).to.have.length(2);
      const byReason = (text: string) => evidence.s3.skipped.find((s) => s.reason.includes(text));
      expect(byReason("eventid is NULL")!.key).to.match(ELSEWHERE(1));
      expect(byReason('eventtime is "garbage", not an instant')!.key).to.equal(targetKey);
      expect(lines.filter((l) => l.startsWith("warning: skipped "))).to.have.length(2);
    });

    it("with the real row among them, verifies on the real row only, the others still named", async function () {
      answer([nulls(), garbage(), { ...targetRow(), eventid: "" }, targetRow()]);
      const evidence = await verifyTrail(options());
      expect(evidence.verified).to.equal(true);
      expect(evidence.s3).to.include({ found: true, key: targetKey, eventId: target.eventID, eventTime: target.eventTime });
      expect(evidence.s3.skipped.map((s) => s.reason.replace(/^an Athena row that is not the event: /, ""))).to.have.members([
        "eventid is NULL, not an event id",
        'eventtime is "garbage", not an instant',
        'eventid is "", not an event id',
      ]);
    });

    it("names a bad row once however many rounds return it", async function () {
      answer([nulls(), garbage()]);
      const evidence = await verifyTrail(options({ eventHistory: false, timeoutMs: 300, intervalMs: 50 }));
      expect(evidence.athena!.queryIds.length).to.be.greaterThan(1);
      expect(evidence.s3.skipped).to.have.length(2);
    });

    it("npm run verify -- --search athena: exit 1, not verified, the rows in skipped", async function () {
      answer([nulls(), garbage()]);
      const endpoints = { s3: "http://127.0.0.1:9", cloudTrail: ct.endpoint, athena: athena.endpoint };
      const run = await runVerifyCli(athenaArgs("--no-event-history", "--json"), endpoints, true);
      expect(run.code, run.stderr).to.equal(ExitCode.CheckFailed);
      const evidence = JSON.parse(run.stdout);
      expect(evidence).to.deep.include({ verified: false, event: null, search: "athena" });
      expect(evidence.s3).to.deep.include({ found: false, key: null, eventId: null, eventTime: null });
      expect(evidence.s3.skipped.map((s: { reason: string }) => s.reason)).to.have.members([
        "an Athena row that is not the event: eventid is NULL, not an event id",
        'an Athena row that is not the event: eventtime is "garbage", not an instant',
      ]);
      expect(run.stderr).to.contain(`warning: skipped ${targetKey}: an Athena row that is not the event`);
    });
  });

  describe("results whose pages never end", function () {
    afterEach(() => {
      athena.resultsFault = null;
    });

    it("fails exit 3 on a NextToken that comes back, naming the query, without reading on", async function () {
      await answerWithDuckDb(options());
      athena.resultsFault = "same-token";
      const error = (await verifyTrail(options({ timeoutMs: 15_000 })).catch((e: unknown) => e)) as Error & { exitCode: number };
      expect(error.exitCode).to.equal(ExitCode.AwsError);
      expect(error.message).to.contain("GetQueryResults failed (RepeatedNextToken)");
    });

    it("ends with --timeout when a page never answers: the round is cut short, not verified", async function () {
      athena.script = () => ({ states: ["SUCCEEDED"], columns: [...RESULT_COLUMNS], rows: [], bytesScanned: 0 });
      athena.resultsFault = "hang";
      const asked = athena.server.requests.length;
      const lines: string[] = [];
      const evidence = await verifyTrail(options({ timeoutMs: 1_000, graceMs: 200, onProgress: (l) => lines.push(l) }));
      expect(evidence.verified).to.equal(false);
      expect(athena.server.requests.slice(asked).map((r) => r.operation)).to.include("GetQueryResults");
      expect(lines.join("\n")).to.contain("was cut short");
    });
  });

  it("refuses Athena flags without --search athena, an unknown search, and a missing workgroup (exit 2)", async function () {
    const endpoints = { s3: "http://127.0.0.1:9", cloudTrail: ct.endpoint, athena: athena.endpoint };
    for (const [args, message] of [
      [["--workgroup", "wg"], /go with --search athena/],
      [["--search", "bigquery"], /--search is s3 or athena/],
      [["--search", "athena", "--database", "db"], /--workgroup, --database and --table/],
    ] as const) {
      const run = await runVerifyCli(["--trail", "my-logs-trail", "--region", "us-east-1", ...args], endpoints);
      expect(run.code, args.join(" ")).to.equal(ExitCode.Usage);
      expect(run.stderr).to.match(message);
      expect(run.stdout).to.equal("");
    }
  });
});
