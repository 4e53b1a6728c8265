// Running a query on a local Athena that speaks the real protocol: polling through states that
// go back and forth, failures with their reasons, throttling, paging, deadline and abort.
import { expect } from "chai";
import {
  runAthenaQuery,
  athenaCostUsd,
  AthenaQueryError,
  AthenaResultsError,
  MAX_RESULT_PAGES,
} from "../../../../verify/event/athena/athena-query";
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

  describe("results whose pages never end", function () {
    const pagesAsked = () => athena.server.requests.filter((r) => r.operation === "GetQueryResults").length;
    beforeEach(() => {
      athena.script = () => ({ states: ["SUCCEEDED"], columns: ["eventid"], rows: [["e1"], ["e2"]], bytesScanned: 1 });
    });

    it("stops at the first NextToken asked for before, exit 3, naming the query", async function () {
      athena.resultsFault = "same-token";
      const error = await run().catch((e: unknown) => e);
      expect(error).to.be.instanceOf(AthenaResultsError);
      expect(error).to.include({ problem: "repeated-token", pages: 2, exitCode: ExitCode.AwsError });
      expect((error as Error).message)
        .to.contain(`GetQueryResults failed (RepeatedNextToken): the results of Athena query ${athena.queries[0].id} never end`)
        .and.contain("AWS_ENDPOINT_URL_ATHENA");
      expect(pagesAsked()).to.equal(2);
    });

    it("stops after maxResultPages when every page invents a new token", async function () {
      athena.resultsFault = "new-token";
      const error = await run({ maxResultPages: 7 }).catch((e: unknown) => e);
      expect(error).to.include({ problem: "too-many-pages", pages: 7 });
      expect((error as Error).message).to.contain("go on past 7 pages");
      expect(pagesAsked()).to.equal(7);
    });

    it("bounds the pages by MAX_RESULT_PAGES unless told otherwise", async function () {
      athena.resultsFault = "new-token";
      const error = await run().catch((e: unknown) => e);
      expect(error).to.include({ problem: "too-many-pages", pages: MAX_RESULT_PAGES });
      expect(pagesAsked()).to.equal(MAX_RESULT_PAGES);
    });

    it("stops at the deadline between pages", async function () {
      athena.resultsFault = "new-token";
      // The clock passes the deadline once the third page has been asked for.
      const deadline = Date.now() + 60_000;
      const clock = {
        now: () => (pagesAsked() >= 3 ? deadline + 1 : Date.now()),
        sleep: (ms: number) => new Promise<void>((r) => setTimeout(r, ms)),
      };
      const error = await run({ deadline, clock }).catch((e: unknown) => e);
      expect(error).to.include({ problem: "deadline", pages: 3, exitCode: ExitCode.AwsError });
      expect((error as Error).message)
        .to.contain("when the deadline passed")
        .and.contain("--timeout");
      expect(pagesAsked()).to.equal(3);
    });

    it("stops a page that never answers when aborted", async function () {
      athena.resultsFault = "hang";
      const controller = new AbortController();
      const running = run({ signal: controller.signal }).catch((e: unknown) => e);
      for (let i = 0; i < 400 && pagesAsked() === 0; i++) await new Promise((r) => setTimeout(r, 25));
      expect(pagesAsked(), "GetQueryResults was never asked").to.equal(1);
      controller.abort();
      expect(await running).to.be.an("error");
    });

    it("reads a last page with no token and stops there", async function () {
      athena.pageSize = 1;
      const result = await run();
      expect(result.rows).to.deep.equal([{ eventid: "e1" }, { eventid: "e2" }]);
      expect(pagesAsked()).to.equal(3);
    });
  });

  it("bills USD 5 per TB, at least 10 MB a query", function () {
    expect(athenaCostUsd(0)).to.equal((10 / 1024 ** 2) * 5);
    expect(athenaCostUsd(1024 ** 4)).to.equal(5);
    expect(athenaCostUsd(20 * 1024 ** 2 + 1)).to.equal((21 / 1024 ** 2) * 5);
  });
});
