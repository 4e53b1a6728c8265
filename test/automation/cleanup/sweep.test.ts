// The tag sweep with clients whose `send` is a recording fake: only what carries this stack's
// tag is removed, instances first, the trail before its bucket, every object version emptied.
import { expect } from "chai";
import { createLabClients, type LabClients } from "../../../automation/aws/aws-clients";
import { awsTagSweeper, emptyAndDeleteBucket, labBucketPrefixes } from "../../../automation/cleanup/sweep";
import { runProgram } from "../../support/pulumi-program";

type Handler = (input: any) => any;

// Real client instances (the SDK's paginators insist on them) whose `send` is the fake.
function fakeClients(handlers: Record<string, Handler>, calls: string[]): LabClients {
  const send = (command: { constructor: { name: string }; input: any }) => {
    const name = command.constructor.name.replace(/Command$/, "");
    calls.push(name);
    const handler = handlers[name];
    if (!handler) return Promise.reject(new Error(`unexpected ${name}`));
    // A handler throws to answer with a service error, as `send` would reject.
    return new Promise((resolve) => resolve(handler(command.input)));
  };
  const clients = createLabClients({ region: "eu-west-1", credentials: { accessKeyId: "AKIAEXAMPLE", secretAccessKey: "secret" } });
  for (const client of Object.values(clients)) Object.assign(client, { send });
  return clients;
}

function awsError(name: string): Error {
  return Object.assign(new Error(name), { name });
}

const STACK = "lab-20261125-221500-4000";
const OUR_TRAIL = "arn:aws:cloudtrail:eu-west-1:123456789012:trail/my-logs-trail";
const OTHER_TRAIL = "arn:aws:cloudtrail:eu-west-1:123456789012:trail/org-trail";

describe("automation/sweep", function () {
  it("terminates tagged instances, deletes their security group, then the tagged trail, then the tagged bucket", async function () {
    const calls: string[] = [];
    const terminated: string[][] = [];
    const deletedTrails: string[] = [];
    const deletedBuckets: string[] = [];
    let describeFilters: any;
    let versions = [{ Key: "AWSLogs/123456789012/CloudTrail/eu-west-1/2026/11/25/a.json.gz", VersionId: "v1" }];
    const clients = fakeClients(
      {
        DescribeInstances: (input) => {
          describeFilters ??= input.Filters;
          // The waiter asks again after TerminateInstances.
          return terminated.length
            ? { Reservations: [{ Instances: [{ InstanceId: "i-0fa1e2d3c4b5a6978", State: { Name: "terminated" } }] }] }
            : { Reservations: [{ Instances: [{ InstanceId: "i-0fa1e2d3c4b5a6978", State: { Name: "running" } }] }] };
        },
        TerminateInstances: (input) => {
          terminated.push(input.InstanceIds);
          return {};
        },
        DescribeSecurityGroups: () => ({ SecurityGroups: [{ GroupId: "sg-0123456789abcdef0" }] }),
        DeleteSecurityGroup: () => ({}),
        DescribeTrails: () => ({ trailList: [{ TrailARN: OUR_TRAIL }, { TrailARN: OTHER_TRAIL }] }),
        ListTags: () => ({
          ResourceTagList: [
            { ResourceId: OUR_TRAIL, TagsList: [{ Key: "trail-lab:stack", Value: STACK }] },
            { ResourceId: OTHER_TRAIL, TagsList: [{ Key: "trail-lab:stack", Value: "lab-someone-else" }] },
          ],
        }),
        DeleteTrail: (input) => {
          deletedTrails.push(input.Name);
          return {};
        },
        ListBuckets: (input) => ({
          Buckets: input.Prefix === "audit-logs-" ? [{ Name: "audit-logs-bucket-7f3a9c1" }, { Name: "audit-logs-keep-me" }] : [],
        }),
        GetBucketTagging: (input) => {
          if (input.Bucket === "audit-logs-keep-me") throw awsError("NoSuchTagSet");
          return { TagSet: [{ Key: "trail-lab:stack", Value: STACK }] };
        },
        ListObjectVersions: () => ({ Versions: versions, DeleteMarkers: [] }),
        DeleteObjects: (input) => {
          expect(input.Delete.Objects).to.deep.equal([{ Key: versions[0].Key, VersionId: "v1" }]);
          versions = [];
          return { Deleted: input.Delete.Objects };
        },
        DeleteBucket: (input) => {
          deletedBuckets.push(input.Bucket);
          return {};
        },
        GetResources: () => ({ ResourceTagMappingList: [] }),
      },
      calls,
    );
    const report = await awsTagSweeper(clients, { terminateWaitSeconds: 10 }).sweep(STACK, {
      region: "eu-west-1",
      bucketNames: [],
      bucketPrefixes: ["audit-logs-", "audit-logs-"],
    });
    expect(describeFilters).to.deep.include({ Name: "tag:trail-lab:stack", Values: [STACK] });
    expect(terminated).to.deep.equal([["i-0fa1e2d3c4b5a6978"]]);
    expect(deletedTrails).to.deep.equal([OUR_TRAIL]);
    expect(deletedBuckets).to.deep.equal(["audit-logs-bucket-7f3a9c1"]);
    expect(calls.indexOf("TerminateInstances")).to.be.lessThan(calls.indexOf("DeleteTrail"));
    expect(calls.indexOf("DeleteTrail")).to.be.lessThan(calls.indexOf("DeleteBucket"));
    expect(
      calls.filter((c) => c === "ListBuckets"),
      "each prefix listed once",
    ).to.have.length(1);
    expect(report.removed.map((r) => `${r.kind} ${r.id}`)).to.deep.equal([
      "instance i-0fa1e2d3c4b5a6978",
      "security-group sg-0123456789abcdef0",
      `trail ${OUR_TRAIL}`,
      "bucket audit-logs-bucket-7f3a9c1",
    ]);
    expect(report.remaining).to.deep.equal([]);
  });

  it("reports what it could not remove, with the command that removes it", async function () {
    const clients = fakeClients(
      {
        DescribeInstances: () => ({ Reservations: [] }),
        DescribeSecurityGroups: () => ({ SecurityGroups: [] }),
        DescribeTrails: () => ({ trailList: [] }),
        ListBuckets: () => ({ Buckets: [] }),
        GetBucketTagging: () => ({ TagSet: [{ Key: "trail-lab:stack", Value: STACK }] }),
        ListObjectVersions: () => ({ Versions: [] }),
        DeleteBucket: () => {
          throw awsError("AccessDenied");
        },
        GetResources: () => ({ ResourceTagMappingList: [] }),
      },
      [],
    );
    const report = await awsTagSweeper(clients).sweep(STACK, {
      region: "eu-west-1",
      bucketNames: ["audit-logs-bucket-7f3a9c1"],
      bucketPrefixes: ["audit-logs-"],
    });
    expect(report.remaining).to.have.length(1);
    expect(report.remaining[0]).to.include({ kind: "bucket", id: "audit-logs-bucket-7f3a9c1", region: "eu-west-1" });
    expect(report.remaining[0].reason).to.contain("AccessDenied");
    expect(report.remaining[0].removeWith).to.contain("aws s3 rb s3://audit-logs-bucket-7f3a9c1");
  });

  it("schedules the stack's KMS key for deletion and deletes its log group, found by tag, right after the instances", async function () {
    const calls: string[] = [];
    let tagQuery: any;
    const scheduled: any[] = [];
    const deletedGroups: string[] = [];
    const clients = fakeClients(
      {
        DescribeInstances: () => ({ Reservations: [] }),
        DescribeSecurityGroups: () => ({ SecurityGroups: [] }),
        DescribeTrails: () => ({ trailList: [{ TrailARN: OUR_TRAIL }] }),
        ListTags: () => ({ ResourceTagList: [{ ResourceId: OUR_TRAIL, TagsList: [{ Key: "trail-lab:stack", Value: STACK }] }] }),
        DeleteTrail: () => ({}),
        ListBuckets: () => ({ Buckets: [] }),
        GetResources: (input) => {
          tagQuery = input;
          return {
            ResourceTagMappingList: [
              { ResourceARN: "arn:aws:kms:eu-west-1:123456789012:key/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0" },
              { ResourceARN: "arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555" },
              { ResourceARN: "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/cloudtrail/my-logs-trail" },
            ],
          };
        },
        ScheduleKeyDeletion: (input) => {
          scheduled.push(input);
          // The second key is already pending deletion: nothing left to do.
          if (input.KeyId.startsWith("1111")) throw awsError("KMSInvalidStateException");
          return { KeyState: "PendingDeletion" };
        },
        DeleteLogGroup: (input) => {
          deletedGroups.push(input.logGroupName);
          return {};
        },
      },
      calls,
    );
    const report = await awsTagSweeper(clients).sweep(STACK, { region: "eu-west-1", bucketNames: [], bucketPrefixes: ["audit-logs-"] });
    expect(tagQuery).to.deep.include({
      TagFilters: [{ Key: "trail-lab:stack", Values: [STACK] }],
      ResourceTypeFilters: ["kms:key", "logs:log-group"],
    });
    expect(scheduled.map((s) => [s.KeyId, s.PendingWindowInDays])).to.deep.equal([
      ["0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0", 7],
      ["11111111-2222-3333-4444-555555555555", 7],
    ]);
    expect(deletedGroups).to.deep.equal(["/aws/cloudtrail/my-logs-trail"]);
    // They cost money while they exist: before the trail and bucket lookups, which may fail.
    expect(calls.indexOf("ScheduleKeyDeletion")).to.be.lessThan(calls.indexOf("DescribeTrails"));
    expect(calls.indexOf("DeleteLogGroup")).to.be.lessThan(calls.indexOf("DescribeSecurityGroups"));
    expect(report.removed.map((r) => `${r.kind} ${r.id}`)).to.include.members([
      "kms-key 0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0",
      "log-group /aws/cloudtrail/my-logs-trail",
    ]);
    expect(report.remaining).to.deep.equal([]);
  });

  it("goes on past a failed lookup: the key and log group still go, our trail is found beside one whose tags are refused", async function () {
    const MEMBER_TRAIL = "arn:aws:cloudtrail:eu-west-1:210987654321:trail/shared-audit";
    const ORG_TRAIL = "arn:aws:cloudtrail:eu-west-1:111122223333:trail/org-trail";
    const deletedTrails: string[] = [];
    const tagQueries: string[][] = [];
    const scheduled: string[] = [];
    const deletedGroups: string[] = [];
    const clients = fakeClients(
      {
        DescribeInstances: () => {
          throw awsError("UnauthorizedOperation");
        },
        DescribeSecurityGroups: () => {
          throw awsError("UnauthorizedOperation");
        },
        // An Organizations member account sees the organization trail of the management account.
        DescribeTrails: () => ({
          trailList: [{ TrailARN: ORG_TRAIL, IsOrganizationTrail: true }, { TrailARN: MEMBER_TRAIL }, { TrailARN: OUR_TRAIL }],
        }),
        ListTags: (input) => {
          tagQueries.push(input.ResourceIdList);
          if (input.ResourceIdList.includes(ORG_TRAIL) || input.ResourceIdList.includes(MEMBER_TRAIL))
            throw awsError("CloudTrailARNInvalidException");
          return { ResourceTagList: [{ ResourceId: OUR_TRAIL, TagsList: [{ Key: "trail-lab:stack", Value: STACK }] }] };
        },
        DeleteTrail: (input) => {
          deletedTrails.push(input.Name);
          return {};
        },
        ListBuckets: () => {
          throw awsError("AccessDenied");
        },
        GetBucketTagging: () => {
          throw awsError("SlowDown");
        },
        GetResources: () => ({
          ResourceTagMappingList: [
            { ResourceARN: "arn:aws:kms:eu-west-1:123456789012:key/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0" },
            { ResourceARN: "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/cloudtrail/my-logs-trail" },
          ],
        }),
        ScheduleKeyDeletion: (input) => {
          scheduled.push(input.KeyId);
          return { KeyState: "PendingDeletion" };
        },
        DeleteLogGroup: (input) => {
          deletedGroups.push(input.logGroupName);
          return {};
        },
      },
      [],
    );
    const report = await awsTagSweeper(clients).sweep(STACK, {
      region: "eu-west-1",
      bucketNames: ["audit-logs-bucket-7f3a9c1"],
      bucketPrefixes: ["audit-logs-"],
    });
    expect(scheduled).to.deep.equal(["0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"]);
    expect(deletedGroups).to.deep.equal(["/aws/cloudtrail/my-logs-trail"]);
    expect(deletedTrails).to.deep.equal([OUR_TRAIL]);
    expect(tagQueries.flat(), "the organization trail is never the lab's").not.to.include(ORG_TRAIL);
    // Each lookup that failed is listed with its reason and `--cleanup`; a bucket whose owner is
    // unknown gets no `aws s3 rb`.
    expect(report.remaining.map((r) => [r.id, r.removeWith])).to.deep.equal([
      [`instances tagged trail-lab:stack=${STACK}`, `npm run lab -- --cleanup ${STACK}`],
      [`security groups tagged trail-lab:stack=${STACK}`, `npm run lab -- --cleanup ${STACK}`],
      [`trail ${MEMBER_TRAIL} tagged trail-lab:stack=${STACK}`, `npm run lab -- --cleanup ${STACK}`],
      [`buckets named audit-logs-* tagged trail-lab:stack=${STACK}`, `npm run lab -- --cleanup ${STACK}`],
      [`bucket audit-logs-bucket-7f3a9c1 tagged trail-lab:stack=${STACK}`, `npm run lab -- --cleanup ${STACK}`],
    ]);
    expect(report.remaining[0].reason).to.contain("UnauthorizedOperation");
    expect(report.remaining[4].reason).to.contain("SlowDown");
  });

  it("lists a key it may not schedule for deletion, with the command that does it", async function () {
    const clients = fakeClients(
      {
        DescribeInstances: () => ({ Reservations: [] }),
        DescribeSecurityGroups: () => ({ SecurityGroups: [] }),
        DescribeTrails: () => ({ trailList: [] }),
        ListBuckets: () => ({ Buckets: [] }),
        GetResources: () => ({
          ResourceTagMappingList: [{ ResourceARN: "arn:aws:kms:eu-west-1:123456789012:key/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0" }],
        }),
        ScheduleKeyDeletion: () => {
          throw awsError("AccessDeniedException");
        },
      },
      [],
    );
    const report = await awsTagSweeper(clients).sweep(STACK, { region: "eu-west-1", bucketNames: [], bucketPrefixes: ["audit-logs-"] });
    expect(report.remaining).to.have.length(1);
    expect(report.remaining[0]).to.include({ kind: "kms-key", id: "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0" });
    expect(report.remaining[0].removeWith).to.equal(
      "aws kms schedule-key-deletion --region eu-west-1 --key-id 0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0 --pending-window-in-days 7",
    );
  });

  it("empties again when a late delivery lands between emptying and DeleteBucket", async function () {
    const calls: string[] = [];
    let deleteAttempts = 0;
    let pending = [{ Key: "k1", VersionId: "v1" }];
    const clients = fakeClients(
      {
        ListObjectVersions: () => ({ Versions: pending, DeleteMarkers: [] }),
        DeleteObjects: () => {
          pending = [];
          return {};
        },
        DeleteBucket: () => {
          deleteAttempts++;
          if (deleteAttempts === 1) {
            pending = [{ Key: "late-digest", VersionId: "v9" }];
            throw awsError("BucketNotEmpty");
          }
          return {};
        },
      },
      calls,
    );
    await emptyAndDeleteBucket(clients, "audit-logs-bucket-7f3a9c1");
    expect(calls).to.deep.equal([
      "ListObjectVersions",
      "DeleteObjects",
      "ListObjectVersions",
      "DeleteBucket",
      "ListObjectVersions",
      "DeleteObjects",
      "ListObjectVersions",
      "DeleteBucket",
    ]);
  });

  it("stops rather than loop when objects cannot be deleted", async function () {
    const clients = fakeClients(
      {
        ListObjectVersions: () => ({ Versions: [{ Key: "locked", VersionId: "v1" }] }),
        DeleteObjects: () => ({ Errors: [{ Key: "locked", Code: "AccessDenied", Message: "Object Lock" }] }),
      },
      [],
    );
    const error = await emptyAndDeleteBucket(clients, "b").then(
      () => null,
      (e: Error) => e,
    );
    expect(error?.message).to.contain("locked").and.contain("AccessDenied");
  });
});

describe("automation: where the sweep looks for buckets", function () {
  it("looks under the configured prefix, the program's default, the Athena results bucket's and the data-event canary's", function () {
    expect(labBucketPrefixes(undefined)).to.deep.equal(["audit-logs-", "athena-results-", "data-canary-"]);
    expect(labBucketPrefixes("acme-audit-")).to.deep.equal(["acme-audit-", "audit-logs-", "athena-results-", "data-canary-"]);
  });

  it("covers every bucket the program declares with every switch on", async function () {
    this.timeout(60_000);
    const run = await runProgram({ kmsEncryption: "true", cloudWatchLogs: "true", athena: "true", dataEvents: "true" }, "sweep-prefixes");
    const buckets = run.all("aws:s3/bucket:Bucket").map((b) => b.state.bucket as string);
    expect(buckets).to.have.length(4);
    for (const bucket of buckets)
      expect(
        labBucketPrefixes(undefined).some((prefix) => bucket.startsWith(prefix)),
        bucket,
      ).to.equal(true);
  });
});
