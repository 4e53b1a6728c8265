// The bounds verify/log-records.ts holds one log object to, at the product's sizes: a record of
// 16 MiB of text or 100,000 JSON values is not parsed, and 16 MiB of records kept skip the object.
// log-records.test.ts tries each bound small, through its `bounds` parameter; this file tries the
// defaults themselves. It walks about 64 MiB: a fraction of a second in `npm test`, but past
// mocha's 60 s timeout under Stryker's instrumentation, so test/mutation/targets.ts leaves this
// file out of the mutation run.
import { expect } from "chai";
import { MAX_KEPT_BYTES, MAX_RECORD_BYTES, MAX_RECORD_VALUES, readRecords } from "../../../verify/log-records";
import { compileCriteria } from "../../../verify/event/match";
import { FixtureFactory } from "../../support/fixtures/cloudtrail-fixtures";

const keepAll = () => true;

describe("verify: the product's bounds on one record and on what one log object keeps", () => {
  const f = new FixtureFactory("111122223333", 9);
  const since = new Date("2025-03-01T10:00:00Z");
  const instance = "i-0123456789abcdef0";
  const criteria = compileCriteria({ eventName: "RunInstances", resource: instance, since });

  it("does not parse a record past its bounds, and says which bound: values, bytes; nor keeps past MAX_KEPT_BYTES", function () {
    this.timeout(60_000);
    const hit = f.runInstances("us-east-1", since, instance);
    // Counted as JSON.parse would build them: the record, the array, each {} and each item after a comma: 2k + 3.
    const padded = (k: number) =>
      Buffer.from(JSON.stringify({ Records: [{ eventName: "RunInstances", id: instance, pad: Array.from({ length: k }, () => ({})) }] }));
    const over = MAX_RECORD_VALUES / 2;
    expect(readRecords(padded(over), criteria.needles, keepAll)).to.deep.equal({
      kind: "skipped",
      reason: `a record holding more than ${MAX_RECORD_VALUES} JSON values (${2 * over + 3}): CloudTrail's hold a few thousand at most`,
    });
    // At the bound itself it is parsed.
    expect(readRecords(padded(over - 2), criteria.needles, keepAll).kind).to.equal("records");

    const long = JSON.stringify({ Records: [{ ...hit, pad: "x".repeat(MAX_RECORD_BYTES) }] });
    expect((readRecords(Buffer.from(long), criteria.needles, keepAll) as { reason: string }).reason).to.match(
      /^a record of 16\.0 MiB, more than the 16 MiB a CloudTrail record is read up to$/,
    );

    const record = { ...hit, pad: "y".repeat(1024 * 1024) };
    const copies = Math.ceil(MAX_KEPT_BYTES / JSON.stringify(record).length);
    const many = (n: number) =>
      Buffer.from(JSON.stringify({ Records: Array.from({ length: n }, (_, i) => ({ ...record, eventID: `e-${i}` })) }));
    expect(readRecords(many(copies), criteria.needles, keepAll)).to.deep.equal({
      kind: "skipped",
      reason: "more than 16 MiB of records match: narrow the search (--resource, --since)",
    });
    const under = readRecords(many(copies - 1), criteria.needles, keepAll);
    expect(under.kind).to.equal("records");
    // Records parsed and not kept do not count.
    expect(readRecords(many(copies), criteria.needles, () => false)).to.deep.equal({ kind: "records", records: [] });
  });
});
