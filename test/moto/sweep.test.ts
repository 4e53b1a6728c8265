// The leftover sweep against moto, as the product runs it: awsTagSweeper on the lab's own clients
// (createLabClients, AWS_ENDPOINT_URL), and `npm run lab -- --cleanup <stack>` through realDeps with
// the stand-in pulumi, whose backend holds no such stack, so the run sweeps by tag. The world is a
// half-finished lab (moto-leftovers.ts) beside another stack's and untagged look-alikes; moto's
// own census afterwards must differ from the one before by exactly the stack's resources. Where
// moto reads a documented request otherwise than AWS, the requests pass a small rewriting proxy
// (moto-dialect.ts); the last tests pin moto's own answers, so a moto that changes shows up here.
import { expect } from "chai";
import { EventEmitter } from "node:events";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { CreateTrailCommand, DeleteTrailCommand, DescribeTrailsCommand } from "@aws-sdk/client-cloudtrail";
import { CreateLogGroupCommand } from "@aws-sdk/client-cloudwatch-logs";
import {
  DeleteSecurityGroupCommand,
  DescribeInstancesCommand,
  DescribeSecurityGroupsCommand,
  TerminateInstancesCommand,
} from "@aws-sdk/client-ec2";
import { CreateKeyCommand, ScheduleKeyDeletionCommand } from "@aws-sdk/client-kms";
import { GetResourcesCommand, ResourceGroupsTaggingAPIClient } from "@aws-sdk/client-resource-groups-tagging-api";
import { CreateBucketCommand, PutBucketPolicyCommand } from "@aws-sdk/client-s3";
import { createLabClients, destroyLabClients } from "../../automation/aws/aws-clients";
import { main, realDeps, type CliIo } from "../../automation/cli";
import type { LabReport } from "../../automation/evidence";
import type { Leftover } from "../../automation/cleanup/leftovers";
import { STACK_TAG } from "../../automation/aws/stack-tag";
import { awsTagSweeper, labBucketPrefixes, type SweepReport } from "../../automation/cleanup/sweep";
import { ExitCode } from "../../common/exit-codes";
import { installFakePulumi, type FakePulumi } from "../support/doubles/fake-pulumi";
import { startMotoDialect, type MotoDialect } from "./support/moto-dialect";
import {
  buildHalfFinishedLab,
  launchProbe,
  takeCensus,
  withoutLeftovers,
  type Census,
  type HalfFinishedLab,
} from "./support/moto-leftovers";
import { describeMoto, MOTO_CREDENTIALS, motoEnvironment, useAwsEnvironment } from "./support/moto-suite";
import { motoClients } from "./support/moto-world";

const STACK = "lab-20261125-221500-4000";
// Pulumi.dev.yaml's aws:region: where `--cleanup` sweeps without --region.
const REGION = "us-east-1";
const ROOT = path.resolve(__dirname, "../..");

/** What the sweep should report removed: every resource of the stack, by kind and id. */
function expectedRemovals(lab: HalfFinishedLab): string[] {
  const { stack } = lab;
  return [
    ...stack.instances.map((id) => `instance ${id}`),
    ...stack.keys.map((id) => `kms-key ${id}`),
    ...stack.logGroups.map((id) => `log-group ${id}`),
    ...stack.securityGroups.map((id) => `security-group ${id}`),
    ...stack.trails.map((id) => `trail ${id}`),
    ...stack.buckets.map((id) => `bucket ${id}`),
  ].sort();
}

const named = (items: Leftover[]) => items.map((l) => `${l.kind} ${l.id}`).sort();

/** The census holds the stack's resources alive: otherwise "nothing else changed" proves nothing. */
function expectAlive(census: Census, lab: HalfFinishedLab): void {
  const { stack } = lab;
  for (const id of stack.instances) expect(census.instances[id], id).to.be.oneOf(["running", "stopped"]);
  expect(census.securityGroups).to.include.members(stack.securityGroups);
  for (const arn of stack.trails) expect(census.trails[arn], arn).to.equal(true);
  for (const bucket of stack.buckets) expect(census.buckets[bucket], bucket).to.be.greaterThan(0);
  for (const key of stack.keys) expect(census.keys[key], key).to.equal("Enabled");
  expect(census.logGroups).to.include.members(stack.logGroups);
}

describeMoto("moto: the leftover sweep and --cleanup", (moto) => {
  let dialect: MotoDialect;
  let restore: () => void;

  before(async () => {
    dialect = await startMotoDialect(moto.server.endpoint);
  });
  after(async () => {
    await dialect?.close();
  });
  beforeEach(async () => {
    await moto.server.reset();
    dialect.rewrites.length = 0;
    // As a user points the lab at an emulator: every client of the product follows AWS_ENDPOINT_URL.
    restore = useAwsEnvironment(motoEnvironment(dialect.endpoint, REGION));
  });
  afterEach(() => restore());

  /** The lab's wiring (automation/cli.ts realDeps) in `projectDir`, with what it prints. */
  function labIo(projectDir: string, env: NodeJS.ProcessEnv = process.env) {
    const out: string[] = [];
    const err: string[] = [];
    const io: CliIo = { stdout: (t) => out.push(t), stderr: (t) => err.push(t), env, signals: new EventEmitter(), projectDir };
    return { io, out, err };
  }

  describe("awsTagSweeper on the lab's clients", () => {
    it("removes every resource that carries the stack's tag (instances terminated, key pending deletion, buckets emptied of every version and marker) and nothing else", async () => {
      const lab = await buildHalfFinishedLab(moto.server.endpoint, STACK);
      const before = await takeCensus(moto.server.endpoint, lab.region);
      expectAlive(before, lab);
      // The probe as the lab's evidence reads it, through the lab's own wiring.
      const services = realDeps(labIo(ROOT).io).services(lab.region);
      const clients = createLabClients({ region: lab.region, env: process.env });
      let report: SweepReport;
      try {
        expect(await services.describeInstance(lab.probe, AbortSignal.timeout(30_000))).to.include({
          found: true,
          state: "running",
          name: "test",
          instanceType: "t3.micro",
          httpTokens: "required",
        });
        report = await awsTagSweeper(clients, { terminateWaitSeconds: 60 }).sweep(STACK, {
          region: lab.region,
          bucketNames: [],
          bucketPrefixes: labBucketPrefixes(undefined),
        });
        expect(await services.describeInstance(lab.probe, AbortSignal.timeout(30_000))).to.include({ found: true, state: "terminated" });
      } finally {
        destroyLabClients(clients);
        services.close();
      }

      expect(report.remaining).to.deep.equal([]);
      expect(named(report.removed)).to.deep.equal(expectedRemovals(lab));
      expect(await takeCensus(moto.server.endpoint, lab.region)).to.deep.equal(withoutLeftovers(before, lab.stack));
      // The product asked in AWS's spelling; only moto's reading of it was rewritten.
      expect(dialect.rewrites.map((r) => [r.operation, r.sent])).to.deep.equal([
        ["GetResources", { TagFilters: [{ Key: STACK_TAG, Values: [STACK] }], ResourceTypeFilters: ["kms:key", "logs:log-group"] }],
        ["DeleteTrail", { Name: lab.stack.trails[0] }],
      ]);
    });

    it("with the buckets' policies as infra/ declares them, moto refuses every DeleteObjects: both buckets are listed with AccessDenied and the command to remove them, the rest still goes", async () => {
      const lab = await buildHalfFinishedLab(moto.server.endpoint, STACK);
      const own = motoClients(moto.server.endpoint, lab.region);
      try {
        for (const [Bucket, Policy] of Object.entries(lab.policies)) await own.s3.send(new PutBucketPolicyCommand({ Bucket, Policy }));
      } finally {
        own.destroy();
      }
      const before = await takeCensus(moto.server.endpoint, lab.region);
      const clients = createLabClients({ region: lab.region, env: process.env });
      let report: SweepReport;
      try {
        report = await awsTagSweeper(clients, { terminateWaitSeconds: 60 }).sweep(STACK, {
          region: lab.region,
          bucketNames: [],
          bucketPrefixes: labBucketPrefixes(undefined),
        });
      } finally {
        destroyLabClients(clients);
      }
      expect(named(report.remaining)).to.deep.equal(lab.stack.buckets.map((b) => `bucket ${b}`).sort());
      for (const left of report.remaining) {
        expect(left.reason).to.match(/could not delete \d+ objects, first .+: AccessDenied/);
        expect(left.removeWith).to.contain(`aws s3 rb s3://${left.id} --force`);
      }
      const kept = { ...lab.stack, buckets: [] };
      expect(named(report.removed)).to.deep.equal(expectedRemovals({ ...lab, stack: kept }));
      const after = await takeCensus(moto.server.endpoint, lab.region);
      const expected = withoutLeftovers(before, kept);
      // Not one version went; moto meanwhile delivered the access logs of the sweep's own calls.
      for (const bucket of lab.stack.buckets) {
        expect(after.buckets[bucket], bucket).to.be.at.least(before.buckets[bucket]);
        after.buckets[bucket] = expected.buckets[bucket];
      }
      expect(after).to.deep.equal(expected);
    });
  });

  describe("npm run lab -- --cleanup <stack>", () => {
    let fake: FakePulumi;
    let projectDir: string;
    beforeEach(() => {
      fake = installFakePulumi();
      projectDir = fs.mkdtempSync(path.join(os.tmpdir(), "trail-lab-moto-cleanup-"));
      fs.writeFileSync(path.join(projectDir, "Pulumi.yaml"), "name: trail-lab\nruntime: nodejs\nmain: infra/\n");
      fs.copyFileSync(path.join(ROOT, "Pulumi.dev.yaml"), path.join(projectDir, "Pulumi.dev.yaml"));
    });
    afterEach(() => {
      fake.restore();
      fs.rmSync(projectDir, { recursive: true, force: true });
    });

    /** One `--cleanup` run as cli.ts runs it, realDeps and all: its exit code and its JSON report. */
    async function cleanup(): Promise<{ code: number; report: LabReport; stderr: string }> {
      const { io, out, err } = labIo(projectDir, {
        PATH: process.env.PATH,
        HOME: projectDir,
        ...motoEnvironment(dialect.endpoint, REGION),
      });
      const code = await main(["--cleanup", STACK, "--json"], io);
      expect(out, err.join("")).to.have.length(1);
      return { code, report: JSON.parse(out[0]) as LabReport, stderr: err.join("") };
    }

    it("with no such stack in the backend sweeps by tag: exactly the stack's resources go, exit 0; run again, only the key already pending deletion is found, and left so", async () => {
      const lab = await buildHalfFinishedLab(moto.server.endpoint, STACK);
      const before = await takeCensus(moto.server.endpoint, lab.region);
      expectAlive(before, lab);

      const first = await cleanup();
      expect(first.code, first.stderr).to.equal(ExitCode.Ok);
      expect(first.stderr).to.contain(`No stack '${STACK}'`).and.contain(`sweeping ${REGION} for resources tagged with it`);
      expect(first.report).to.include({ command: "cleanup", stack: STACK, region: REGION, accountId: "123456789012" });
      expect(first.report.cleanup).to.include({ destroyed: true, complete: true });
      expect(first.report.cleanup!.leftovers).to.deep.equal([]);
      expect(named(first.report.cleanup!.sweep!.removed)).to.deep.equal(expectedRemovals(lab));
      const swept = await takeCensus(moto.server.endpoint, lab.region);
      expect(swept).to.deep.equal(withoutLeftovers(before, lab.stack));
      // Nothing for Pulumi to destroy: the stand-in was asked for the stack, and nothing else was done with it.
      const verbs = fake.calls().map((c) =>
        (c.argv ?? [])
          .filter((a) => !a.startsWith("-"))
          .slice(0, 2)
          .join(" "),
      );
      expect(verbs).to.include("stack select");
      expect(verbs.filter((v) => v.startsWith("destroy") || v.startsWith("stack rm") || v.startsWith("up"))).to.deep.equal([]);

      // The key waits out its 7 days, and the tagging API still lists it: a second run takes it as done.
      const second = await cleanup();
      expect(second.code, second.stderr).to.equal(ExitCode.Ok);
      expect(second.report.cleanup).to.include({ complete: true });
      expect(named(second.report.cleanup!.sweep!.removed)).to.deep.equal(lab.stack.keys.map((k) => `kms-key ${k}`));
      expect(await takeCensus(moto.server.endpoint, lab.region)).to.deep.equal(swept);
    });
  });

  // moto's own answers where they differ from AWS's (test/moto/README.md), straight from moto:
  // when a moto upgrade changes one, this fails, and the README and moto-dialect.ts change with it.
  describe("moto 5.2.5 where it differs from AWS", () => {
    const own = () => motoClients(moto.server.endpoint, REGION);

    it("types log groups logs:loggroup in the tagging API: AWS's logs:log-group (the ARN's spelling) finds none", async () => {
      const c = own();
      const tagging = new ResourceGroupsTaggingAPIClient({
        region: REGION,
        endpoint: moto.server.endpoint,
        credentials: MOTO_CREDENTIALS,
        maxAttempts: 1,
      });
      try {
        await c.logs.send(new CreateLogGroupCommand({ logGroupName: "/aws/cloudtrail/my-logs-trail", tags: { [STACK_TAG]: STACK } }));
        const found = async (types: string[]) =>
          (
            (await tagging.send(new GetResourcesCommand({ TagFilters: [{ Key: STACK_TAG, Values: [STACK] }], ResourceTypeFilters: types })))
              .ResourceTagMappingList ?? []
          ).map((m) => m.ResourceARN);
        const arn = "arn:aws:logs:us-east-1:123456789012:log-group:/aws/cloudtrail/my-logs-trail";
        expect(await found(["logs:log-group"])).to.deep.equal([]);
        expect(await found(["logs:loggroup"])).to.deep.equal([arn]);
        expect(await found(["logs"])).to.deep.equal([arn]);
      } finally {
        tagging.destroy();
        c.destroy();
      }
    });

    it("DeleteTrail by ARN answers success and deletes nothing; by name it deletes", async () => {
      const c = own();
      try {
        await c.s3.send(new CreateBucketCommand({ Bucket: "trail-bucket-for-delete" }));
        const { TrailARN } = await c.cloudTrail.send(
          new CreateTrailCommand({ Name: "my-logs-trail", S3BucketName: "trail-bucket-for-delete" }),
        );
        const names = async () => ((await c.cloudTrail.send(new DescribeTrailsCommand({}))).trailList ?? []).map((t) => t.Name);
        await c.cloudTrail.send(new DeleteTrailCommand({ Name: TrailARN }));
        expect(await names()).to.deep.equal(["my-logs-trail"]);
        await c.cloudTrail.send(new DeleteTrailCommand({ Name: "my-logs-trail" }));
        expect(await names()).to.deep.equal([]);
      } finally {
        c.destroy();
      }
    });

    it("a second ScheduleKeyDeletion of a key pending deletion is accepted (AWS: KMSInvalidStateException, which the sweep takes as done)", async () => {
      const c = own();
      try {
        const { KeyMetadata } = await c.kms.send(new CreateKeyCommand({}));
        await c.kms.send(new ScheduleKeyDeletionCommand({ KeyId: KeyMetadata!.KeyId, PendingWindowInDays: 7 }));
        const again = await c.kms.send(new ScheduleKeyDeletionCommand({ KeyId: KeyMetadata!.KeyId, PendingWindowInDays: 7 }));
        expect(again.DeletionDate).to.be.instanceOf(Date);
      } finally {
        c.destroy();
      }
    });

    it("RunInstances answers pending and the instance reads running at once, TerminateInstances shutting-down and it reads terminated at once; its group can be deleted while it runs (AWS: DependencyViolation)", async () => {
      const c = own();
      try {
        const { group, instances, launchedAs } = await launchProbe(c.ec2, { [STACK_TAG]: STACK }, "test", 1);
        const state = async () =>
          (await c.ec2.send(new DescribeInstancesCommand({ InstanceIds: instances }))).Reservations![0].Instances![0].State!.Name;
        expect(launchedAs).to.deep.equal(["pending"]);
        expect(await state()).to.equal("running");
        await c.ec2.send(new DeleteSecurityGroupCommand({ GroupId: group }));
        expect(
          (await c.ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: "group-id", Values: [group] }] }))).SecurityGroups,
        ).to.deep.equal([]);
        expect(await state()).to.equal("running");
        const { TerminatingInstances } = await c.ec2.send(new TerminateInstancesCommand({ InstanceIds: instances }));
        expect(TerminatingInstances![0].CurrentState!.Name).to.equal("shutting-down");
        expect(await state()).to.equal("terminated");
      } finally {
        c.destroy();
      }
    });
  });
});
