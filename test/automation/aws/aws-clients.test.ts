// The lab's own AWS clients (preflight, trail status, sweep): no request may wait forever, or a
// silent endpoint would hold the cleanup that removes paid resources.
import { DescribeTrailsCommand } from "@aws-sdk/client-cloudtrail";
import { DescribeLogGroupsCommand } from "@aws-sdk/client-cloudwatch-logs";
import { DescribeVpcsCommand } from "@aws-sdk/client-ec2";
import { ListKeysCommand } from "@aws-sdk/client-kms";
import { GetResourcesCommand } from "@aws-sdk/client-resource-groups-tagging-api";
import { ListBucketsCommand } from "@aws-sdk/client-s3";
import { GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { expect } from "chai";
import { createLabClients, destroyLabClients } from "../../../automation/aws/aws-clients";
import { startSilentServer, type SilentServer } from "../../support/servers/silent-server";

describe("automation: the lab's AWS clients", function () {
  this.timeout(15_000);
  let silent: SilentServer;
  before(async () => (silent = await startSilentServer()));
  after(() => silent.close());

  it("every client gives up on an endpoint that accepts and never answers (TimeoutError)", async () => {
    const clients = createLabClients({
      region: "us-east-1",
      endpoint: silent.endpoint,
      credentials: { accessKeyId: "AKIDLOCAL", secretAccessKey: "local" },
      maxAttempts: 1,
      timeouts: { idleMs: 250 },
    });
    try {
      const outcome = (call: Promise<unknown>) =>
        call.then(
          () => "answered",
          (e: unknown) => (e as Error).name,
        );
      const outcomes = await Promise.all([
        outcome(clients.sts.send(new GetCallerIdentityCommand({}))),
        outcome(clients.ec2.send(new DescribeVpcsCommand({}))),
        outcome(clients.cloudtrail.send(new DescribeTrailsCommand({}))),
        outcome(clients.s3.send(new ListBucketsCommand({}))),
        outcome(clients.tagging.send(new GetResourcesCommand({}))),
        outcome(clients.kms.send(new ListKeysCommand({}))),
        outcome(clients.logs.send(new DescribeLogGroupsCommand({}))),
      ]);
      expect(outcomes).to.deep.equal(Array(7).fill("TimeoutError"));
    } finally {
      destroyLabClients(clients);
    }
  });
});
