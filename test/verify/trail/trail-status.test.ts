// The trail as CloudTrail describes it, read from an answer that leaves fields out.
import { CloudTrailClient } from "@aws-sdk/client-cloudtrail";
import { expect } from "chai";
import { describeTrail } from "../../../verify/trail/trail-status";
import { DUMMY_CREDENTIALS } from "../../support/servers/s3-server";

describe("verify: describeTrail", () => {
  it("takes the home region from the trail's ARN when the answer leaves HomeRegion out (as moto's GetTrail does)", async () => {
    const client = new CloudTrailClient({ region: "eu-west-1", credentials: DUMMY_CREDENTIALS });
    client.send = (() =>
      Promise.resolve({
        Trail: {
          Name: "my-logs-trail",
          TrailARN: "arn:aws:cloudtrail:us-east-2:123456789012:trail/my-logs-trail",
          S3BucketName: "b",
          IsMultiRegionTrail: true,
        },
      })) as never;
    const trail = await describeTrail(client, "my-logs-trail", "eu-west-1");
    expect(trail.homeRegion).to.equal("us-east-2");
  });
});
