// Preflight against a local server speaking the real protocols (STS and EC2 query/XML,
// CloudTrail JSON 1.1): the named errors, their messages and exit code 2.
import { expect } from "chai";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { createCloudTrailClientIn, createLabClients, destroyLabClients, type LabClients } from "../../../automation/aws/aws-clients";
import { AwsCallError } from "../../../common/errors";
import { MissingToolError, NoCredentialsError, NoDefaultVpcError, TrailConflictError } from "../../../automation/errors";
import { checkCredentials, checkDefaultVpc, checkPulumiCli, checkTrailNameFree, findOnPath } from "../../../automation/aws/preflight";
import { ExitCode } from "../../../common/exit-codes";
import { callerIdentity, jsonError, startAwsServer, vpcs, xmlError, type AwsServer } from "../../support/servers/aws-query-json-server";

async function rejection(promise: Promise<unknown>): Promise<Error> {
  return promise.then(
    () => {
      throw new Error("expected a rejection");
    },
    (e: Error) => e,
  );
}

const TRAIL_ARN = "arn:aws:cloudtrail:us-east-1:123456789012:trail/my-logs-trail";

describe("automation/preflight", function () {
  let server: AwsServer;
  let clients: LabClients;

  beforeEach(async function () {
    server = await startAwsServer();
    clients = createLabClients({
      region: "eu-west-1",
      endpoint: server.endpoint,
      credentials: { accessKeyId: "AKIAEXAMPLE", secretAccessKey: "secret" },
      maxAttempts: 1,
    });
  });
  afterEach(async function () {
    destroyLabClients(clients);
    await server.close();
  });

  describe("the Pulumi CLI", function () {
    it("is found on PATH without starting it", function () {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "path-"));
      fs.writeFileSync(path.join(dir, "pulumi"), "#!/bin/sh\nexit 0\n", { mode: 0o755 });
      expect(findOnPath("pulumi", { PATH: `/nonexistent${path.delimiter}${dir}` })).to.equal(path.join(dir, "pulumi"));
      fs.chmodSync(path.join(dir, "pulumi"), 0o644);
      expect(findOnPath("pulumi", { PATH: dir }), "not executable").to.equal(null);
      fs.rmSync(dir, { recursive: true });
    });

    it("missing: MissingToolError says how to install it, exit 2", function () {
      let error: unknown;
      try {
        checkPulumiCli({ PATH: "/nonexistent" });
      } catch (e) {
        error = e;
      }
      expect(error).to.be.instanceOf(MissingToolError);
      expect((error as MissingToolError).exitCode).to.equal(ExitCode.Usage);
      expect((error as Error).message)
        .to.contain("'pulumi' command was not found")
        .and.contain("https://www.pulumi.com/docs/iac/download-install/");
    });
  });

  describe("credentials (sts:GetCallerIdentity)", function () {
    it("returns the account and caller", async function () {
      server.handlers.GetCallerIdentity = () => callerIdentity("210987654321");
      expect(await checkCredentials(clients)).to.deep.equal({ account: "210987654321", arn: "arn:aws:iam::210987654321:user/lab" });
      expect(server.requests.map((r) => r.operation)).to.deep.equal(["GetCallerIdentity"]);
    });

    it("rejected keys: NoCredentialsError with what to do, exit 2", async function () {
      server.handlers.GetCallerIdentity = () =>
        xmlError("InvalidClientTokenId", "The security token included in the request is invalid.", 403);
      const error = await rejection(checkCredentials(clients));
      expect(error).to.be.instanceOf(NoCredentialsError);
      expect((error as NoCredentialsError).exitCode).to.equal(ExitCode.Usage);
      expect(error.message).to.contain("InvalidClientTokenId").and.contain("aws configure").and.contain("AWS_PROFILE");
    });

    it("no credentials at all: NoCredentialsError, and no request is sent", async function () {
      const none = createLabClients({
        region: "eu-west-1",
        endpoint: server.endpoint,
        credentials: () =>
          Promise.reject(Object.assign(new Error("Could not load credentials from any providers"), { name: "CredentialsProviderError" })),
        maxAttempts: 1,
      });
      try {
        const error = await rejection(checkCredentials(none));
        expect(error).to.be.instanceOf(NoCredentialsError);
        expect(error.message).to.contain("Could not load credentials from any providers");
        expect(server.requests).to.have.length(0);
      } finally {
        destroyLabClients(none);
      }
    });

    it("another failure is an AWS error, exit 3", async function () {
      server.handlers.GetCallerIdentity = () => xmlError("RegionDisabledException", "STS is not activated in this region", 403);
      const error = await rejection(checkCredentials(clients));
      expect(error).to.be.instanceOf(AwsCallError);
      expect((error as AwsCallError).exitCode).to.equal(ExitCode.AwsError);
    });
  });

  describe("default VPC (ec2:DescribeVpcs)", function () {
    it("passes when the region has one, asking only for default VPCs", async function () {
      server.handlers.DescribeVpcs = () => vpcs([{ id: "vpc-0d3f1e2a4b5c6d7e8", isDefault: true }]);
      await checkDefaultVpc(clients, "eu-west-1", undefined);
      expect(server.requests[0].params).to.include({ "Filter.1.Name": "isDefault", "Filter.1.Value.1": "true" });
    });

    it("none: NoDefaultVpcError names subnetId and create-default-vpc, exit 2", async function () {
      server.handlers.DescribeVpcs = () => vpcs([]);
      const error = await rejection(checkDefaultVpc(clients, "eu-west-1", undefined));
      expect(error).to.be.instanceOf(NoDefaultVpcError);
      expect((error as NoDefaultVpcError).exitCode).to.equal(ExitCode.Usage);
      expect(error.message)
        .to.contain("eu-west-1")
        .and.contain("trail-lab:subnetId")
        .and.contain("aws ec2 create-default-vpc --region eu-west-1");
    });

    it("is not asked when a subnet is configured", async function () {
      await checkDefaultVpc(clients, "eu-west-1", "subnet-0123456789abcdef0");
      expect(server.requests).to.have.length(0);
    });
  });

  describe("trail name (cloudtrail:DescribeTrails, shadow trails included)", function () {
    it("passes when no trail has the name", async function () {
      server.handlers.DescribeTrails = () => ({
        json: true,
        body: JSON.stringify({
          trailList: [
            {
              Name: "org-trail",
              TrailARN: "arn:aws:cloudtrail:us-east-1:123456789012:trail/org-trail",
              HomeRegion: "us-east-1",
              IsMultiRegionTrail: true,
            },
          ],
        }),
      });
      await checkTrailNameFree(clients, "my-logs-trail", "eu-west-1");
      expect(server.requests[0].params.includeShadowTrails).to.equal("true");
    });

    it("a lab trail left by another stack, homed in another region: its tags are read there, and TrailConflictError offers --cleanup <stack>, exit 2", async function () {
      server.handlers.DescribeTrails = () => ({
        json: true,
        body: JSON.stringify({
          trailList: [{ Name: "my-logs-trail", TrailARN: TRAIL_ARN, HomeRegion: "us-east-1", IsMultiRegionTrail: true }],
        }),
      });
      // ListTags answers for the trails of its own region only.
      server.handlers.ListTags = () =>
        jsonError("CloudTrailARNInvalidException", "Region in ARN is wrong, you can only access resources in region eu-west-1.");
      const home = await startAwsServer({
        ListTags: () => ({
          json: true,
          body: JSON.stringify({
            ResourceTagList: [{ ResourceId: TRAIL_ARN, TagsList: [{ Key: "trail-lab:stack", Value: "lab-20261124-101500-0a1b" }] }],
          }),
        }),
      });
      const asked: string[] = [];
      const cloudTrailIn = (region: string) => {
        asked.push(region);
        return createCloudTrailClientIn(region, {
          endpoint: home.endpoint,
          credentials: { accessKeyId: "AKIAEXAMPLE", secretAccessKey: "secret" },
          maxAttempts: 1,
        });
      };
      try {
        const error = await rejection(checkTrailNameFree(clients, "my-logs-trail", "eu-west-1", cloudTrailIn));
        expect(error).to.be.instanceOf(TrailConflictError);
        expect((error as TrailConflictError).exitCode).to.equal(ExitCode.Usage);
        expect(error.message)
          .to.contain(TRAIL_ARN)
          .and.contain("multi-region trail (home region us-east-1)")
          .and.contain("npm run lab -- --cleanup lab-20261124-101500-0a1b")
          .and.contain("trail-lab:trailName");
        expect(asked).to.deep.equal(["us-east-1"]);
        expect(server.requests.map((r) => r.operation)).to.deep.equal(["DescribeTrails"]);
        expect(home.requests.map((r) => r.operation)).to.deep.equal(["ListTags"]);
      } finally {
        await home.close();
      }
    });

    it("someone else's trail: says the lab will not touch it and how to pick another name", async function () {
      server.handlers.DescribeTrails = () => ({
        json: true,
        body: JSON.stringify({
          trailList: [{ Name: "my-logs-trail", TrailARN: TRAIL_ARN, HomeRegion: "eu-west-1", IsMultiRegionTrail: false }],
        }),
      });
      server.handlers.ListTags = () => jsonError("AccessDeniedException", "not allowed");
      const error = await rejection(checkTrailNameFree(clients, "my-logs-trail", "eu-west-1"));
      expect(error).to.be.instanceOf(TrailConflictError);
      expect(error.message).to.contain("not a lab trail").and.not.contain("--cleanup");
    });

    it("DescribeTrails refused: an AWS error, exit 3", async function () {
      server.handlers.DescribeTrails = () =>
        jsonError("AccessDeniedException", "User is not authorized to perform: cloudtrail:DescribeTrails");
      const error = await rejection(checkTrailNameFree(clients, "my-logs-trail", "eu-west-1"));
      expect(error).to.be.instanceOf(AwsCallError);
      expect(error.message).to.contain("cloudtrail:DescribeTrails").and.contain("not authorized");
    });
  });
});
