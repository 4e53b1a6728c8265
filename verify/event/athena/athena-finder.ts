// The S3 half of verifyTrail run by Athena instead of this process: each polling round runs the
// event query on the trail's table and keeps what it returns in the scanner's shape, so the
// evidence, the Event History cross-check and the messages stay the same.
import type { AthenaClient } from "@aws-sdk/client-athena";
import type { AthenaEvidence, S3Match, SkippedObject } from "../types";
import { buildEventQuery, type EventQuery } from "./event-query";
import { matchFromRow } from "./athena-rows";
import { athenaCostUsd, runAthenaQuery, type AthenaTarget } from "./athena-query";
import type { Clock } from "../../pacing/clock";

export interface AthenaSource extends AthenaTarget {
  /** The CloudTrail table (the lab's stack output athenaTable). */
  table: string;
}

export interface AthenaFinderOptions extends AthenaSource {
  client: AthenaClient;
  query: Omit<EventQuery, "table" | "limit">;
  /** The bucket the evidence names: a row from an object anywhere else is skipped, not matched. */
  bucket: string;
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

export class AthenaFinder {
  readonly objectsScanned = 0;
  readonly bytesDownloaded = 0;
  /** Rows that cannot be the event (athena-rows.ts), each named once however many rounds return it. */
  readonly skipped: SkippedObject[] = [];
  private readonly skippedSeen = new Set<string>();
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
    const criteria = { eventName: o.query.eventName, since: o.query.since, bucket: o.bucket };
    run.rows.forEach((row, i) => {
      const outcome = matchFromRow(row, criteria, `Athena query ${run.queryId}, row ${i + 1}`);
      if ("skipped" in outcome) this.skip(outcome.skipped, outcome.fromObject);
      else this.keep(outcome.match);
    });
  }

  /** The earliest key of an event delivered twice, so that every round picks the same object. */
  private keep(match: S3Match): void {
    const known = this.matches.get(match.record.eventID);
    if (!known || match.key < known.key) this.matches.set(match.record.eventID, match);
  }

  /** Once per object and reason; a row with no object is named by its query, new each round, so once per reason. */
  private skip(skipped: SkippedObject, fromObject: boolean): void {
    const seen = `${fromObject ? skipped.key : ""}\n${skipped.reason}`;
    if (this.skippedSeen.has(seen)) return;
    this.skippedSeen.add(seen);
    this.skipped.push(skipped);
    this.options.onProgress?.(`warning: skipped ${skipped.key}: ${skipped.reason}`);
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
