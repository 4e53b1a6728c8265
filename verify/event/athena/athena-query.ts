// Running one query on Athena to its end: start it (idempotently), poll its state with backoff
// (QUEUED and RUNNING may alternate: Athena retries internally), stop it on abort or deadline,
// and read every page of results (the header row comes only on the first page).
import { randomUUID } from "node:crypto";
import {
  GetQueryExecutionCommand,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
  paginateGetQueryResults,
  type AthenaClient,
  type QueryExecution,
} from "@aws-sdk/client-athena";
import { toVerifyError } from "../../aws-errors";
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

  const rows: Record<string, string | null>[] = [];
  let header: string[] | null = null;
  try {
    for await (const page of paginateGetQueryResults({ client: o.client }, { QueryExecutionId: queryId })) {
      for (const row of page.ResultSet?.Rows ?? []) {
        const values = (row.Data ?? []).map((d) => d.VarCharValue ?? null);
        if (header === null) {
          header = values.map((v, i) => v ?? `_col${i}`);
          continue;
        }
        rows.push(Object.fromEntries(header.map((name, i) => [name, values[i] ?? null])));
      }
    }
  } catch (err) {
    throw toVerifyError("GetQueryResults", `Athena query ${queryId}`, err);
  }
  return { queryId, bytesScanned: execution?.Statistics?.DataScannedInBytes ?? 0, rows };
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
