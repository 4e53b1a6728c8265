// What one log object costs in memory is bounded whatever it holds (issue #20, item 7): JSON.parse
// of a whole object built every value in it, so an object of millions of `{}` beside the search
// strings took gigabytes. Measured as the peak RSS of a fresh process that decodes such objects.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { expect } from "chai";
import { MAX_KEPT_BYTES, MAX_RECORD_BYTES, MAX_RECORD_VALUES } from "../../../verify/log-records";
import { FixtureFactory } from "../../support/fixtures/cloudtrail-fixtures";
import { runChild } from "../../support/processes/run-child";

const MiB = 1024 * 1024;
/**
 * What decoding may hold beyond an object's uncompressed bytes (docs/verify.md): one record's text
 * (MAX_RECORD_BYTES) and what JSON.parse builds of it (MAX_RECORD_VALUES values, a few MB), and the
 * records kept (MAX_KEPT_BYTES of JSON), with room for the heap's own slack.
 */
const BEYOND_DECODED = MAX_RECORD_BYTES + MAX_KEPT_BYTES + 32 * MiB;
/**
 * Three million `{}`: 9 MB of JSON, a few seconds. On the code before this bound, which parsed
 * each object whole, the peak grew by 573 MiB over these three objects, five times the bound
 * (117 MiB); with it, by 66 MiB. The issue's 60 MB of twenty million took 2.2 GB.
 */
const EMPTY_OBJECTS = 3_000_000;
/** Records that each hold the search strings: every one is parsed, one at a time. */
const SMALL_RECORDS = 1_000_000;

describe("verify: the memory one log object costs is bounded, whatever it holds (#20 item 7)", function () {
  this.timeout(120_000);
  const f = new FixtureFactory("111122223333", 700);
  const instance = "i-0123456789abcdef0";
  const target = f.runInstances("us-east-1", new Date("2025-03-01T10:00:00Z"), instance);
  let dir: string;
  before(() => (dir = mkdtempSync(join(tmpdir(), "trail-lab-decode-memory-"))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("finds the event behind millions of {}, skips a record of millions of values, and stays within the bound", async () => {
    const objects = {
      // Millions of empty records, then the event.
      emptyRecords: `{"Records":[${"{},".repeat(EMPTY_OBJECTS)}${JSON.stringify(target)}]}`,
      // One record holding the search strings and millions of {}.
      oneHugeRecord: `{"Records":[{"eventName":"RunInstances","id":"${instance}","pad":[${"{},".repeat(EMPTY_OBJECTS)}{}]}]}`,
      // Millions of small records that each hold the search strings (none a real record), then the event.
      manyCandidates: `{"Records":[${`{"eventName":"RunInstances","id":"${instance}"},`.repeat(SMALL_RECORDS)}${JSON.stringify(target)}]}`,
    };
    const files = Object.entries(objects).map(([name, json]) => {
      const file = join(dir, `${name}.json.gz`);
      writeFileSync(file, gzipSync(json));
      return file;
    });
    const largest = Math.max(...Object.values(objects).map((json) => json.length));
    const child = join(__dirname, "../../support/processes/scan-peak-rss.ts");
    const run = await runChild(process.execPath, ["-r", "ts-node/register/transpile-only", child, "RunInstances", instance, ...files], {
      cwd: process.cwd(),
      env: process.env,
    });
    expect(run.code, run.stderr).to.equal(0);
    const { before, after, outcomes } = JSON.parse(run.stdout);
    const grew = after - before;
    expect(grew, `the peak grew by ${(grew / MiB).toFixed(0)} MiB`).to.be.at.most(largest + BEYOND_DECODED);
    expect(outcomes).to.deep.equal([
      { bytesScanned: objects.emptyRecords.length, matches: 1, skippedReason: null },
      {
        bytesScanned: objects.oneHugeRecord.length,
        matches: 0,
        skippedReason: `a record holding more than ${MAX_RECORD_VALUES} JSON values (${2 * EMPTY_OBJECTS + 5}): CloudTrail's hold a few thousand at most`,
      },
      { bytesScanned: objects.manyCandidates.length, matches: 1, skippedReason: null },
    ]);
  });
});
