// The S3 scanner's match (event name, instance id, eventTime >= since) as one SQL query over the
// CloudTrail table AWS documents for Athena. One builder, a small dialect switch: Athena (Trino)
// runs it in an account; DuckDB runs it offline over the same fixtures, so a differential test
// can hold the SQL to the scanner's answers.

export interface EventQuery {
  /** `database.table` or a bare table name. */
  table: string;
  eventName: string;
  /** Instance id (or resource name) the event must concern; null matches any. */
  resource: string | null;
  since: Date;
  /** Region partitions to read; empty reads all the table projects. */
  regions: string[];
  /** At most this many rows. */
  limit: number;
}

export type Dialect = "athena" | "duckdb";

/** The table's partition and the columns a match needs; `$path` is the object the record came from. */
export const RESULT_COLUMNS = [
  "eventid",
  "eventtime",
  "eventname",
  "eventsource",
  "awsregion",
  "eventversion",
  "requestid",
  "sourceipaddress",
  "useragent",
  "recipientaccountid",
  "requestparameters",
  "responseelements",
  "$path",
] as const;

interface DialectRules {
  /** The list, or an empty one when it is null. */
  orEmpty(list: string): string;
  /** A JSON array held in a string column, as a list of JSON values (empty when absent). */
  jsonItems(column: string, path: string): string;
  jsonString(value: string, path: string): string;
  /** True when some element of `list` satisfies `predicate` over `name`. */
  anyMatch(list: string, name: string, predicate: string): string;
  /** The column, an ISO-8601 string, at or after the instant. */
  notBefore(column: string, iso: string): string;
}

const DIALECTS: Record<Dialect, DialectRules> = {
  athena: {
    orEmpty: (list) => `COALESCE(${list}, ARRAY[])`,
    jsonItems: (column, path) => `COALESCE(CAST(json_extract(${column}, '${path}') AS ARRAY(JSON)), ARRAY[])`,
    jsonString: (value, path) => `json_extract_scalar(${value}, '${path}')`,
    anyMatch: (list, name, predicate) => `any_match(${list}, ${name} -> ${predicate})`,
    notBefore: (column, iso) => `from_iso8601_timestamp(${column}) >= from_iso8601_timestamp(${literal(iso)})`,
  },
  duckdb: {
    orEmpty: (list) => `COALESCE(${list}, [])`,
    jsonItems: (column, path) => `COALESCE(CAST(json_extract(${column}, '${path}') AS JSON[]), [])`,
    jsonString: (value, path) => `json_extract_string(${value}, '${path}')`,
    anyMatch: (list, name, predicate) => `len(list_filter(${list}, ${name} -> ${predicate})) > 0`,
    notBefore: (column, iso) => `CAST(${column} AS TIMESTAMPTZ) >= CAST(${literal(iso)} AS TIMESTAMPTZ)`,
  },
};

/** A SQL string literal; quotes doubled, so user input cannot end it. */
export function literal(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

function identifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

function tableName(table: string): string {
  return table.split(".").map(identifier).join(".");
}

/** Folder dates are delivery dates, so start a day before `since` (yyyy/MM/dd compares as text). */
export function firstFolderDate(since: Date): string {
  const day = new Date(since.getTime() - 24 * 3600_000);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${day.getUTCFullYear()}/${pad(day.getUTCMonth() + 1)}/${pad(day.getUTCDate())}`;
}

export function buildEventQuery(q: EventQuery, dialect: Dialect): string {
  const d = DIALECTS[dialect];
  const where = [
    `"timestamp" >= ${literal(firstFolderDate(q.since))}`,
    ...(q.regions.length > 0 ? [`region IN (${q.regions.map(literal).join(", ")})`] : []),
    `eventname = ${literal(q.eventName)}`,
    d.notBefore("eventtime", q.since.toISOString()),
  ];
  if (q.resource !== null) where.push(concernsResource(d, q.resource));
  return [
    `SELECT ${RESULT_COLUMNS.map(identifier).join(", ")}`,
    `FROM ${tableName(q.table)}`,
    `WHERE ${where.join("\n  AND ")}`,
    `ORDER BY eventtime, eventid`,
    `LIMIT ${Math.max(1, Math.floor(q.limit))}`,
  ].join("\n");
}

/** The scanner's concernsResource: in the instances the call created or named, or in resources[]. */
function concernsResource(d: DialectRules, resource: string): string {
  const id = literal(resource);
  const inInstances = (column: string) =>
    d.anyMatch(d.jsonItems(column, "$.instancesSet.items"), "i", `${d.jsonString("i", "$.instanceId")} = ${id}`);
  const arnEndsWith = (sep: string) => `r.arn LIKE ${literal(`%${sep}${escapeLike(resource)}`)} ESCAPE '\\'`;
  const inResources = d.anyMatch(d.orEmpty("resources"), "r", `r.arn = ${id} OR ${arnEndsWith("/")} OR ${arnEndsWith(":")}`);
  return `(${inInstances("responseelements")} OR ${inInstances("requestparameters")} OR ${inResources})`;
}

function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (c) => `\\${c}`);
}
