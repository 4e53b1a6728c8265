// readInstance through the real EC2 client against a local EC2 endpoint: a running probe as EC2
// describes it, one EC2 no longer knows, a refusal named with the permission, and a call that never
// answers ended by the timeout, not left hanging.
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { expect } from "chai";
import { EC2Client } from "@aws-sdk/client-ec2";
import { INSTANCE_READ_TIMEOUT_MS, InstanceReadError, readInstance } from "../../../automation/aws/instance-view";
import { ExitCode } from "../../../common/exit-codes";
import { ec2Error, startAwsServer, type AwsServer } from "../../support/servers/aws-query-json-server";

const ID = "i-0fa1e2d3c4b5a6978";
const NOW = Date.parse("2026-11-25T22:40:00Z");

function describeInstances(state: string, extra = ""): { body: string } {
  return {
    body:
      `<DescribeInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>4c0f1e2d</requestId><reservationSet><item>` +
      `<reservationId>r-0a1b2c3d4e5f60718</reservationId><ownerId>123456789012</ownerId><instancesSet><item>` +
      `<instanceId>${ID}</instanceId><imageId>ami-0abcdef1234567890</imageId><instanceState><code>16</code><name>${state}</name></instanceState>` +
      `<instanceType>t3.micro</instanceType><launchTime>2026-11-25T22:31:02.000Z</launchTime><placement><availabilityZone>eu-west-1a</availabilityZone></placement>` +
      `<subnetId>subnet-0a1b2c3d4e5f60718</subnetId><vpcId>vpc-0f1e2d3c4b5a69788</vpcId><privateIpAddress>172.31.20.17</privateIpAddress>${extra}` +
      `<tagSet><item><key>trail-lab:stack</key><value>lab-test</value></item><item><key>Name</key><value>test</value></item></tagSet>` +
      `<metadataOptions><state>applied</state><httpTokens>required</httpTokens><httpEndpoint>enabled</httpEndpoint></metadataOptions>` +
      `</item></instancesSet></item></reservationSet></DescribeInstancesResponse>`,
  };
}

const client = (endpoint: string) =>
  new EC2Client({ region: "eu-west-1", endpoint, credentials: { accessKeyId: "AKIAEXAMPLE", secretAccessKey: "secret" }, maxAttempts: 1 });

describe("automation/instance-view: the probe as EC2 describes it", function () {
  this.timeout(30_000);
  let ec2: AwsServer;
  before(async () => {
    ec2 = await startAwsServer();
  });
  after(() => ec2.close());

  it("reads type, Name tag, AMI, subnet, public IP (none), IMDSv2 and state of the one instance asked for", async () => {
    ec2.handlers.DescribeInstances = () => describeInstances("running");
    const view = await readInstance(client(ec2.endpoint), ID, { now: () => NOW });
    expect(ec2.requests.at(-1)).to.deep.include({ operation: "DescribeInstances" });
    expect(ec2.requests.at(-1)!.params["InstanceId.1"]).to.equal(ID);
    expect(view).to.deep.equal({
      instanceId: ID,
      readAt: "2026-11-25T22:40:00.000Z",
      found: true,
      state: "running",
      instanceType: "t3.micro",
      name: "test",
      imageId: "ami-0abcdef1234567890",
      subnetId: "subnet-0a1b2c3d4e5f60718",
      vpcId: "vpc-0f1e2d3c4b5a69788",
      availabilityZone: "eu-west-1a",
      publicIpAddress: null,
      privateIpAddress: "172.31.20.17",
      httpTokens: "required",
      launchTime: "2026-11-25T22:31:02.000Z",
    });
    ec2.handlers.DescribeInstances = () => describeInstances("running", "<ipAddress>54.78.12.3</ipAddress>");
    expect((await readInstance(client(ec2.endpoint), ID)).publicIpAddress).to.equal("54.78.12.3");
  });

  it("answers found: false for an id EC2 no longer knows, and names the permission when refused", async () => {
    ec2.handlers.DescribeInstances = () => ec2Error("InvalidInstanceID.NotFound", `The instance ID '${ID}' does not exist`);
    expect(await readInstance(client(ec2.endpoint), ID, { now: () => NOW })).to.deep.include({
      instanceId: ID,
      found: false,
      state: null,
      instanceType: null,
    });
    ec2.handlers.DescribeInstances = () => ec2Error("UnauthorizedOperation", "You are not authorized to perform this operation.", 403);
    const error = await readInstance(client(ec2.endpoint), ID).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(InstanceReadError);
    expect((error as InstanceReadError).exitCode).to.equal(ExitCode.AwsError);
    expect((error as Error).message)
      .to.include("ec2:DescribeInstances")
      .and.include("UnauthorizedOperation")
      .and.include(`aws ec2 describe-instances --instance-ids ${ID}`);
  });

  it("ends a call that never answers at its timeout with InstanceReadError, and a Ctrl-C at once with the abort", async () => {
    expect(INSTANCE_READ_TIMEOUT_MS).to.be.greaterThan(0);
    const hung = http.createServer(() => undefined);
    await new Promise<void>((resolve) => hung.listen(0, "127.0.0.1", resolve));
    const endpoint = `http://127.0.0.1:${(hung.address() as AddressInfo).port}`;
    try {
      const timedOut = await readInstance(client(endpoint), ID, { timeoutMs: 300 }).catch((e: unknown) => e);
      expect(timedOut).to.be.instanceOf(InstanceReadError);
      expect((timedOut as Error).message).to.include("no answer within 0.3 s");
      const stop = new AbortController();
      setTimeout(() => stop.abort(), 50);
      const stopped = await readInstance(client(endpoint), ID, { signal: stop.signal }).catch((e: unknown) => e);
      expect(stopped).not.to.be.instanceOf(InstanceReadError);
      expect((stopped as Error).name).to.equal("AbortError");
    } finally {
      hung.closeAllConnections();
      await new Promise<void>((resolve) => hung.close(() => resolve()));
    }
  });
});
