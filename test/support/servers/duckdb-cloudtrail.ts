// The Athena CloudTrail table, offline: DuckDB reads the same `.json.gz` fixtures through a view
// with the table's column names, partition columns from the key layout, and "$path" naming the
// object a row came from. JSON-valued fields stay JSON text, as the Hive JSON SerDe leaves them.
import * as fs from "node:fs";
import * as path from "node:path";
import { DuckDBInstance, type DuckDBConnection } from "@duckdb/node-api";

export interface LocalTable {
  query(sql: string): Promise<Record<string, unknown>[]>;
  close(): void;
}

/** Writes each object to `<dir>/<key>`, as S3 would hold it under the bucket. */
export function writeObjects(dir: string, objects: { key: string; body: Buffer }[]): void {
  for (const { key, body } of objects) {
    const file = path.join(dir, key);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, body);
  }
}

const str = (field: string) => `json_extract_string(rec, '$.${field}')`;
const jsonText = (field: string) => `NULLIF(CAST(json_extract(rec, '$.${field}') AS VARCHAR), 'null')`;

/** A DuckDB view `<table>` over the log objects (keys) stored under `dir` for `bucket`. */
export async function openLocalCloudTrailTable(
  dir: string,
  bucket: string,
  keys: string[],
  table = "cloudtrail_logs",
): Promise<LocalTable> {
  const instance = await DuckDBInstance.create(":memory:");
  const connection: DuckDBConnection = await instance.connect();
  const root = dir.endsWith("/") ? dir : `${dir}/`;
  const files = keys.map((k) => `'${path.join(dir, k).replace(/'/g, "''")}'`).join(", ");
  await connection.run(`
    CREATE VIEW ${table} AS
    WITH files AS (
      SELECT replace(filename, '${root}', '') AS key, json
      FROM read_json_objects([${files}], format = 'unstructured', filename = true)
    ), recs AS (
      SELECT key, unnest(CAST(json_extract(json, '$.Records') AS JSON[])) AS rec FROM files
    )
    SELECT
      ${str("eventVersion")} AS eventversion,
      ${str("eventTime")} AS eventtime,
      ${str("eventSource")} AS eventsource,
      ${str("eventName")} AS eventname,
      ${str("awsRegion")} AS awsregion,
      ${str("sourceIPAddress")} AS sourceipaddress,
      ${str("userAgent")} AS useragent,
      ${jsonText("requestParameters")} AS requestparameters,
      ${jsonText("responseElements")} AS responseelements,
      ${str("requestID")} AS requestid,
      ${str("eventID")} AS eventid,
      ${str("recipientAccountId")} AS recipientaccountid,
      list_transform(CAST(json_extract(rec, '$.resources') AS JSON[]),
        r -> {'arn': json_extract_string(r, '$.ARN'), 'accountid': json_extract_string(r, '$.accountId'), 'type': json_extract_string(r, '$.type')}) AS resources,
      regexp_extract(key, '/CloudTrail/([^/]+)/', 1) AS region,
      regexp_extract(key, '/CloudTrail/[^/]+/(\\d{4}/\\d{2}/\\d{2})/', 1) AS "timestamp",
      's3://${bucket}/' || key AS "$path"
    FROM recs`);
  return {
    async query(sql) {
      const reader = await connection.runAndReadAll(sql);
      return reader.getRowObjectsJS();
    },
    close() {
      connection.closeSync();
      instance.closeSync();
    },
  };
}
