// A local Athena: the JSON 1.1 protocol (X-Amz-Target: AmazonAthena.<Operation>) for the four
// calls a query needs, so the real @aws-sdk/client-athena is exercised. Each query walks a script
// of states the test sets (QUEUED and RUNNING may alternate, as Athena's own retries make them),
// then ends as scripted; results come in pages, the header row on the first page only.
import { AthenaClient } from "@aws-sdk/client-athena";
import { jsonError, startAwsServer, type AwsReply, type AwsServer } from "./aws-query-json-server";

export interface QueryScript {
  /** States answered by successive GetQueryExecution calls; the last one repeats. */
  states: string[];
  /** Why it ended FAILED or CANCELLED. */
  reason?: string;
  columns: string[];
  rows: (string | null)[][];
  bytesScanned: number;
}

export interface StartedQuery {
  id: string;
  sql: string;
  workgroup: string;
  database: string;
  token: string;
  polls: number;
  stopped: boolean;
}

export interface LocalAthena {
  endpoint: string;
  /** How the next started query behaves: called with its SQL. */
  script: (sql: string) => QueryScript;
  queries: StartedQuery[];
  /** How many of the next calls of each operation are refused with TooManyRequestsException. */
  throttle: Record<string, number>;
  pageSize: number;
  /**
   * How GetQueryResults pages go wrong: the same NextToken on every page, a new token on every page
   * (pages that never end), or no answer at all.
   */
  resultsFault: null | "same-token" | "new-token" | "hang";
  server: AwsServer;
  client(options?: { maxAttempts?: number }): AthenaClient;
  close(): Promise<void>;
}

const json = (body: unknown): AwsReply => ({ json: true, body: JSON.stringify(body) });
const arg = (params: Record<string, string>, name: string): unknown => (params[name] === undefined ? undefined : JSON.parse(params[name]));

export async function startLocalAthena(): Promise<LocalAthena> {
  const scripts = new Map<string, QueryScript>();
  const local: LocalAthena = {
    endpoint: "",
    script: () => ({ states: ["SUCCEEDED"], columns: [], rows: [], bytesScanned: 0 }),
    queries: [],
    throttle: {},
    pageSize: 1000,
    resultsFault: null,
    server: undefined as unknown as AwsServer,
    client: (options = {}) =>
      new AthenaClient({
        region: "us-east-1",
        endpoint: local.endpoint,
        maxAttempts: options.maxAttempts ?? 1,
        credentials: { accessKeyId: "AKIAEXAMPLE", secretAccessKey: "secret" },
      }),
    close: () => local.server.close(),
  };
  const throttled = (operation: string): AwsReply | null => {
    if ((local.throttle[operation] ?? 0) <= 0) return null;
    local.throttle[operation] -= 1;
    return jsonError("TooManyRequestsException", "Rate exceeded");
  };
  const find = (params: Record<string, string>) => local.queries.find((q) => q.id === arg(params, "QueryExecutionId"));

  local.server = await startAwsServer({
    StartQueryExecution: (params) => {
      const refused = throttled("StartQueryExecution");
      if (refused) return refused;
      const token = (arg(params, "ClientRequestToken") as string | undefined) ?? "";
      const again = local.queries.find((q) => q.token === token && token !== "");
      if (again) return json({ QueryExecutionId: again.id });
      const sql = String(arg(params, "QueryString"));
      const id = `0f1e2d3c-0000-4000-8000-${String(local.queries.length + 1).padStart(12, "0")}`;
      const context = arg(params, "QueryExecutionContext") as { Database?: string } | undefined;
      local.queries.push({
        id,
        sql,
        workgroup: String(arg(params, "WorkGroup")),
        database: context?.Database ?? "",
        token,
        polls: 0,
        stopped: false,
      });
      scripts.set(id, local.script(sql));
      return json({ QueryExecutionId: id });
    },
    GetQueryExecution: (params) => {
      const refused = throttled("GetQueryExecution");
      if (refused) return refused;
      const q = find(params);
      if (!q) return jsonError("InvalidRequestException", "QueryExecution not found");
      const script = scripts.get(q.id)!;
      const state = q.stopped ? "CANCELLED" : script.states[Math.min(q.polls, script.states.length - 1)];
      q.polls += 1;
      return json({
        QueryExecution: {
          QueryExecutionId: q.id,
          Query: q.sql,
          WorkGroup: q.workgroup,
          Status: {
            State: state,
            ...(state === "FAILED" || state === "CANCELLED"
              ? {
                  StateChangeReason: q.stopped ? "Query cancelled by user" : script.reason,
                  AthenaError: { ErrorCategory: 2, ErrorType: 1000, Retryable: false, ErrorMessage: script.reason },
                }
              : {}),
          },
          Statistics: { DataScannedInBytes: state === "SUCCEEDED" ? script.bytesScanned : 0, EngineExecutionTimeInMillis: 1234 },
        },
      });
    },
    GetQueryResults: (params) => {
      const refused = throttled("GetQueryResults");
      if (refused) return refused;
      const q = find(params);
      if (!q) return jsonError("InvalidRequestException", "QueryExecution not found");
      const script = scripts.get(q.id)!;
      const all = [script.columns, ...script.rows];
      if (local.resultsFault === "hang") return { body: "", hang: true };
      const asked = arg(params, "NextToken") as string | undefined;
      const start = asked === undefined ? 0 : Number(asked.split("-")[0]);
      const page = all.slice(start, start + local.pageSize);
      const following = start + local.pageSize < all.length ? String(start + local.pageSize) : undefined;
      // The faults answer a token even after the last row: "0-<n>" asks for the first page again.
      const pageNo = local.server.requests.filter((r) => r.operation === "GetQueryResults").length;
      const next = local.resultsFault === "same-token" ? "0-same" : local.resultsFault === "new-token" ? `0-${pageNo}` : following;
      return json({
        ResultSet: {
          Rows: page.map((values) => ({ Data: values.map((v) => (v === null ? {} : { VarCharValue: v })) })),
          ResultSetMetadata: { ColumnInfo: script.columns.map((name) => ({ Name: name, Label: name, Type: "varchar" })) },
        },
        ...(next ? { NextToken: next } : {}),
        UpdateCount: 0,
      });
    },
    StopQueryExecution: (params) => {
      const q = find(params);
      if (q) q.stopped = true;
      return json({});
    },
  });
  local.endpoint = local.server.endpoint;
  return local;
}
