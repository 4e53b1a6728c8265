// The key layout: which keys are logs, which day folders are listed, and that a StartAfter key
// never hides a log delivered in or after its minute, whatever its random part.
import { expect } from "chai";
import {
  awsLogsPrefix,
  dayFolders,
  dayPath,
  digestFileStamp,
  digestNamePrefix,
  formatDigestStamp,
  formatStamp,
  isOrganizationSegment,
  logFileStamp,
  startAfterKey,
} from "../../../verify/s3/log-keys";
import { FixtureFactory } from "../../support/fixtures/cloudtrail-fixtures";

describe("verify: log key layout", () => {
  const f = new FixtureFactory("111122223333", 3);
  const at = new Date("2025-02-28T23:58:10Z");

  it("reads the delivery minute of log keys and rejects digests, Insight files and other objects", () => {
    expect(logFileStamp(f.logKey("eu-west-1", at, { prefix: "team/logs" }))?.toISOString()).to.equal("2025-02-28T23:58:00.000Z");
    expect(logFileStamp(f.digestKey("eu-west-1", at, "my-logs-trail"))).to.equal(null);
    expect(logFileStamp(f.insightKey("eu-west-1", at))).to.equal(null);
    expect(logFileStamp(f.logKey("eu-west-1", at).replace(/\.gz$/, ""))).to.equal(null);
    expect(logFileStamp("AWSLogs/111122223333/CloudTrail/eu-west-1/2025/02/28/notes.txt")).to.equal(null);
  });

  it("lists UTC day folders from the first day to the last, across a month end, per region", () => {
    const folders = dayFolders("AWSLogs/111122223333/", "111122223333", ["us-east-1", "eu-west-1"], at, new Date("2025-03-01T00:30:00Z"));
    expect(folders.map((d) => d.prefix)).to.deep.equal([
      "AWSLogs/111122223333/CloudTrail/us-east-1/2025/02/28/",
      "AWSLogs/111122223333/CloudTrail/us-east-1/2025/03/01/",
      "AWSLogs/111122223333/CloudTrail/eu-west-1/2025/02/28/",
      "AWSLogs/111122223333/CloudTrail/eu-west-1/2025/03/01/",
    ]);
  });

  it("puts StartAfter before every key of its minute and later, and after every earlier one", () => {
    const [folder] = dayFolders("AWSLogs/111122223333/", "111122223333", ["us-east-1"], at, at);
    const startAfter = startAfterKey(folder, at);
    for (const random of ["0000000000000000", "AAAAAAAAAAAAAAAA", "zzzzzzzzzzzzzzzz"]) {
      expect(f.logKey("us-east-1", new Date("2025-02-28T23:58:00Z"), { random }) > startAfter).to.equal(true);
      expect(f.logKey("us-east-1", new Date("2025-02-28T23:59:00Z"), { random }) > startAfter).to.equal(true);
      expect(f.logKey("us-east-1", new Date("2025-02-28T23:57:59Z"), { random }) > startAfter).to.equal(false);
    }
  });

  it("puts AWSLogs/ under the trail prefix however it is slashed, and knows organization segments", () => {
    expect(awsLogsPrefix(null)).to.equal("AWSLogs/");
    expect(awsLogsPrefix("lab")).to.equal("lab/AWSLogs/");
    expect(awsLogsPrefix("/a/b/")).to.equal("a/b/AWSLogs/");
    expect(isOrganizationSegment("o-a1b2c3d4e5")).to.equal(true);
    expect(isOrganizationSegment("111122223333")).to.equal(false);
  });

  it("reads a log file name whole: twelve-digit account, region, stamp, random part, .json.gz, and nothing around them", () => {
    const dir = "AWSLogs/111122223333/CloudTrail/eu-west-1/2025/02/28/";
    const name = "111122223333_CloudTrail_eu-west-1_20250228T2358Z_Ab3dEf9hIj0kLm1n.json.gz";
    expect(logFileStamp(dir + name)?.toISOString()).to.equal("2025-02-28T23:58:00.000Z");
    expect(logFileStamp(name)?.toISOString()).to.equal("2025-02-28T23:58:00.000Z");
    for (const bad of [
      `x${name}`,
      `${name}.bak`,
      name.replace("111122223333_", "11112222333_"),
      name.replace("_eu-west-1_", "_EU-WEST-1_"),
      name.replace("T2358Z", "T235Z"),
      name.replace("T2358Z", "T2358"),
      name.replace("_Ab3dEf9hIj0kLm1n", "_"),
      name.replace("_Ab3dEf9hIj0kLm1n", "_Ab3d-f9h"),
      name.replace("_CloudTrail_", "_CloudTrail-Digest_"),
    ]) {
      expect(logFileStamp(dir + bad), bad).to.equal(null);
    }
  });

  it("writes stamps and day paths in UTC with two-digit fields", () => {
    const early = new Date("2025-01-02T03:04:05Z");
    expect(formatStamp(early)).to.equal("20250102T0304Z");
    expect(formatDigestStamp(early)).to.equal("20250102T030405Z");
    expect(dayPath(early)).to.equal("2025/01/02");
    expect(formatStamp(new Date("2025-12-31T23:59:59Z"))).to.equal("20251231T2359Z");
  });

  it("lists digest day folders under CloudTrail-Digest/, and one folder when from and to share a day", () => {
    const midnight = dayFolders("AWSLogs/", "111122223333", ["us-east-1"], at, new Date("2025-03-01T00:00:00.000Z"));
    expect(midnight.map((d) => d.prefix)).to.deep.equal([
      "AWSLogs/CloudTrail/us-east-1/2025/02/28/",
      "AWSLogs/CloudTrail/us-east-1/2025/03/01/",
    ]);
    const folders = dayFolders("o/AWSLogs/", "111122223333", ["us-east-1"], at, at, "CloudTrail-Digest");
    expect(folders).to.deep.equal([
      { prefix: "o/AWSLogs/CloudTrail-Digest/us-east-1/2025/02/28/", account: "111122223333", region: "us-east-1" },
    ]);
    expect(
      dayFolders("AWSLogs/", "111122223333", ["us-east-1"], new Date("2025-03-02T00:00:00Z"), new Date("2025-03-01T23:00:00Z")),
    ).to.deep.equal([]);
  });

  it("reads a digest key of the trail named by its prefix: end time to the second, backfill or not; any other key is null", () => {
    const prefix = digestNamePrefix("111122223333", "eu-west-1", "my-logs-trail", "us-east-1");
    expect(prefix).to.equal("111122223333_CloudTrail-Digest_eu-west-1_my-logs-trail_us-east-1_");
    const dir = "AWSLogs/111122223333/CloudTrail-Digest/eu-west-1/2025/02/28/";
    expect(digestFileStamp(`${dir}${prefix}20250228T235810Z.json.gz`, prefix)).to.deep.equal({
      stamp: new Date("2025-02-28T23:58:10Z"),
      backfill: false,
    });
    expect(digestFileStamp(`${dir}${prefix}20250228T235810Z_backfill.json.gz`, prefix)).to.deep.equal({
      stamp: new Date("2025-02-28T23:58:10Z"),
      backfill: true,
    });
    // Another trail whose name has the same length: only the name prefix tells them apart.
    const other = digestNamePrefix("111122223333", "eu-west-1", "my-logs-trai2", "us-east-1");
    for (const bad of [
      `${dir}${other}20250228T235810Z.json.gz`,
      `${dir}${prefix}20250228T2358Z.json.gz`,
      `${dir}${prefix}20250228T235810Z.json`,
      `${dir}${prefix}20250228T235810Z_backfill.json.gz.tmp`,
      `${dir}${prefix}x20250228T235810Z.json.gz`,
      `${dir}${prefix}20250228T235810Z_other.json.gz`,
      `${dir}x${prefix}20250228T235810Z.json.gz`,
    ]) {
      expect(digestFileStamp(bad, prefix), bad).to.equal(null);
    }
  });

  it("trims every slash around a trail prefix and takes an empty one as none; organization ids have 10 to 32 characters", () => {
    expect(awsLogsPrefix("")).to.equal("AWSLogs/");
    expect(awsLogsPrefix("///")).to.equal("AWSLogs/");
    expect(awsLogsPrefix("//a//")).to.equal("a/AWSLogs/");
    expect(isOrganizationSegment(`o-${"a".repeat(10)}`)).to.equal(true);
    expect(isOrganizationSegment(`o-${"a".repeat(32)}`)).to.equal(true);
    expect(isOrganizationSegment(`o-${"a".repeat(9)}`)).to.equal(false);
    expect(isOrganizationSegment(`o-${"a".repeat(33)}`)).to.equal(false);
    expect(isOrganizationSegment("o-A1B2C3D4E5")).to.equal(false);
    expect(isOrganizationSegment("xo-a1b2c3d4e5")).to.equal(false);
    expect(isOrganizationSegment("o-a1b2c3d4e5/")).to.equal(false);
  });
});
