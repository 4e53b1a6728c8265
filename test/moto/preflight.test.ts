// The lab's preflight (automation/aws/preflight.ts) against moto, with the lab's own clients built
// from the standard AWS environment: credentials through STS, the default VPC and its subnets
// that moto creates in every region, and the trail-name check against trails made first in moto,
// single- and multi-region, homed in the lab's region or another; and the IsLogging wait, polling moto.
import { expect } from "chai";
import { EventEmitter } from "node:events";
import * as path from "node:path";
import { AddTagsCommand, StartLoggingCommand } from "@aws-sdk/client-cloudtrail";
import { CreateBucketCommand } from "@aws-sdk/client-s3";
import {
  DeleteSubnetCommand,
  DeleteVpcCommand,
  DescribeInstanceTypeOfferingsCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
  EC2Client,
} from "@aws-sdk/client-ec2";
import { firstSubnet } from "../../infra/probe-instance";
import { STACK_TAG } from "../../infra/tags";
import { createLabClients, destroyLabClients, type LabClients } from "../../automation/aws/aws-clients";
import { realDeps, type CliIo } from "../../automation/cli";
import { NoCredentialsError, NoDefaultVpcError, TrailConflictError } from "../../automation/errors";
import { checkCredentials, checkDefaultVpc, checkTrailNameFree } from "../../automation/aws/preflight";
import { waitForLogging } from "../../automation/aws/trail-wait";
import { ExitCode } from "../../common/exit-codes";
import { describeMoto, MOTO_CREDENTIALS, useAwsEnvironment } from "./support/moto-suite";
import { createMotoTrail, motoClients } from "./support/moto-world";
import { ACCOUNT, runProgram } from "../support/pulumi-program";
import { templateConfig } from "./support/moto-deploy";

const ROOT = path.resolve(__dirname, "../..");
const LAB_REGION = "eu-west-1";
const OTHER_REGION = "us-east-1";

async function rejection(promise: Promise<unknown>): Promise<Error> {
  return promise.then(
    () => {
      throw new Error("expected a rejection");
    },
    (e: Error) => e,
  );
}

describeMoto("moto: the lab's preflight", (moto) => {
  let restore: () => void;
  let clients: LabClients;
  beforeEach(async () => {
    await moto.server.reset();
    restore = useAwsEnvironment(moto.env(LAB_REGION));
    // As automation/cli.ts builds them: region and environment only.
    clients = createLabClients({ region: LAB_REGION, env: process.env });
  });
  afterEach(() => {
    destroyLabClients(clients);
    restore();
  });

  /** The lab's services as `npm run lab` wires them (automation/cli.ts realDeps), from the environment. */
  const labServices = (region: string) => {
    const io: CliIo = { stdout: () => undefined, stderr: () => undefined, env: process.env, signals: new EventEmitter(), projectDir: ROOT };
    return realDeps(io).services(region);
  };
  const ec2In = (region: string) =>
    new EC2Client({ region, endpoint: moto.server.endpoint, credentials: MOTO_CREDENTIALS, maxAttempts: 1 });

  describe("credentials (sts:GetCallerIdentity)", () => {
    it("returns moto's account and caller", async () => {
      expect(await checkCredentials(clients)).to.deep.equal({ account: ACCOUNT, arn: `arn:aws:sts::${ACCOUNT}:user/moto` });
    });

    it("none in the environment: NoCredentialsError (exit 2), and no request reaches moto", async () => {
      delete process.env.AWS_ACCESS_KEY_ID;
      delete process.env.AWS_SECRET_ACCESS_KEY;
      const bare = createLabClients({ region: LAB_REGION, env: process.env, maxAttempts: 1 });
      await moto.server.startRecording();
      try {
        const error = await rejection(checkCredentials(bare));
        expect(error).to.be.instanceOf(NoCredentialsError);
        expect((error as NoCredentialsError).exitCode).to.equal(ExitCode.Usage);
        expect(await moto.server.recorded()).to.deep.equal([]);
      } finally {
        destroyLabClients(bare);
      }
    });
  });

  describe("default VPC (ec2:DescribeVpcs) and its subnets", () => {
    it("passes in each region, where moto made a default VPC; the program's subnet query finds a default subnet of it", async () => {
      await checkDefaultVpc(clients, LAB_REGION, undefined);
      const run = await runProgram({ ...templateConfig(), "aws:region": LAB_REGION });
      const offeringsAsked = run.invokes.find((i) => i.token === "aws:ec2/getInstanceTypeOfferings:getInstanceTypeOfferings")!.inputs;
      const subnetsAsked = run.invokes.find((i) => i.token === "aws:ec2/getSubnets:getSubnets")!.inputs;
      for (const region of [LAB_REGION, OTHER_REGION]) {
        const regional = createLabClients({ region, env: process.env });
        const ec2 = ec2In(region);
        try {
          await checkDefaultVpc(regional, region, undefined);
          // The program's own filters, with moto's answers in place of the mocks'.
          const vpc = (await ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: "isDefault", Values: ["true"] }] }))).Vpcs![0];
          const offered = await ec2.send(
            new DescribeInstanceTypeOfferingsCommand({
              LocationType: offeringsAsked.locationType,
              Filters: (offeringsAsked.filters as { name: string; values: string[] }[]).map((f) => ({ Name: f.name, Values: f.values })),
            }),
          );
          const zones = offered.InstanceTypeOfferings!.map((o) => o.Location!);
          const answers: Record<string, string[]> = { "vpc-id": [vpc.VpcId!], "availability-zone": zones };
          const Filters = (subnetsAsked.filters as { name: string; values: string[] }[]).map((f) => ({
            Name: f.name,
            Values: answers[f.name] ?? f.values,
          }));
          expect(Filters.map((f) => f.Name)).to.have.members(["vpc-id", "default-for-az", "availability-zone"]);
          const { Subnets } = await ec2.send(new DescribeSubnetsCommand({ Filters }));
          expect(Subnets!.length, region).to.be.greaterThan(1);
          const chosen = Subnets!.find(
            (s) =>
              s.SubnetId ===
              firstSubnet(
                Subnets!.map((s) => s.SubnetId!),
                "t3.micro",
              ),
          )!;
          expect(chosen).to.include({ VpcId: vpc.VpcId, DefaultForAz: true });
          expect(zones).to.include(chosen.AvailabilityZone);
        } finally {
          ec2.destroy();
          destroyLabClients(regional);
        }
      }
    });

    it("once the region's default VPC is deleted: NoDefaultVpcError naming the region, subnetId and create-default-vpc (exit 2)", async () => {
      const ec2 = ec2In(LAB_REGION);
      try {
        const vpc = (await ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: "isDefault", Values: ["true"] }] }))).Vpcs![0].VpcId!;
        const { Subnets } = await ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: "vpc-id", Values: [vpc] }] }));
        for (const s of Subnets!) await ec2.send(new DeleteSubnetCommand({ SubnetId: s.SubnetId }));
        await ec2.send(new DeleteVpcCommand({ VpcId: vpc }));
      } finally {
        ec2.destroy();
      }
      const error = await rejection(checkDefaultVpc(clients, LAB_REGION, undefined));
      expect(error).to.be.instanceOf(NoDefaultVpcError);
      expect((error as NoDefaultVpcError).exitCode).to.equal(ExitCode.Usage);
      expect(error.message)
        .to.contain(`Region ${LAB_REGION} has no default VPC`)
        .and.contain("trail-lab:subnetId")
        .and.contain(`aws ec2 create-default-vpc --region ${LAB_REGION}`);
      // Another region keeps its own.
      const other = createLabClients({ region: OTHER_REGION, env: process.env });
      try {
        await checkDefaultVpc(other, OTHER_REGION, undefined);
      } finally {
        destroyLabClients(other);
      }
    });
  });

  describe("trail name (cloudtrail:DescribeTrails, shadow trails included)", () => {
    const TRAIL = "my-logs-trail";
    const BUCKET = "someones-trail-bucket";
    const LEFT_BY = "lab-20261124-101500-0a1b";

    /** A trail made first in moto, homed in `home`, tagged with a lab stack or not. */
    async function trailMadeFirst(home: string, multiRegion: boolean, labStack: string | null): Promise<string> {
      const own = motoClients(moto.server.endpoint, home);
      try {
        await own.s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
        const arn = await createMotoTrail(own.cloudTrail, {
          name: TRAIL,
          account: ACCOUNT,
          homeRegion: home,
          bucket: BUCKET,
          isMultiRegion: multiRegion,
        });
        if (labStack) await own.cloudTrail.send(new AddTagsCommand({ ResourceId: arn, TagsList: [{ Key: STACK_TAG, Value: labStack }] }));
        return arn;
      } finally {
        own.destroy();
      }
    }

    /** The check as `npm run lab` wires it, in `region`. */
    async function labCheck(region: string): Promise<void> {
      const services = labServices(region);
      try {
        await services.checkTrailNameFree(TRAIL);
      } finally {
        services.close();
      }
    }

    it("passes when moto holds no trail of the name", async () => {
      await checkTrailNameFree(clients, TRAIL, LAB_REGION);
      await labCheck(LAB_REGION);
    });

    it("a lab trail left by another stack, multi-region and homed in another region: TrailConflictError offers --cleanup <stack> (exit 2)", async () => {
      const arn = await trailMadeFirst(OTHER_REGION, true, LEFT_BY);
      const error = await rejection(labCheck(LAB_REGION));
      expect(error).to.be.instanceOf(TrailConflictError);
      expect((error as TrailConflictError).exitCode).to.equal(ExitCode.Usage);
      expect((error as TrailConflictError).trail).to.deep.equal({
        name: TRAIL,
        arn,
        homeRegion: OTHER_REGION,
        multiRegion: true,
        labStack: LEFT_BY,
      });
      expect(error.message)
        .to.contain(`multi-region trail (home region ${OTHER_REGION})`)
        .and.contain(`npm run lab -- --cleanup ${LEFT_BY}`);
    });

    it("someone else's multi-region trail homed in another region: a conflict, not a lab trail, no --cleanup", async () => {
      await trailMadeFirst(OTHER_REGION, true, null);
      const error = await rejection(labCheck(LAB_REGION));
      expect(error).to.be.instanceOf(TrailConflictError);
      expect(error.message).to.contain("not a lab trail").and.not.contain("--cleanup");
    });

    it("a single-region trail holds the name only in its home region: a conflict there, free in the lab's region", async () => {
      const arn = await trailMadeFirst(OTHER_REGION, false, LEFT_BY);
      await labCheck(LAB_REGION);
      const error = await rejection(labCheck(OTHER_REGION));
      expect(error).to.be.instanceOf(TrailConflictError);
      expect((error as TrailConflictError).trail).to.deep.equal({
        name: TRAIL,
        arn,
        homeRegion: OTHER_REGION,
        multiRegion: false,
        labStack: LEFT_BY,
      });
      expect(error.message).to.contain(`it lives in ${OTHER_REGION}`).and.contain(`--cleanup ${LEFT_BY}`);
    });
  });
  describe("the lab's IsLogging wait (cloudtrail:GetTrailStatus)", () => {
    it("an unknown trail is not visible yet (null); a created trail reads not logging until StartLogging", async () => {
      const services = labServices(LAB_REGION);
      const own = motoClients(moto.server.endpoint, LAB_REGION);
      try {
        expect(await services.trailStatus.status("my-logs-trail")).to.equal(null);
        await own.s3.send(new CreateBucketCommand({ Bucket: "lab-status-bucket" }));
        const arn = await createMotoTrail(own.cloudTrail, {
          name: "my-logs-trail",
          account: ACCOUNT,
          homeRegion: LAB_REGION,
          bucket: "lab-status-bucket",
          isLogging: false,
        });
        expect(await services.trailStatus.status("my-logs-trail")).to.deep.equal({ isLogging: false, latestDeliveryError: null });
        await own.cloudTrail.send(new StartLoggingCommand({ Name: arn }));
        expect(await services.trailStatus.status("my-logs-trail")).to.deep.equal({ isLogging: true, latestDeliveryError: null });
      } finally {
        own.destroy();
        services.close();
      }
    });

    it("waitForLogging polls moto until the trail logs: not visible, then not logging, then logging", async () => {
      const services = labServices(LAB_REGION);
      const own = motoClients(moto.server.endpoint, LAB_REGION);
      const lines: string[] = [];
      // Between polls, CloudTrail catches up: first the trail appears, then it starts logging.
      const catchUp = [
        async () => {
          await own.s3.send(new CreateBucketCommand({ Bucket: "lab-wait-bucket" }));
          await createMotoTrail(own.cloudTrail, {
            name: "my-logs-trail",
            account: ACCOUNT,
            homeRegion: LAB_REGION,
            bucket: "lab-wait-bucket",
            isLogging: false,
          });
        },
        () => own.cloudTrail.send(new StartLoggingCommand({ Name: "my-logs-trail" })),
      ];
      try {
        const logging = await waitForLogging(services.trailStatus, "my-logs-trail", {
          timeoutMs: 60_000,
          intervalMs: 1_000,
          now: () => Date.now(),
          log: (line) => lines.push(line),
          sleep: async () => void (await catchUp.shift()!()),
        });
        expect(logging).to.equal(true);
        expect(lines.map((l) => l.replace(/after \d+ s/, "after N s"))).to.deep.equal([
          "trail my-logs-trail: not visible yet after N s, checking again",
          "trail my-logs-trail: not logging yet after N s, checking again",
        ]);
      } finally {
        own.destroy();
        services.close();
      }
    });
  });
});
