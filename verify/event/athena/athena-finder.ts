// The S3 half of verifyTrail run by Athena instead of this process: each polling round runs the
// event query on the trail's table and keeps what it returns in the scanner's shape, so the
// evidence, the Event History cross-check and the messages stay the same.
import type { AthenaClient } from "@aws-sdk/client-athena";
import type { AthenaEvidence, CloudTrailRecord, S3Match } from "../types";
import { buildEventQuery, type EventQuery } from "./event-query";
import { athenaCostUsd, runAthenaQuery, type AthenaTarget } from "./athena-query";
import type { Clock } from "../../pacing/clock";

export interface AthenaSource extends AthenaTarget {
  /** The CloudTrail table (the lab's stack output athenaTable). */
  table: string;
}

export interface AthenaFinderOptions extends AthenaSource {
  client: AthenaClient;
  query: Omit<EventQuery, "table" | "limit">;
  /** Epoch ms after which a round's query is stopped. */
  deadline: number;
  /** @default POLL_DEFAULTS.pollMs (athena-query.ts) */
  pollMs?: number;
  /** @default none */
  signal?: AbortSignal;
  /** @default systemClock */
  clock?: Clock;
  /** @default none */
  onProgress?: (line: string) => void;
}

// Rows beyond this are not needed to prove one event; a duplicate delivery is the usual second row.
const ROW_LIMIT = 100;

/** `s3://bucket/key` to `key`: Athena's "$path" names the object a row came from. */
export function keyFromPath(path: string | null): string {
  return path ? path.replace(/^s3:\/\/[^/]+\//, "") : "";
}

function parseJson(text: string | null): unknown {
  if (text === null || text === "") return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** The record as far as the table's columns carry it, under CloudTrail's own field names. */
export function recordFromRow(row: Record<string, string | null>): CloudTrailRecord {
  return {
    eventVersion: row.eventversion ?? undefined,
    eventTime: row.eventtime ?? "",
    eventSource: row.eventsource ?? undefined,
    eventName: row.eventname ?? "",
    awsRegion: row.awsregion ?? undefined,
    sourceIPAddress: row.sourceipaddress ?? undefined,
    userAgent: row.useragent ?? undefined,
    requestParameters: parseJson(row.requestparameters),
    responseElements: parseJson(row.responseelements),
    requestID: row.requestid ?? undefined,
    eventID: row.eventid ?? "",
    recipientAccountId: row.recipientaccountid ?? undefined,
  };
}

export class AthenaFinder {
  readonly objectsScanned = 0;
  readonly bytesDownloaded = 0;
  readonly skipped = [] as const;
  bytesScanned = 0;
  costUsd = 0;
  readonly matches = new Map<string, S3Match>();
  readonly queryIds: string[] = [];
  private readonly sql: string;

  constructor(private readonly options: AthenaFinderOptions) {
    this.sql = buildEventQuery({ ...options.query, table: `${options.database}.${options.table}`, limit: ROW_LIMIT }, "athena");
  }

  async scanRound(_now: Date): Promise<void> {
    const o = this.options;
    const run = await runAthenaQuery({
      client: o.client,
      workgroup: o.workgroup,
      database: o.database,
      sql: this.sql,
      deadline: o.deadline,
      pollMs: o.pollMs,
      signal: o.signal,
      clock: o.clock,
      onProgress: o.onProgress,
    });
    this.queryIds.push(run.queryId);
    this.bytesScanned += run.bytesScanned;
    this.costUsd += athenaCostUsd(run.bytesScanned);
    for (const row of run.rows) {
      const record = recordFromRow(row);
      const key = keyFromPath(row.$path);
      const known = this.matches.get(record.eventID);
      if (!known || key < known.key) this.matches.set(record.eventID, { key, record });
    }
  }

  /** Where the rows come from, for messages. */
  folderPrefixes(): string[] {
    return [`Athena table ${this.options.database}.${this.options.table}`];
  }

  evidence(): AthenaEvidence {
    const o = this.options;
    return {
      workgroup: o.workgroup,
      database: o.database,
      table: o.table,
      queryId: this.queryIds.at(-1) ?? null,
      queryIds: [...this.queryIds],
      bytesScanned: this.bytesScanned,
      costUsd: this.costUsd,
    };
  }
}
