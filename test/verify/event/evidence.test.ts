// The evidence object, assembled from what each half found.
import { expect } from "chai";
import { buildEvidence } from "../../../verify/event/evidence";

describe("verify: the evidence object", () => {
  it("lists skipped objects in key order, whatever order their downloads finished in, so two runs print the same evidence", () => {
    const skipped = [
      {
        key: "AWSLogs/123456789012/CloudTrail/us-east-1/2026/12/01/123456789012_CloudTrail_us-east-1_20261201T1943Z_b.json.gz",
        reason: "no Records array",
      },
      {
        key: "AWSLogs/123456789012/CloudTrail/eu-west-1/2026/12/01/123456789012_CloudTrail_eu-west-1_20261201T1950Z_c.json.gz",
        reason: "invalid JSON: Unexpected end of JSON input",
      },
      {
        key: "AWSLogs/123456789012/CloudTrail/us-east-1/2026/12/01/123456789012_CloudTrail_us-east-1_20261201T1941Z_a.json.gz",
        reason: "corrupt gzip: incorrect header check",
      },
    ];
    const evidence = buildEvidence({
      trail: { name: "my-logs-trail", arn: null, bucket: "b", prefix: null },
      status: null,
      bucket: "b",
      s3: { objectsScanned: 3, bytesScanned: 0, bytesDownloaded: 0, skipped, matches: new Map() },
      history: null,
    });
    expect(evidence.s3.skipped.map((s) => s.key)).to.deep.equal([skipped[1].key, skipped[2].key, skipped[0].key]);
    expect(skipped[0].reason, "the scanner's own list is left as it is").to.equal("no Records array");
  });
});
