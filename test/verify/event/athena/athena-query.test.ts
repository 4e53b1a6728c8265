// Running a query on a local Athena that speaks the real protocol: polling through states that
// go back and forth, failures with their reasons, throttling, paging, deadline and abort.
import { expect } from "chai";
import { runAthenaQuery, athenaCostUsd, AthenaQueryError } from "../../../../verify/event/athena/athena-query";
import { ExitCode } from "../../../../verify";
import { startLocalAthena, type LocalAthena } from "../../../support/servers/athena-server";

describe("verify: an Athena query run to its end", function () {
  let athena: LocalAthena;
  const run = (over: Partial<Parameters<typeof runAthenaQuery>[0]> = {}) =>
    runAthenaQuery({
      client: athena.client(),
      workgroup: "trail-lab-lab",
      database: "trail_lab_lab",
      sql: "SELECT 1",
      deadline: Date.now() + 10_000,
      pollMs: 2,
      maxPollMs: 5,
      ...over,
    });

  beforeEach(async function () {
    athena = await startLocalAthena();
  });
  afterEach(async function () {
    await athena.close();
  });

  it("polls through QUEUED and RUNNING, even back to QUEUED, and reads every page with one header", async function () {
    athena.pageSize = 2;
    athena.script = () => ({
      states: ["QUEUED", "RUNNING", "QUEUED", "RUNNING", "SUCCEEDED"],
      columns: ["eventid", "$path"],
      rows: [
        ["e1", "s3://b/k1"],
        ["e2", null],
        ["e3", "s3://b/k3"],
        ["e4", "s3://b/k4"],
      ],
      bytesScanned: 52_428_800,
    });
    const lines: string[] = [];
    const result = await run({ onProgress: (l) => lines.push(l) });
    expect(result.rows).to.deep.equal([
      { eventid: "e1", $path: "s3://b/k1" },
      { eventid: "e2", $path: null },
      { eventid: "e3", $path: "s3://b/k3" },
      { eventid: "e4", $path: "s3://b/k4" },
    ]);
    expect(result.bytesScanned).to.equal(52_428_800);
    expect(athena.queries).to.have.length(1);
    expect(athena.queries[0]).to.include({ workgroup: "trail-lab-lab", database: "trail_lab_lab", sql: "SELECT 1", polls: 5 });
    expect(athena.server.requests.filter((r) => r.operation === "GetQueryResults")).to.have.length(3);
    expect(lines.map((l) => l.split(": ")[1])).to.deep.equal(["QUEUED", "RUNNING", "QUEUED", "RUNNING", "SUCCEEDED"]);
  });

  it("fails with the reason Athena gives, exit 3, and does not stop a query that already ended", async function () {
    athena.script = () => ({
      states: ["RUNNING", "FAILED"],
      reason: "HIVE_CURSOR_ERROR: Row is not a valid JSON Object",
      columns: [],
      rows: [],
      bytesScanned: 0,
    });
    const error = await run().then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).to.be.instanceOf(AthenaQueryError);
    expect((error as AthenaQueryError).exitCode).to.equal(ExitCode.AwsError);
    expect((error as Error).message)
      .to.contain("ended FAILED: HIVE_CURSOR_ERROR: Row is not a valid JSON Object")
      .and.contain("get-query-execution");
    expect(athena.server.requests.some((r) => r.operation === "StopQueryExecution")).to.equal(false);
  });

  it("says what to change when the workgroup's scan cutoff cancels the query", async function () {
    athena.script = () => ({
      states: ["RUNNING", "CANCELLED"],
      reason: "Query cancelled: exceeded the bytes scanned limit of the workgroup",
      columns: [],
      rows: [],
      bytesScanned: 0,
    });
    const error = (await run().catch((e: unknown) => e)) as Error;
    expect(error.message).to.contain("ended CANCELLED").and.contain("athenaScanCutoffBytes");
  });

  it("retries throttled calls with backoff, starting the query only once", async function () {
    athena.throttle = { StartQueryExecution: 2, GetQueryExecution: 2 };
    athena.script = () => ({ states: ["SUCCEEDED"], columns: ["eventid"], rows: [["e1"]], bytesScanned: 1 });
    const result = await run({ deadline: Date.now() + 30_000 });
    expect(result.rows).to.deep.equal([{ eventid: "e1" }]);
    expect(athena.server.requests.filter((r) => r.operation === "StartQueryExecution")).to.have.length(3);
    expect(athena.queries).to.have.length(1);
  });

  it("stops the query at the deadline and says so", async function () {
    athena.script = () => ({ states: ["RUNNING"], columns: [], rows: [], bytesScanned: 0 });
    const error = (await run({ deadline: Date.now() + 40 }).catch((e: unknown) => e)) as AthenaQueryError;
    expect(error.state).to.equal("TIMEOUT");
    expect(error.message).to.contain("did not finish by the deadline and was stopped");
    expect(athena.queries[0].stopped).to.equal(true);
  });

  it("stops the query when aborted", async function () {
    athena.script = () => ({ states: ["RUNNING"], columns: [], rows: [], bytesScanned: 0 });
    const controller = new AbortController();
    const running = run({ signal: controller.signal, pollMs: 5 }).catch((e: unknown) => e);
    // Abort once the query runs (a fixed 30 ms aborted before it started on a loaded machine).
    for (let i = 0; i < 200 && athena.queries.length === 0; i++) await new Promise((r) => setTimeout(r, 25));
    expect(athena.queries, "the query never started").to.have.length(1);
    controller.abort();
    const error = await running;
    expect(error).to.be.an("error");
    expect(athena.queries[0].stopped).to.equal(true);
  });

  it("bills USD 5 per TB, at least 10 MB a query", function () {
    expect(athenaCostUsd(0)).to.equal((10 / 1024 ** 2) * 5);
    expect(athenaCostUsd(1024 ** 4)).to.equal(5);
    expect(athenaCostUsd(20 * 1024 ** 2 + 1)).to.equal((21 / 1024 ** 2) * 5);
  });
});
