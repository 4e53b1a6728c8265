// The sweep's security group through the real EC2 client against the project's own AWS server:
// EC2 refuses DeleteSecurityGroup with DependencyViolation while the terminated instance's network
// interface lingers (moto never does), so the sweep retries with backoff for a bounded while, as
// Terraform's own delete does, and lists the group only when it stays in use past that.
import { expect } from "chai";
import { createLabClients, destroyLabClients, type LabClients } from "../../../automation/aws/aws-clients";
import { awsTagSweeper, type AwsSweeperOptions } from "../../../automation/cleanup/sweep";
import { ec2Error, startAwsServer, type AwsServer } from "../../support/servers/aws-query-json-server";

const STACK = "lab-20261125-221500-4000";
const INSTANCE = "i-0fa1e2d3c4b5a6978";
const GROUP = "sg-0123456789abcdef0";
const EC2 = 'xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"';

function instances(state: "running" | "terminated"): { body: string } {
  const code = state === "running" ? 16 : 48;
  return {
    body:
      `<DescribeInstancesResponse ${EC2}><requestId>4c0f1e2d</requestId><reservationSet><item><instancesSet><item>` +
      `<instanceId>${INSTANCE}</instanceId><instanceState><code>${code}</code><name>${state}</name></instanceState>` +
      `</item></instancesSet></item></reservationSet></DescribeInstancesResponse>`,
  };
}

const IN_USE = () => ec2Error("DependencyViolation", `resource ${GROUP} has a dependent object`);

describe("automation/sweep: a security group whose network interface outlives the instance", function () {
  let server: AwsServer;
  let clients: LabClients;
  let deleteReplies: (() => { status?: number; body: string })[];
  let clock: number;
  let slept: number[];

  beforeEach(async function () {
    let terminated = false;
    deleteReplies = [];
    clock = Date.parse("2026-11-25T22:40:00Z");
    slept = [];
    server = await startAwsServer({
      DescribeInstances: () => instances(terminated ? "terminated" : "running"),
      TerminateInstances: () => {
        terminated = true;
        return { body: `<TerminateInstancesResponse ${EC2}><requestId>4c0f1e2d</requestId><instancesSet/></TerminateInstancesResponse>` };
      },
      GetResources: () => ({ json: true, body: JSON.stringify({ ResourceTagMappingList: [] }) }),
      DescribeSecurityGroups: () => ({
        body: `<DescribeSecurityGroupsResponse ${EC2}><requestId>4c0f1e2d</requestId><securityGroupInfo><item><groupId>${GROUP}</groupId><groupName>probe-sg-3c1d2e4</groupName></item></securityGroupInfo></DescribeSecurityGroupsResponse>`,
      }),
      DeleteSecurityGroup: () =>
        (
          deleteReplies.shift() ??
          (() => ({
            body: `<DeleteSecurityGroupResponse ${EC2}><requestId>4c0f1e2d</requestId><return>true</return></DeleteSecurityGroupResponse>`,
          }))
        )(),
      DescribeTrails: () => ({ json: true, body: JSON.stringify({ trailList: [] }) }),
    });
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

  const options = (more: Partial<AwsSweeperOptions> = {}): AwsSweeperOptions => ({
    terminateWaitSeconds: 30,
    sleep: async (ms) => {
      slept.push(ms);
      clock += ms;
      return Promise.resolve();
    },
    now: () => clock,
    ...more,
  });
  const sweep = (more: Partial<AwsSweeperOptions> = {}, signal?: AbortSignal) =>
    awsTagSweeper(clients, options(more)).sweep(STACK, { region: "eu-west-1", bucketNames: [], bucketPrefixes: [], signal });
  const deletes = () => server.requests.filter((r) => r.operation === "DeleteSecurityGroup");

  it("retries DependencyViolation with growing waits until EC2 lets the group go: removed, nothing left", async function () {
    deleteReplies = [IN_USE, IN_USE, IN_USE];
    const report = await sweep();
    expect(deletes()).to.have.length(4);
    expect(deletes()[0].params.GroupId).to.equal(GROUP);
    expect(slept).to.deep.equal([5_000, 10_000, 20_000]);
    expect(report.removed.map((r) => `${r.kind} ${r.id}`)).to.deep.equal([`instance ${INSTANCE}`, `security-group ${GROUP}`]);
    expect(report.remaining).to.deep.equal([]);
  });

  it("also retries InvalidGroup.InUse, and takes InvalidGroup.NotFound as gone", async function () {
    deleteReplies = [
      () => ec2Error("InvalidGroup.InUse", `There are active instances using security group '${GROUP}'`),
      () => ec2Error("InvalidGroup.NotFound", `The security group '${GROUP}' does not exist`),
    ];
    const report = await sweep();
    expect(deletes()).to.have.length(2);
    expect(report.remaining).to.deep.equal([]);
    expect(report.removed.map((r) => r.kind)).to.include("security-group");
  });

  it("stops after its bounded wait and lists the group with why and how to remove it", async function () {
    deleteReplies = Array.from({ length: 100 }, () => IN_USE);
    const report = await sweep({ dependencyWaitMs: 60_000 });
    expect(slept.reduce((a, b) => a + b, 0)).to.be.at.most(60_000);
    expect(deletes().length).to.be.within(2, 6);
    expect(report.remaining).to.have.length(1);
    expect(report.remaining[0]).to.include({ kind: "security-group", id: GROUP });
    expect(report.remaining[0].reason)
      .to.match(/DependencyViolation/)
      .and.match(/still in use after \d+ tries over \d+ s/);
    expect(report.remaining[0].removeWith).to.equal(`aws ec2 delete-security-group --region eu-west-1 --group-id ${GROUP}`);
  });

  it("does not retry a refusal of another kind", async function () {
    deleteReplies = [() => ec2Error("UnauthorizedOperation", "You are not authorized to perform this operation.", 403)];
    const report = await sweep();
    expect(deletes()).to.have.length(1);
    expect(slept).to.deep.equal([]);
    expect(report.remaining[0].reason).to.match(/UnauthorizedOperation/);
  });

  it("stops retrying at once when told to stop waiting (a second signal)", async function () {
    deleteReplies = Array.from({ length: 100 }, () => IN_USE);
    const stop = new AbortController();
    const report = await sweep(
      {
        sleep: async (ms) => {
          slept.push(ms);
          stop.abort();
          return Promise.resolve();
        },
      },
      stop.signal,
    );
    expect(deletes()).to.have.length(1);
    expect(report.remaining.map((r) => r.kind)).to.deep.equal(["security-group"]);
  });
});
