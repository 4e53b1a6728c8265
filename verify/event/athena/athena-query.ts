// Running one query on Athena to its end: start it (idempotently), poll its state with backoff
// (QUEUED and RUNNING may alternate: Athena retries internally), stop it on abort or deadline,
// and read every page of results (the header row comes only on the first page). The pages are
// read as the S3 listing reads its own (s3/listing.ts): a NextToken asked for before is an error
// (the same pages forever), pages are bounded, and the deadline and the abort end the reading.
import { randomUUID } from "node:crypto";
import {
  GetQueryExecutionCommand,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
  paginateGetQueryResults,
  type AthenaClient,
  type GetQueryResultsCommandOutput,
  type QueryExecution,
} from "@aws-sdk/client-athena";
import { toVerifyError } from "../../aws-errors";
import { AwsCallError } from "../../../common/errors";
import { ExitCode } from "../../../common/exit-codes";
import { VerifyError } from "../../errors";
import { systemClock, type Clock } from "../../pacing/clock";
import { retryThrottled } from "../../pacing/retry";

export interface AthenaTarget {
  workgroup: string;
  database: string;
}

/** The pauses between state checks, unless a run says otherwise: the first, and the longest. */
export const POLL_DEFAULTS = { pollMs: 500, maxPollMs: 5000 } as const;

/**
 * 100 pages of up to 1000 rows: a thousand times the rows the event query asks for (its LIMIT),
 * so more pages than this are an endpoint inventing tokens.
 */
export const MAX_RESULT_PAGES = 100;

export interface AthenaRunOptions extends AthenaTarget {
  client: AthenaClient;
  sql: string;
  /** Epoch ms after which the query is stopped. */
  deadline: number;
  /**
   * First pause between state checks; it doubles up to maxPollMs.
   * @default POLL_DEFAULTS.pollMs
   */
  pollMs?: number;
  /** @default POLL_DEFAULTS.maxPollMs */
  maxPollMs?: number;
  /**
   * GetQueryResults pages past this end the reading with AthenaResultsError ("too-many-pages").
   * @default MAX_RESULT_PAGES
   */
  maxResultPages?: number;
  /**
   * Aborting stops the query.
   * @default none
   */
  signal?: AbortSignal;
  /** @default systemClock */
  clock?: Clock;
  /** @default none */
  onProgress?: (line: string) => void;
}

export interface AthenaRun {
  queryId: string;
  /** Bytes Athena read from S3 for this query, as it bills them. */
  bytesScanned: number;
  /** Rows as objects keyed by column label; SQL NULL is null. */
  rows: Record<string, string | null>[];
}

/** USD 5 per TB scanned, each query billed at least 10 MB, rounded up to the MB. */
export function athenaCostUsd(bytesScanned: number): number {
  const mb = Math.max(10, Math.ceil(bytesScanned / 1024 ** 2));
  return (mb / 1024 ** 2) * 5;
}

/** The query ended FAILED or CANCELLED, or did not end by the deadline. */
export class AthenaQueryError extends VerifyError {
  constructor(
    readonly queryId: string,
    readonly state: string,
    readonly reason: string,
  ) {
    super(
      `Athena query ${queryId} ${state === "TIMEOUT" ? "did not finish by the deadline and was stopped" : `ended ${state}`}: ${reason}. ` +
        (state === "CANCELLED" && /scan|limit|cutoff/i.test(reason)
          ? "The workgroup's per-query scan cutoff stopped it: narrow --since or --regions, or raise trail-lab:athenaScanCutoffBytes."
          : `See it with: aws athena get-query-execution --query-execution-id ${queryId}`),
      ExitCode.AwsError,
    );
  }
}

export type ResultsProblem = "repeated-token" | "too-many-pages" | "deadline";

const RESULTS_CODE: Record<ResultsProblem, string> = {
  "repeated-token": "RepeatedNextToken",
  "too-many-pages": "TooManyPages",
  deadline: "DeadlineExceeded",
};

/** Results whose pages would never end, or were still coming at the deadline: exit 3, naming the query. */
export class AthenaResultsError extends AwsCallError {
  constructor(
    readonly queryId: string,
    readonly problem: ResultsProblem,
    readonly pages: number,
  ) {
    const what =
      problem === "repeated-token"
        ? `the results of Athena query ${queryId} never end: page ${pages} answered with a NextToken already asked for, so the same pages would come back forever.`
        : problem === "too-many-pages"
          ? `the results of Athena query ${queryId} go on past ${pages} pages, far more than the query's LIMIT allows; stopped there.`
          : `the results of Athena query ${queryId} were still coming after ${pages} pages when the deadline passed; stopped there.`;
    super(
      "GetQueryResults",
      RESULTS_CODE[problem],
      `${what} ${problem === "deadline" ? "Run again, or allow more time with --timeout." : "The endpoint is not answering as Athena does: check AWS_ENDPOINT_URL_ATHENA, or a proxy in between."}`,
    );
  }
}

function failureReason(execution: QueryExecution | undefined): string {
  const status = execution?.Status;
  const error = status?.AthenaError;
  return (
    [status?.StateChangeReason, error?.ErrorMessage && error.ErrorMessage !== status?.StateChangeReason ? error.ErrorMessage : undefined]
      .filter(Boolean)
      .join("; ") || "no reason given"
  );
}

export async function runAthenaQuery(o: AthenaRunOptions): Promise<AthenaRun> {
  const clock = o.clock ?? systemClock;
  const say = o.onProgress ?? (() => undefined);
  const call = <T>(operation: string, send: () => Promise<T>) =>
    retryThrottled(send, { deadline: o.deadline, signal: o.signal, clock }).catch((err: unknown) => {
      throw toVerifyError(operation, `Athena workgroup ${o.workgroup}`, err);
    });

  const started = await call("StartQueryExecution", () =>
    o.client.send(
      new StartQueryExecutionCommand({
        QueryString: o.sql,
        WorkGroup: o.workgroup,
        QueryExecutionContext: { Database: o.database, Catalog: "AwsDataCatalog" },
        // The same token on a retried call cannot start a second query.
        ClientRequestToken: randomUUID(),
      }),
      { abortSignal: o.signal },
    ),
  );
  const queryId = started.QueryExecutionId;
  if (!queryId) throw new AthenaQueryError("(none)", "FAILED", "StartQueryExecution returned no query id");

  let pause = o.pollMs ?? POLL_DEFAULTS.pollMs;
  let lastState = "";
  let execution: QueryExecution | undefined;
  try {
    for (;;) {
      const got = await call("GetQueryExecution", () =>
        o.client.send(new GetQueryExecutionCommand({ QueryExecutionId: queryId }), { abortSignal: o.signal }),
      );
      execution = got.QueryExecution;
      const state = execution?.Status?.State ?? "UNKNOWN";
      if (state !== lastState) say(`athena query ${queryId}: ${state}`);
      lastState = state;
      if (state === "SUCCEEDED") break;
      if (state === "FAILED" || state === "CANCELLED") throw new AthenaQueryError(queryId, state, failureReason(execution));
      if (clock.now() + pause > o.deadline) throw new AthenaQueryError(queryId, "TIMEOUT", `still ${state}`);
      await clock.sleep(pause, o.signal);
      pause = Math.min(o.maxPollMs ?? POLL_DEFAULTS.maxPollMs, pause * 2);
    }
  } catch (err) {
    if (!(err instanceof AthenaQueryError && err.state !== "TIMEOUT")) await stopQuietly(o.client, queryId, say);
    throw err;
  }

  const rows = await readResults(o, queryId, clock);
  return { queryId, bytesScanned: execution?.Statistics?.DataScannedInBytes ?? 0, rows };
}

/** Every page of a query's results as rows keyed by the header's labels (the first row of the first page). */
async function readResults(o: AthenaRunOptions, queryId: string, clock: Clock): Promise<Record<string, string | null>[]> {
  const maxPages = o.maxResultPages ?? MAX_RESULT_PAGES;
  const rows: Record<string, string | null>[] = [];
  const asked = new Set<string>();
  let header: string[] | null = null;
  let pages = 0;
  const pager = paginateGetQueryResults({ client: o.client }, { QueryExecutionId: queryId }, { abortSignal: o.signal });
  for (;;) {
    let next: IteratorResult<GetQueryResultsCommandOutput, undefined>;
    try {
      next = await pager.next();
    } catch (err) {
      throw toVerifyError("GetQueryResults", `Athena query ${queryId}`, err);
    }
    if (next.done) return rows;
    pages += 1;
    for (const row of next.value.ResultSet?.Rows ?? []) {
      const values = (row.Data ?? []).map((d) => d.VarCharValue ?? null);
      if (header === null) header = values.map((v, i) => v ?? `_col${i}`);
      else rows.push(Object.fromEntries(header.map((name, i) => [name, values[i] ?? null])));
    }
    const token = next.value.NextToken;
    if (!token) return rows;
    if (asked.has(token)) throw new AthenaResultsError(queryId, "repeated-token", pages);
    if (pages >= maxPages) throw new AthenaResultsError(queryId, "too-many-pages", pages);
    if (clock.now() > o.deadline) throw new AthenaResultsError(queryId, "deadline", pages);
    asked.add(token);
  }
}

/** Stops a query left running by an abort or a deadline; a failure to stop is said, not thrown. */
async function stopQuietly(client: AthenaClient, queryId: string, say: (line: string) => void): Promise<void> {
  try {
    await client.send(new StopQueryExecutionCommand({ QueryExecutionId: queryId }));
    say(`athena query ${queryId}: stopped`);
  } catch (err) {
    say(
      `warning: could not stop Athena query ${queryId} (${(err as Error).message}); stop it with: aws athena stop-query-execution --query-execution-id ${queryId}`,
    );
  }
}
