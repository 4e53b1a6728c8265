// The differential suite's harness: finding the pinned AWS CLI (never whichever `aws` is on PATH)
// and reading `aws cloudtrail validate-logs --verbose` back, line by line, as the CLI writes it.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { expect } from "chai";
import { ROOT } from "../support/processes/project-node";
import { locateAwsCli, parseValidateLogs, pinnedAwsCliVersion } from "./support/aws-cli";

describe("awscli harness: finding the AWS CLI and reading its answer", () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "awscli-find-"))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("prefers TRAIL_LAB_AWSCLI, then the version test/awscli/requirements.txt pins in the cache .ci/awscli.sh fills, never an aws on PATH", () => {
    expect(pinnedAwsCliVersion()).to.match(/^1\.\d+\.\d+$/);
    expect(fs.readFileSync(path.join(ROOT, ".ci/awscli.sh"), "utf8")).to.include("test/awscli/requirements.txt");
    const fake = path.join(dir, "aws");
    fs.writeFileSync(fake, "#!/bin/sh\nexit 0\n", { mode: 0o755 });
    expect(locateAwsCli({ TRAIL_LAB_AWSCLI: fake })).to.deep.equal({ found: true, aws: fake });
    expect(locateAwsCli({ TRAIL_LAB_CACHE: dir, PATH: dir }).found, "an aws on PATH").to.equal(false);
    const cached = path.join(dir, "awscli", pinnedAwsCliVersion(), "bin", "aws");
    fs.mkdirSync(path.dirname(cached), { recursive: true });
    fs.copyFileSync(fake, cached);
    expect(locateAwsCli({ TRAIL_LAB_CACHE: dir, PATH: "/nonexistent" })).to.deep.equal({ found: true, aws: cached });
    expect(locateAwsCli({ TRAIL_LAB_AWSCLI: path.join(dir, "nope") })).to.deep.equal({
      found: false,
      reason: `TRAIL_LAB_AWSCLI=${path.join(dir, "nope")} is not an executable file; install it with: bash .ci/awscli.sh`,
    });
  });

  it("reads valid and INVALID files, backfill digests, gaps and 'No digests found' from the CLI's verbose output", () => {
    const b = "s3://audit-logs/";
    const stdout = [
      "Validating log files for trail arn:aws:cloudtrail:us-east-1:123456789012:trail/t between 2025-03-01T10:01:07Z and 2025-03-01T12:59:07Z",
      "",
      `Digest file\t${b}AWSLogs/123456789012/CloudTrail-Digest/us-east-1/2025/03/01/d3.json.gz\tvalid`,
      `Log file\t${b}AWSLogs/123456789012/CloudTrail/us-east-1/2025/03/01/l1.json.gz\tvalid`,
      `(backfill) Digest file\t${b}AWSLogs/123456789012/CloudTrail-Digest/us-east-1/2025/03/01/d2_backfill.json.gz\tvalid`,
      "",
      "Results requested for 2025-03-01T10:01:07Z to 2025-03-01T12:59:07Z",
    ].join("\n");
    const stderr = [
      `Digest file\t${b}AWSLogs/123456789012/CloudTrail-Digest/us-east-1/2025/03/01/d1.json.gz\tINVALID: not found`,
      "",
      `Log file\t${b}AWSLogs/123456789012/CloudTrail/us-east-1/2025/03/01/l2.json.gz\tINVALID: hash value doesn't match`,
      "",
      "No log files were delivered by CloudTrail between 2025-03-01T11:00:07Z and 2025-03-01T11:30:07Z",
    ].join("\n");
    const answer = parseValidateLogs(1, stdout, stderr);
    expect(answer).to.deep.include({
      code: 1,
      validDigests: [
        "AWSLogs/123456789012/CloudTrail-Digest/us-east-1/2025/03/01/d3.json.gz",
        "AWSLogs/123456789012/CloudTrail-Digest/us-east-1/2025/03/01/d2_backfill.json.gz",
      ],
      validLogs: ["AWSLogs/123456789012/CloudTrail/us-east-1/2025/03/01/l1.json.gz"],
      invalid: [
        { kind: "digest", key: "AWSLogs/123456789012/CloudTrail-Digest/us-east-1/2025/03/01/d1.json.gz", reason: "not found" },
        { kind: "log", key: "AWSLogs/123456789012/CloudTrail/us-east-1/2025/03/01/l2.json.gz", reason: "hash value doesn't match" },
      ],
      noDigests: false,
    });
    expect(answer.gaps).to.have.length(1);
    expect(
      parseValidateLogs(0, "Results requested for 2025-02-10T00:00:00Z to 2025-02-10T06:00:00Z\nNo digests found\n", "").noDigests,
    ).to.equal(true);
  });
});
