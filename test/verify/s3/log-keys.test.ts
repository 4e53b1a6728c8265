// The key layout: which keys are logs, which day folders are listed, and that a StartAfter key
// never hides a log delivered in or after its minute, whatever its random part.
import { expect } from "chai";
import { awsLogsPrefix, dayFolders, isOrganizationSegment, logFileStamp, startAfterKey } from "../../../verify/s3/log-keys";
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
});
