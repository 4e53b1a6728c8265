// Reading the records of a CloudTrail log file that can match, without parsing the file whole.
// JSON.parse of a whole object builds every value it holds, so memory followed what an object
// held, not what was read: twenty million `{}` took 2.2 GB (issue #20). Instead, one pass over the
// bytes finds the `Records` array's elements (strings skipped with indexOf, brackets counted),
// and only an element that holds every needle is handed to JSON.parse, one at a time; what the
// caller keeps of it is bounded too. So whatever one object holds, parsing it holds at most one
// record's text and values and the records kept, beside the decoded bytes (docs/verify.md).

/** A record longer than this is not parsed: CloudTrail's are at most a few hundred KB. */
export const MAX_RECORD_BYTES = 16 * 1024 * 1024;
/** A record holding more JSON values (objects, arrays, members) is not parsed: CloudTrail's hold a few thousand at most. */
export const MAX_RECORD_VALUES = 100_000;
/** The records one object may have kept (by the bytes of their JSON), past which it is skipped. */
export const MAX_KEPT_BYTES = 16 * 1024 * 1024;

/**
 * What one object's walk may parse and keep. A parameter so that a test can try each bound with a
 * record of a few KB: at the product's sizes the walk over 16 MiB takes minutes under a mutation
 * tester's instrumentation (test/verify/event/log-records-bounds.test.ts tries those sizes).
 */
export interface RecordBounds {
  /**
   * The longest record parsed, in bytes of its JSON text.
   * @default MAX_RECORD_BYTES
   */
  recordBytes: number;
  /**
   * The most JSON values (objects, arrays, list items) a parsed record may hold.
   * @default MAX_RECORD_VALUES
   */
  recordValues: number;
  /**
   * The bytes of JSON the records kept may add up to.
   * @default MAX_KEPT_BYTES
   */
  keptBytes: number;
}

const DEFAULT_BOUNDS: RecordBounds = { recordBytes: MAX_RECORD_BYTES, recordValues: MAX_RECORD_VALUES, keptBytes: MAX_KEPT_BYTES };

export type RecordsRead =
  | { kind: "records"; records: unknown[] }
  /** The object cannot be read as a log file, or holds more than the bounds allow: why. */
  | { kind: "skipped"; reason: string };

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const RECORDS_KEY = Buffer.from('"Records"');

function isSpace(byte: number): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;
}

/** The index of the first byte that is not JSON whitespace, from `from` on; `json.length` if none. */
export function skipSpace(json: Uint8Array, from = 0): number {
  let at = from;
  while (at < json.length && isSpace(json[at])) at++;
  return at;
}

/** The index of the last byte that is not JSON whitespace; -1 if none. */
export function lastNonSpace(json: Uint8Array): number {
  let at = json.length - 1;
  while (at >= 0 && isSpace(json[at])) at--;
  return at;
}

/**
 * The index of the quote that ends the string whose opening quote is at `open`; -1 if it never
 * ends. A loop here, not indexOf: log strings are short, and a call into Buffer.indexOf costs more
 * than reading them.
 */
function stringEnd(json: Buffer, open: number): number {
  const length = json.length;
  let at = open + 1;
  while (at < length) {
    const byte = json[at];
    if (byte === QUOTE) return at;
    // An escape is two bytes (or \uXXXX, whose hex holds no quote): the second is never the end.
    at += byte === BACKSLASH ? 2 : 1;
  }
  return -1;
}

/** Where a value ends, and how many objects, arrays and list items it holds (what JSON.parse would build, at least). */
interface Span {
  end: number;
  values: number;
}

/**
 * The value that starts at `at` (not whitespace): its end (the index after it) and its count, or
 * the reason it is broken. Inside a container only strings and the bracket depth are followed;
 * what is between is checked by JSON.parse, and only where a record is parsed.
 */
function valueSpan(json: Buffer, at: number, span: Span): string | null {
  const length = json.length;
  const first = json[at];
  if (first === QUOTE) {
    const end = stringEnd(json, at);
    if (end < 0) return `a string that never ends at byte ${at}`;
    span.end = end + 1;
    span.values = 1;
    return null;
  }
  if (first !== OPEN_OBJECT && first !== OPEN_ARRAY) {
    // A number, true, false or null: up to the next separator.
    let end = at;
    while (end < length && !isSeparator(json[end])) end++;
    span.end = end;
    span.values = 1;
    return end === at ? `an unexpected ${JSON.stringify(String.fromCharCode(first))} at byte ${at}` : null;
  }
  let depth = 0;
  let values = 0;
  let i = at;
  while (i < length) {
    const byte = json[i];
    if (byte === QUOTE) {
      const end = stringEnd(json, i);
      if (end < 0) return `a string that never ends at byte ${i}`;
      i = end + 1;
      continue;
    }
    if (byte === OPEN_OBJECT || byte === OPEN_ARRAY) {
      depth++;
      values++;
    } else if (byte === CLOSE_OBJECT || byte === CLOSE_ARRAY) {
      if (--depth === 0) {
        span.end = i + 1;
        span.values = values;
        return null;
      }
    } else if (byte === COMMA) values++;
    i++;
  }
  return `the end of the text with brackets still open at byte ${length}`;
}

function isSeparator(byte: number): boolean {
  return byte === COMMA || byte === CLOSE_OBJECT || byte === CLOSE_ARRAY || isSpace(byte) || byte === COLON;
}

/** Each needle's next occurrence at or after a position, found again only once passed: O(bytes + occurrences) over a walk. */
class NeedleCursor {
  private readonly next: number[];

  constructor(
    private readonly json: Buffer,
    private readonly needles: readonly Buffer[],
  ) {
    this.next = needles.map(() => -2);
  }

  /** Whether every needle occurs within [start, end). */
  allWithin(start: number, end: number): boolean {
    for (let i = 0; i < this.needles.length; i++) {
      if (this.next[i] !== -1 && this.next[i] < start) this.next[i] = this.json.indexOf(this.needles[i], start);
      const at = this.next[i];
      if (at < 0 || at + this.needles[i].length > end) return false;
    }
    return true;
  }
}

/** What the walk keeps between records (the records kept, and their bytes), and what it may parse and keep. */
interface Kept {
  keep: (record: unknown) => boolean;
  bounds: RecordBounds;
  records: unknown[];
  bytes: number;
}

const invalid = (what: string): RecordsRead => ({ kind: "skipped", reason: `invalid JSON: ${what}` });

/**
 * The elements of the top-level object's `Records` array that hold every needle and that `keep`
 * accepts, each parsed on its own. The walk checks the top-level object and the array (keys,
 * colons, commas, brackets, nothing after the end) and the extent of each element, but parses
 * only the elements that hold every needle: a syntax error inside one that cannot match goes
 * unnoticed, as in an object that holds no needle at all. A bound not given in `bounds` is the
 * product's (DEFAULT_BOUNDS).
 */
export function readRecords(
  json: Buffer,
  needles: readonly Buffer[],
  keep: (record: unknown) => boolean,
  bounds: Partial<RecordBounds> = {},
): RecordsRead {
  let at = skipSpace(json);
  if (json[at] !== OPEN_OBJECT) return { kind: "skipped", reason: "no Records array" };
  const cursor = new NeedleCursor(json, needles);
  const kept: Kept = { keep, bounds: { ...DEFAULT_BOUNDS, ...bounds }, records: [], bytes: 0 };
  const span: Span = { end: 0, values: 0 };
  let sawRecords = false;
  at = skipSpace(json, at + 1);
  if (json[at] === CLOSE_OBJECT) at++;
  else
    for (;;) {
      // A member: "key" : value, then ',' or '}'.
      if (json[at] !== QUOTE) return invalid(`a key expected at byte ${at}`);
      const keyEnd = stringEnd(json, at);
      if (keyEnd < 0) return invalid(`a string that never ends at byte ${at}`);
      const isRecords = keyEnd + 1 - at === RECORDS_KEY.length && json.compare(RECORDS_KEY, 0, RECORDS_KEY.length, at, keyEnd + 1) === 0;
      at = skipSpace(json, keyEnd + 1);
      if (json[at] !== COLON) return invalid(`':' expected at byte ${at}`);
      at = skipSpace(json, at + 1);
      if (at >= json.length) return invalid(`the end of the text where a value was expected, at byte ${at}`);
      if (isRecords && json[at] === OPEN_ARRAY) {
        sawRecords = true;
        const end = readElements(json, at, cursor, kept, span);
        if (typeof end === "object") return end;
        at = end;
      } else {
        const problem = valueSpan(json, at, span);
        if (problem) return invalid(problem);
        at = span.end;
      }
      at = skipSpace(json, at);
      if (json[at] === COMMA) {
        at = skipSpace(json, at + 1);
        continue;
      }
      if (json[at] === CLOSE_OBJECT) {
        at++;
        break;
      }
      return invalid(
        at >= json.length ? `the end of the text with brackets still open at byte ${at}` : `',' or '}' expected at byte ${at}`,
      );
    }
  const rest = skipSpace(json, at);
  if (rest !== json.length) return invalid(`more after the top-level object at byte ${rest}`);
  if (!sawRecords) return { kind: "skipped", reason: "no Records array" };
  return { kind: "records", records: kept.records };
}

/** The Records array from its '[' at `open`: each element that can match is read; the index after ']', or why it stops. */
function readElements(json: Buffer, open: number, cursor: NeedleCursor, kept: Kept, span: Span): number | RecordsRead {
  let at = skipSpace(json, open + 1);
  if (json[at] === CLOSE_ARRAY) return at + 1;
  for (;;) {
    if (at >= json.length) return invalid(`the end of the text with brackets still open at byte ${at}`);
    const problem = valueSpan(json, at, span);
    if (problem) return invalid(problem);
    const { end, values } = span;
    if (cursor.allWithin(at, end)) {
      const reason = readElement(json, at, end, values, kept);
      if (reason) return { kind: "skipped", reason };
    }
    at = skipSpace(json, end);
    if (json[at] === COMMA) at = skipSpace(json, at + 1);
    else if (json[at] === CLOSE_ARRAY) return at + 1;
    else
      return invalid(
        at >= json.length ? `the end of the text with brackets still open at byte ${at}` : `',' or ']' expected at byte ${at}`,
      );
  }
}

/** Parses one element and keeps it if `kept.keep` says so; the reason the object is skipped, or null. */
function readElement(json: Buffer, start: number, end: number, values: number, kept: Kept): string | null {
  const { recordBytes, recordValues, keptBytes } = kept.bounds;
  if (end - start > recordBytes)
    return `a record of ${((end - start) / 1024 / 1024).toFixed(1)} MiB, more than the ${recordBytes / 1024 / 1024} MiB a CloudTrail record is read up to`;
  if (values > recordValues)
    return `a record holding more than ${recordValues} JSON values (${values}): CloudTrail's hold a few thousand at most`;
  let record: unknown;
  try {
    record = JSON.parse(json.toString("utf8", start, end));
  } catch (err) {
    return `invalid JSON: ${(err as Error).message} (in the record at byte ${start})`;
  }
  if (!kept.keep(record)) return null;
  kept.records.push(record);
  kept.bytes += end - start;
  return kept.bytes > keptBytes
    ? `more than ${keptBytes / 1024 / 1024} MiB of records match: narrow the search (--resource, --since)`
    : null;
}
