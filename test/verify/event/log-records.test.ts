// Reading only the records that can match (verify/log-records.ts) gives what parsing the whole
// file gave, over files with strings that hold brackets, quotes and backslashes, pretty-printed
// or compact; breaks in the structure are named; the bounds on one record and on what is kept
// hold (tried small here, at the product's sizes in log-records-bounds.test.ts); and what is not a log file at all (HTML, gzip twice) is named, not counted as a log.
import { gzipSync } from "node:zlib";
import { expect } from "chai";
import { notALogFile, readLogJson } from "../../../verify/decode";
import { lastNonSpace, MAX_RECORD_VALUES, type RecordBounds, readRecords, skipSpace } from "../../../verify/log-records";
import { compileCriteria, keeperOf, recordMatches, scanLogObject } from "../../../verify/event/match";
import { FixtureFactory, seededRandom } from "../../support/fixtures/cloudtrail-fixtures";

const keepAll = () => true;

describe("verify: reading the records that can match, not the whole file", () => {
  const f = new FixtureFactory("111122223333", 9);
  const since = new Date("2025-03-01T10:00:00Z");
  const instance = "i-0123456789abcdef0";
  const criteria = compileCriteria({ eventName: "RunInstances", resource: instance, since });

  /** Strings a walker that miscounts would trip on: brackets, quotes, backslashes, the needles themselves. */
  const tricky = ["}]}", '{"Records":[', '\\"', "\\", 'a "quoted" }', '"RunInstances"', instance, "\u00e9\u4e2d\ud83d\ude00", "\n\t"];

  function file(seed: number): { text: string; records: unknown[] } {
    const random = seededRandom(seed);
    const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)];
    const records: unknown[] = [];
    for (let i = 0; i < 30; i++) {
      const roll = random();
      if (roll < 0.15) records.push(f.runInstances("us-east-1", since, instance));
      else if (roll < 0.3) records.push(f.runInstances("us-east-1", since));
      else if (roll < 0.45) {
        // The needles inside strings and keys, nested, in a record that is not the event.
        const r = f.noise("us-east-1", since) as unknown as Record<string, unknown>;
        r.requestParameters = {
          [pick(tricky)]: [pick(tricky), { deep: [[pick(tricky)]], n: -1.5e3, t: true, z: null }],
          note: pick(tricky),
        };
        records.push(r);
      } else if (roll < 0.5) records.push(pick([null, 7, "RunInstances", [], [instance, { eventName: "RunInstances" }]]));
      else records.push(f.noise("us-east-1", since));
    }
    const body: Record<string, unknown> =
      random() < 0.5 ? { Records: records } : { before: pick(tricky), Records: records, after: [pick(tricky)] };
    return { text: random() < 0.5 ? JSON.stringify(body) : JSON.stringify(body, null, random() < 0.5 ? 2 : "\t"), records };
  }

  it("keeps exactly the records that parsing the whole file would match, over 200 seeded files", function () {
    this.timeout(60_000);
    let matched = 0;
    for (let seed = 1; seed <= 200; seed++) {
      const { text, records } = file(seed);
      const json = Buffer.from(text);
      const expected = records.filter((r) => recordMatches(r, criteria));
      const decoded = readLogJson(json, criteria.needles, keeperOf(criteria));
      expect(decoded, `seed ${seed}`).to.deep.equal(
        expected.length > 0 || criteria.needles.every((n) => json.includes(n))
          ? { kind: "records", bytes: json.length, records: expected }
          : { kind: "irrelevant", bytes: json.length },
      );
      matched += expected.length;
    }
    // Not a vacuous comparison.
    expect(matched).to.be.greaterThan(100);
  });

  it("hands over every element that holds all the needles, and no other", () => {
    const hit = f.runInstances("us-east-1", since, instance);
    const nameOnly = f.runInstances("us-east-1", since);
    // The needles as JSON writes them: `"RunInstances"` is the quoted string, never the escaped \"RunInstances\".
    const both = { note: "RunInstances", id: instance, nested: { "{[": ['"\\}'] } };
    const escaped = { note: `"RunInstances" ${instance}` };
    const json = Buffer.from(
      JSON.stringify({ Records: [nameOnly, hit, "RunInstances", both, escaped, [instance, "RunInstances"], instance] }),
    );
    const read = readRecords(json, criteria.needles, keepAll);
    expect(read).to.deep.equal({ kind: "records", records: [hit, both, [instance, "RunInstances"]] });
  });

  it("names a structure that breaks: a string that never ends, a missing separator, key or colon, brackets left open, more after the end", () => {
    const good = JSON.stringify({ Records: [f.runInstances("us-east-1", since, instance)] });
    const cases: [string, RegExp][] = [
      [`{"Records":[{"eventName":"RunInstances","id":"${instance}}]}`, /^invalid JSON: a string that never ends at byte 45$/],
      [`${good.slice(0, -2)}}}`, /^invalid JSON: ',' or '\]' expected at byte \d+$/],
      [`{"Records":[${JSON.stringify(f.runInstances("us-east-1", since, instance))}, {"a":[1,2}]}`, /^invalid JSON: ',' or '\]' expected/],
      [`${good} {"more":1}`, /^invalid JSON: more after the top-level object at byte \d+$/],
      [`{"x":{${good.slice(1)}`, /^invalid JSON: the end of the text with brackets still open at byte \d+$/],
      [`{"Records":[], 5}`, /^invalid JSON: a key expected at byte 15$/],
      [`{"Records" [${good}]}`, /^invalid JSON: ':' expected at byte 11$/],
      [`{"Records":[${good.slice(12, -2)} x]}`, /^invalid JSON: ',' or '\]' expected at byte \d+$/],
    ];
    for (const [text, reason] of cases) {
      const read = readRecords(Buffer.from(text), criteria.needles, keepAll);
      expect(read.kind, text).to.equal("skipped");
      expect((read as { reason: string }).reason, text).to.match(reason);
    }
    // A record that holds the needles and does not parse is named with where it starts.
    const bad = `{"Records":[{"eventName":"RunInstances","id":"${instance}",}]}`;
    expect(readRecords(Buffer.from(bad), criteria.needles, keepAll)).to.deep.include({ kind: "skipped" });
    expect((readRecords(Buffer.from(bad), criteria.needles, keepAll) as { reason: string }).reason).to.match(
      /^invalid JSON: .* \(in the record at byte 12\)$/,
    );
  });

  it("names where the walk stops, byte for byte: a value missing or cut short, in the object or the array", () => {
    const cases: [string, string][] = [
      // A key, its colon, a value: each cut short.
      ['{"Records', "a string that never ends at byte 1"],
      ['{"Records":', "the end of the text where a value was expected, at byte 11"],
      ['{"eventVersion":"1.0', "a string that never ends at byte 16"],
      ['{"eventVersion":1.09', "the end of the text with brackets still open at byte 20"],
      ['{"eventVersion":,"Records":[]}', 'an unexpected "," at byte 16'],
      ['{"Records":[]]', "',' or '}' expected at byte 13"],
      // The Records array: cut after '[', after a comma, after an element, inside one.
      ['{"Records":[', "the end of the text with brackets still open at byte 12"],
      ['{"Records":[7,', "the end of the text with brackets still open at byte 14"],
      ['{"Records":["RunInstances"', "the end of the text with brackets still open at byte 26"],
      ['{"Records":["RunInstances', "a string that never ends at byte 12"],
      ['{"Records":[{"eventName":"RunInstances"', "the end of the text with brackets still open at byte 39"],
      // A colon ends a bare value as a comma would: what follows it is not the array's.
      ['{"Records":[1:2]}', "',' or ']' expected at byte 13"],
    ];
    for (const [text, reason] of cases) {
      expect(readRecords(Buffer.from(text), criteria.needles, keepAll), text).to.deep.equal({
        kind: "skipped",
        reason: `invalid JSON: ${reason}`,
      });
    }
    // A bare value ends at the '}' after it.
    expect(readRecords(Buffer.from('{"Records":[],"eventVersion":1.09}'), criteria.needles, keepAll)).to.deep.equal({
      kind: "records",
      records: [],
    });
  });

  it("finds no Records array in an empty object, a key that differs in case, a Records that is not an array, or a top-level array", () => {
    const hit = f.runInstances("us-east-1", since, instance);
    for (const text of [
      "{}",
      "{ \r\n }",
      JSON.stringify({ records: [hit] }),
      JSON.stringify({ Records: hit }),
      JSON.stringify({ Records: "RunInstances" }),
      JSON.stringify({ eventName: "Records" }),
      JSON.stringify(["Records", hit]),
    ]) {
      expect(readRecords(Buffer.from(text), criteria.needles, keepAll), text).to.deep.equal({
        kind: "skipped",
        reason: "no Records array",
      });
    }
    // Another key's array is not read, though it holds the event.
    const beside = JSON.stringify({ digest: [hit], Records: [] });
    expect(readRecords(Buffer.from(beside), criteria.needles, keepAll)).to.deep.equal({ kind: "records", records: [] });
  });

  it("reads a file written with CRLF line ends, tabs and spaces as parsing it whole does", () => {
    const records = [f.noise("us-east-1", since), f.runInstances("us-east-1", since, instance)];
    const json = JSON.stringify({ Records: records }, null, "\t ").replace(/\n/g, "\r\n");
    expect(json).to.include("[\r\n\t \t {");
    expect(readRecords(Buffer.from(`\r\n${json}\r\n`), criteria.needles, keepAll)).to.deep.equal({
      kind: "records",
      records: [records[1]],
    });
  });

  it("takes an element for a candidate only when a needle lies within it, up to its last byte", () => {
    const name = [Buffer.from('"RunInstances"')];
    // The first element ends where the string element after it begins: the needle is not its.
    const json = Buffer.from('{"Records":[7,"RunInstances",{"eventName":"RunInstances"}]}');
    expect(readRecords(json, name, keepAll)).to.deep.equal({ kind: "records", records: ["RunInstances", { eventName: "RunInstances" }] });
  });

  it("looks each needle up again only once the walk has passed it: one lookup an occurrence, not one an element", () => {
    const name = [Buffer.from('"RunInstances"')];
    const hit = f.runInstances("us-east-1", since, instance);
    const noise = f.noiseRecords("us-east-1", since, 50);
    const json = Buffer.from(JSON.stringify({ Records: [...noise, "RunInstances", ...noise, hit, ...noise] }));
    let lookups = 0;
    const indexOf = json.indexOf.bind(json);
    // Counted on this buffer alone: a lookup per element would make the walk quadratic in the elements.
    Object.defineProperty(json, "indexOf", {
      value: (...args: Parameters<Buffer["indexOf"]>) => {
        lookups++;
        return indexOf(...args);
      },
    });
    expect(readRecords(json, name, keepAll)).to.deep.equal({ kind: "records", records: ["RunInstances", hit] });
    // The string element, the event, and the one that finds no more.
    expect(lookups).to.equal(3);
  });

  it("skips the whitespace JSON allows, from either end", () => {
    expect(skipSpace(Buffer.from(" \t\r\n{} "))).to.equal(4);
    expect(skipSpace(Buffer.from("{ \r\n}"), 1)).to.equal(4);
    expect(skipSpace(Buffer.from(" \r\n"))).to.equal(3);
    expect(lastNonSpace(Buffer.from(" {}\r\n\t "))).to.equal(2);
    expect(lastNonSpace(Buffer.from(" \t\r\n"))).to.equal(-1);
    expect(lastNonSpace(Buffer.alloc(0))).to.equal(-1);
  });

  it("says what is not a log file: HTML, gzip inside gzip, empty, no Records, cut short", () => {
    const log = JSON.stringify({ Records: [f.runInstances("us-east-1", since, instance)] });
    expect(notALogFile(Buffer.from(log))).to.equal(null);
    expect(notALogFile(Buffer.from(`\n  ${log}\n`))).to.equal(null);
    expect(notALogFile(Buffer.from("<html><head><title>403 Forbidden</title></head></html>"))).to.equal(
      'not CloudTrail JSON: it starts with "<html><head><title>403 F"',
    );
    expect(notALogFile(gzipSync(log))).to.equal("not CloudTrail JSON: it is gzip again (compressed twice)");
    expect(notALogFile(Buffer.from(" \n"))).to.equal("not CloudTrail JSON: it is empty");
    expect(notALogFile(Buffer.from('{"records":[]}'))).to.equal("no Records array");
    expect(notALogFile(Buffer.from(log.slice(0, -30)))).to.match(/^invalid JSON: it ends before its top-level object closes/);
    // As a scan meets them: skipped with the reason, whether or not the needles are in the bytes.
    const html = gzipSync(`<html><body>RunInstances ${instance} "RunInstances"</body></html>`);
    expect(scanLogObject(html, criteria).skippedReason).to.match(/^not CloudTrail JSON: it starts with "<html>/);
    expect(scanLogObject(gzipSync(gzipSync(log)), criteria)).to.deep.include({
      matches: [],
      skippedReason: "not CloudTrail JSON: it is gzip again (compressed twice)",
    });
  });

  describe("the bounds on one record and on what is kept, tried small (log-records-bounds.test.ts tries the product's)", () => {
    const KiB = 1024;
    const hit = f.runInstances("us-east-1", since, instance);
    /** A record that holds the needles, padded so that its JSON is exactly `bytes` long. */
    const sized = (bytes: number, eventID = hit.eventID) => {
      const record = { ...hit, eventID, pad: "" };
      return { ...record, pad: "x".repeat(bytes - JSON.stringify(record).length) };
    };
    const read = (records: unknown[], bounds?: Partial<RecordBounds>, keep: (record: unknown) => boolean = keepAll) =>
      readRecords(Buffer.from(JSON.stringify({ Records: records })), criteria.needles, keep, bounds);

    it("parses a record of as many bytes as the bound, and names one byte more with both sizes", () => {
      const noise = f.noise("us-east-1", since);
      expect(JSON.stringify(sized(64 * KiB))).to.have.length(64 * KiB);
      expect(read([noise, sized(64 * KiB)], { recordBytes: 64 * KiB })).to.deep.equal({ kind: "records", records: [sized(64 * KiB)] });
      expect(read([noise, sized(64 * KiB + 1)], { recordBytes: 64 * KiB })).to.deep.equal({
        kind: "skipped",
        reason: "a record of 0.1 MiB, more than the 0.0625 MiB a CloudTrail record is read up to",
      });
      // Only a record that can match is held to it: a longer one without the needles is passed over,
      // and the size named is the record's own, wherever it starts.
      const long = { ...noise, pad: "x".repeat(128 * KiB) };
      expect(read([long, hit], { recordBytes: 64 * KiB })).to.deep.equal({ kind: "records", records: [hit] });
      expect(read([long, sized(64 * KiB + 1)], { recordBytes: 64 * KiB })).to.deep.equal({
        kind: "skipped",
        reason: "a record of 0.1 MiB, more than the 0.0625 MiB a CloudTrail record is read up to",
      });
    });

    it("parses a record of as many JSON values as the bound, and names one more with its count", () => {
      // Counted as JSON.parse would build them: the record, the array, each {} and each item after a comma: 2k + 3.
      const padded = (k: number) => ({ eventName: "RunInstances", id: instance, pad: Array.from({ length: k }, () => ({})) });
      expect(read([padded(3)], { recordValues: 9 })).to.deep.equal({ kind: "records", records: [padded(3)] });
      expect(read([padded(3)], { recordValues: 8 })).to.deep.equal({
        kind: "skipped",
        reason: "a record holding more than 8 JSON values (9): CloudTrail's hold a few thousand at most",
      });
      // The product's bound applies when none is given; values are cheap to reach, unlike its 16 MiB.
      const over = MAX_RECORD_VALUES / 2;
      expect(read([padded(over)])).to.deep.equal({
        kind: "skipped",
        reason: `a record holding more than ${MAX_RECORD_VALUES} JSON values (${2 * over + 3}): CloudTrail's hold a few thousand at most`,
      });
      expect(read([padded(over - 2)]).kind).to.equal("records");
    });

    it("keeps records up to the bound on their bytes, counts only those kept, and names the bound past it", () => {
      const records = ["e-1", "e-2", "e-3"].map((id) => sized(32 * KiB, id));
      expect(read(records.slice(0, 2), { keptBytes: 64 * KiB })).to.deep.equal({ kind: "records", records: records.slice(0, 2) });
      expect(read(records, { keptBytes: 64 * KiB })).to.deep.equal({
        kind: "skipped",
        reason: "more than 0.0625 MiB of records match: narrow the search (--resource, --since)",
      });
      // Records parsed and not kept do not count.
      const notTheSecond = (r: unknown) => (r as { eventID: string }).eventID !== "e-2";
      expect(read(records, { keptBytes: 64 * KiB }, notTheSecond)).to.deep.equal({ kind: "records", records: [records[0], records[2]] });
    });
  });
});
