// `npm run verify -- --search athena` against moto's Athena (and its CloudTrail for the trail's
// status), beside the project's own Athena answering the same rows. moto runs no SQL: each query
// takes the next result set queued through /moto-api/static/athena/query-results, so what is
// held to moto here is the protocol (StartQueryExecution in the workgroup and database,
// GetQueryExecution to SUCCEEDED, GetQueryResults' header row and rows, StopQueryExecution), not
// the SQL, which test/verify/event/athena runs on DuckDB.
import { expect } from "chai";
import { AthenaClient, CreateWorkGroupCommand, GetQueryExecutionCommand } from "@aws-sdk/client-athena";
import { CreateBucketCommand } from "@aws-sdk/client-s3";
import { ExitCode } from "../../verify";
import { RESULT_COLUMNS } from "../../verify/event/athena/event-query";
import { startLocalAthena, type LocalAthena } from "../support/servers/athena-server";
import { FixtureFactory, type FixtureRecord } from "../support/fixtures/cloudtrail-fixtures";
import { startCloudTrailServer, type LocalCloudTrail } from "../support/servers/cloudtrail-server";
import { describeMoto, MOTO_CREDENTIALS } from "./support/moto-suite";
import { createMotoTrail, motoClients } from "./support/moto-world";
import { ACCOUNT } from "../support/pulumi-program";
import { runVerifyCli } from "../support/processes/verify-cli";

const REGION = "us-east-1";
const BUCKET = "audit-logs-bucket-20261125221500000000000001";
const WORKGROUP = "trail-lab-lab-20261125-221500-4000";
const DATABASE = "trail_lab_lab_20261125_221500_4000";

/** A record as the lab's table gives it back: every column a string, JSON columns as JSON text, NULL as null. */
function asRow(record: FixtureRecord, key: string): (string | null)[] {
  const values: Record<(typeof RESULT_COLUMNS)[number], string | null> = {
    eventid: record.eventID,
    eventtime: record.eventTime,
    eventname: record.eventName,
    eventsource: record.eventSource,
    awsregion: record.awsRegion,
    eventversion: record.eventVersion,
    requestid: record.requestID,
    sourceipaddress: record.sourceIPAddress,
    useragent: record.userAgent,
    recipientaccountid: record.recipientAccountId,
    requestparameters: record.requestParameters === null ? null : JSON.stringify(record.requestParameters),
    responseelements: record.responseElements === null ? null : JSON.stringify(record.responseElements),
    $path: `s3://${BUCKET}/${key}`,
  };
  return RESULT_COLUMNS.map((c) => values[c]);
}

/** The probe's launch, 20 minutes ago, as the table returns it: delivered twice, so the search keeps the earlier key. */
function launch(now: Date) {
  const f = new FixtureFactory(ACCOUNT, 77);
  const instanceId = f.instanceId();
  const target = f.runInstances(REGION, new Date(now.getTime() - 20 * 60_000), instanceId);
  const targetKey = f.logKey(REGION, new Date(now.getTime() - 15 * 60_000));
  const rows = [asRow(target, targetKey), asRow(target, f.logKey(REGION, new Date(now.getTime() - 5 * 60_000)))];
  return { since: new Date(now.getTime() - 30 * 60_000), instanceId, target, targetKey, rows };
}

describeMoto("moto: Athena search (npm run verify -- --search athena)", (moto) => {
  let world: ReturnType<typeof launch>;
  let athena: LocalAthena;
  let ct: LocalCloudTrail;

  before(async () => {
    const now = new Date();
    world = launch(now);
    const { rows } = world;
    athena = await startLocalAthena();
    athena.script = () => ({ states: ["QUEUED", "RUNNING", "SUCCEEDED"], columns: [...RESULT_COLUMNS], rows, bytesScanned: 0 });
    ct = await startCloudTrailServer({
      trails: [
        { name: "my-logs-trail", account: ACCOUNT, homeRegion: REGION, bucket: BUCKET, isMultiRegion: true, latestDeliveryTime: now },
      ],
    });
  });
  after(async () => {
    await athena?.close();
    await ct?.close();
  });

  let client: AthenaClient;
  beforeEach(async () => {
    await moto.server.reset();
    const own = motoClients(moto.server.endpoint, REGION);
    try {
      await own.s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
      // With AWS's default selector, which moto does not report for a trail created without one (README.md).
      const eventSelectors = [
        { ReadWriteType: "All", IncludeManagementEvents: true, DataResources: [], ExcludeManagementEventSources: [] },
      ];
      await createMotoTrail(own.cloudTrail, {
        name: "my-logs-trail",
        account: ACCOUNT,
        homeRegion: REGION,
        bucket: BUCKET,
        eventSelectors,
      });
    } finally {
      own.destroy();
    }
    client = new AthenaClient({ region: REGION, endpoint: moto.server.endpoint, credentials: MOTO_CREDENTIALS, maxAttempts: 1 });
    // As infra/athena-search.ts declares it; moto would run a query in a workgroup it does not know.
    await client.send(new CreateWorkGroupCommand({ Name: WORKGROUP, Configuration: { EnforceWorkGroupConfiguration: true } }));
  });
  afterEach(() => client.destroy());

  /** moto's admin API (the moto-api routes), answered within a deadline. */
  async function motoApi(route: string, body: unknown): Promise<void> {
    const response = await fetch(`${moto.server.endpoint}/moto-api/${route}`, {
      method: "POST",
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
    if (!response.ok) throw new Error(`moto-api/${route} answered ${response.status}: ${await response.text()}`);
  }

  const verifyArgs = (timeout: string) => [
    "--trail",
    "my-logs-trail",
    "--region",
    REGION,
    "--search",
    "athena",
    "--workgroup",
    WORKGROUP,
    "--database",
    DATABASE,
    "--resource",
    world.instanceId,
    "--since",
    world.since.toISOString(),
    "--timeout",
    timeout,
    "--no-event-history",
    "--json",
  ];

  it("finds the launch from moto's result rows, header first, with the evidence the project's Athena gives for the same rows", async () => {
    const cell = (v: string | null) => (v === null ? {} : { VarCharValue: v });
    await motoApi("static/athena/query-results", {
      account_id: ACCOUNT,
      region: REGION,
      results: [
        {
          rows: [[...RESULT_COLUMNS], ...world.rows].map((r) => ({ Data: r.map(cell) })),
          column_info: RESULT_COLUMNS.map((c) => ({ Name: c, Label: c, Type: "varchar" })),
        },
      ],
    });
    const inMoto = await runVerifyCli(verifyArgs("0"), { all: moto.server.endpoint });
    const onProject = await runVerifyCli(verifyArgs("0"), { s3: "http://127.0.0.1:9", cloudTrail: ct.endpoint, athena: athena.endpoint });
    expect(inMoto.code, inMoto.stderr).to.equal(ExitCode.Ok);
    expect(onProject.code, onProject.stderr).to.equal(ExitCode.Ok);
    const [fromMoto, fromProject] = [inMoto, onProject].map((run) => JSON.parse(run.stdout) as Record<string, any>);
    expect(fromMoto).to.deep.include({ verified: true, search: "athena" });
    expect(fromMoto.s3).to.include({ key: world.targetKey, eventId: world.target.eventID });
    const found = ({ foundAt: _, ...rest }: Record<string, unknown>) => rest;
    expect(found(fromMoto.s3)).to.deep.equal(found(fromProject.s3));
    expect(fromMoto.athena).to.include({ workgroup: WORKGROUP, database: DATABASE, table: "cloudtrail_logs", bytesScanned: 0 });
    // moto kept the query as it was started: in the workgroup and database, the SQL the project's Athena got.
    expect(fromMoto.athena.queryIds).to.have.length(1);
    const { QueryExecution } = await client.send(new GetQueryExecutionCommand({ QueryExecutionId: fromMoto.athena.queryId }));
    expect(QueryExecution).to.deep.include({ Query: athena.queries.at(-1)!.sql, WorkGroup: WORKGROUP });
    expect(QueryExecution!.QueryExecutionContext).to.deep.include({ Database: DATABASE });
    expect(QueryExecution!.Status!.State).to.equal("SUCCEEDED");
  });

  it("a query moto holds QUEUED past the deadline is stopped (StopQueryExecution): moto reads it CANCELLED, and verify exits 1, the event not found by then", async () => {
    await motoApi("state-manager/set-transition", {
      model_name: "athena::execution",
      transition: { progression: "manual", times: 1_000_000 },
    });
    try {
      const run = await runVerifyCli(verifyArgs("3"), { all: moto.server.endpoint });
      expect(run.code, run.stderr).to.equal(ExitCode.CheckFailed);
      const id = /athena query ([0-9a-f-]{36}): QUEUED\n/.exec(run.stderr)?.[1];
      expect(id, run.stderr).to.be.a("string");
      expect(run.stderr).to.contain(`athena query ${id}: stopped`).and.not.contain("could not stop");
      expect(JSON.parse(run.stdout)).to.deep.include({ verified: false });
      const { QueryExecution } = await client.send(new GetQueryExecutionCommand({ QueryExecutionId: id }));
      expect(QueryExecution!.Status!.State).to.equal("CANCELLED");
    } finally {
      await motoApi("state-manager/unset-transition", { model_name: "athena::execution" });
    }
  });
});
