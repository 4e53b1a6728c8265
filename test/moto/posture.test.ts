// checkPosture and `npm run verify -- --posture` against moto: the lab's stack created in moto with
// the SDK exactly as infra/ declares it (moto-deploy.ts, from Pulumi.dev.yaml), and a careless
// bucket and trail. Each world is stood up on the project's own servers too, and the two
// oracles must agree control for control; every bucket-configuration read parses moto's XML
// and its "not configured" error codes.
import { expect } from "chai";
import { CreateTrailCommand, PutEventSelectorsCommand, type CloudTrailClient } from "@aws-sdk/client-cloudtrail";
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  GetBucketPolicyStatusCommand,
  PutBucketOwnershipControlsCommand,
  PutBucketPolicyCommand,
  PutBucketVersioningCommand,
  PutPublicAccessBlockCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { auditBucketPolicy } from "../../infra/bucket-policy";
import { AwsCallError, checkPosture, ExitCode, type PostureControl, type PostureReport } from "../../verify";
import { startCloudTrailServer, type LocalCloudTrail } from "../support/servers/cloudtrail-server";
import { deployWorld } from "../support/worlds/deployed-world";
import { deployToMoto, templateConfig } from "./support/moto-deploy";
import { describeMoto, useAwsEnvironment } from "./support/moto-suite";
import { motoClients, type MotoClients } from "./support/moto-world";
import { ACCOUNT } from "../support/pulumi-program";
import { startS3Server, type LocalS3 } from "../support/servers/s3-server";
import { runVerifyCli } from "../support/processes/verify-cli";

const REGION = "us-east-1";
const statuses = (report: PostureReport) => Object.fromEntries(report.controls.map((c) => [c.id, c.status]));
const failing = (report: PostureReport) => report.controls.filter((c) => c.status === "fail").map((c) => c.id);

/**
 * The evidence as moto and the project's servers should both give it. What moto answers
 * differently without changing a verdict is folded here, each with the reason (test/moto/README.md
 * lists them):
 * - GetEventSelectors echoes the selectors as they were put, without the empty DataResources and
 *   ExcludeManagementEventSources AWS fills in, and answers AdvancedEventSelectors: [] beside
 *   basic selectors where AWS leaves the member out.
 * - A KMS key's id is moto's own, not the one the mocks gave it.
 */
function comparable(control: PostureControl): PostureControl {
  const evidence = { ...control.evidence };
  if (control.id === "CloudTrail.1") {
    const selectors = evidence.EventSelectors as Record<string, unknown>[] | null;
    evidence.EventSelectors =
      selectors?.map((s) =>
        Object.fromEntries(
          Object.entries(s).filter(
            ([k, v]) => !(["DataResources", "ExcludeManagementEventSources"].includes(k) && Array.isArray(v) && v.length === 0),
          ),
        ),
      ) ?? null;
    if (Array.isArray(evidence.AdvancedEventSelectors) && evidence.AdvancedEventSelectors.length === 0)
      evidence.AdvancedEventSelectors = null;
  }
  if (control.id === "CloudTrail.2" && typeof evidence.KmsKeyId === "string") evidence.KmsKeyId = "<the trail's key>";
  return { ...control, evidence };
}

async function onProjectServers<T>(use: (s3: LocalS3, ct: LocalCloudTrail) => Promise<T>): Promise<T> {
  const s3 = await startS3Server();
  const ct = await startCloudTrailServer({ region: REGION });
  try {
    return await use(s3, ct);
  } finally {
    await s3.close();
    await ct.close();
  }
}

const projectPosture = (s3: LocalS3, ct: LocalCloudTrail, trail: string) =>
  checkPosture({ trail, region: REGION, clients: { s3: s3.client, cloudTrail: ct.client() } });

/** A bucket and trail set up by hand without care; built the same way in moto and on the project's servers. */
const CARELESS = {
  bucket: "careless-trail-logs-1",
  trail: "careless-trail",
  ownership: "ObjectWriter" as const,
  versioning: "Suspended" as const,
  selectors: [{ ReadWriteType: "WriteOnly" as const, IncludeManagementEvents: true, ExcludeManagementEventSources: ["kms.amazonaws.com"] }],
  /** CloudTrail's own statements (infra's), a public read, and a TLS deny that covers only the objects. */
  policy(): string {
    const trailArn = `arn:aws:cloudtrail:${REGION}:${ACCOUNT}:trail/${this.trail}`;
    const policy = auditBucketPolicy({ partition: "aws", bucketName: this.bucket, accountId: ACCOUNT, trailArn });
    const tls = policy.Statement.find((s) => s.Sid === "DenyInsecureTransport")!;
    tls.Resource = `arn:aws:s3:::${this.bucket}/*`;
    const publicRead = {
      Sid: "PublicRead",
      Effect: "Allow",
      Principal: "*",
      Action: "s3:GetObject",
      Resource: `arn:aws:s3:::${this.bucket}/*`,
    };
    return JSON.stringify({ ...policy, Statement: [...policy.Statement, publicRead] });
  },
};

describeMoto("moto: posture of the lab's stack and of a careless one", (moto) => {
  let restore: () => void;
  let clients: MotoClients;
  let s3: S3Client;
  let cloudTrail: CloudTrailClient;
  before(() => {
    restore = useAwsEnvironment(moto.env(REGION));
    clients = motoClients(moto.server.endpoint, REGION);
    ({ s3, cloudTrail } = clients);
  });
  after(() => {
    clients.destroy();
    restore();
  });
  beforeEach(() => moto.server.reset());

  // checkPosture as `npm run verify` builds it: clients from the standard AWS environment.
  const motoPosture = (trail: string) => checkPosture({ trail });

  describe("the lab's stack as infra/ declares it", () => {
    const cases: [string, Record<string, string>, string[]][] = [
      ["Pulumi.dev.yaml as it is", {}, ["CloudTrail.2", "CloudTrail.5"]],
      ["kmsEncryption and cloudWatchLogs on", { kmsEncryption: "true", cloudWatchLogs: "true" }, []],
      ["accessLogging off", { accessLogging: "false" }, ["CloudTrail.2", "CloudTrail.5", "CloudTrail.7", "S3.9"]],
    ];
    for (const [label, overrides, fails] of cases) {
      it(`${label}: fails ${fails.join(", ") || "nothing"} in moto, with the project's servers' verdict, evidence and fix for every control`, async () => {
        const world = await deployToMoto(moto.server.endpoint, overrides);
        const inMoto = await motoPosture(world.trailName);
        const onProject = await onProjectServers(async (ls3, ct) => {
          const local = await deployWorld(ls3, ct, { ...templateConfig(), ...overrides }, "moto");
          return projectPosture(ls3, ct, local.trail.name);
        });
        expect(failing(inMoto)).to.deep.equal(fails);
        expect(statuses(inMoto)).to.deep.equal(statuses(onProject));
        expect(inMoto.controls.map((c) => comparable(c))).to.deep.equal(onProject.controls.map((c) => comparable(c)));
        if (world.kmsKeyArn) expect(inMoto.controls.find((c) => c.id === "CloudTrail.2")!.evidence.KmsKeyId).to.equal(world.kmsKeyArn);
      });
    }

    it("asked from another region than the trail's home: the same verdicts, its selectors read in the home region", async () => {
      const world = await deployToMoto(moto.server.endpoint);
      const fromHome = await motoPosture(world.trailName);
      const fromElsewhere = await checkPosture({ trail: world.trailName, region: "eu-west-1" });
      expect(world.region).to.not.equal("eu-west-1");
      // Only an account-level control's resource (S3.1) lies in the region asked; the rest are the same.
      const asked = (report: PostureReport, region: string) =>
        report.controls.map((c) =>
          c.resource?.type === "AWS::::Account"
            ? { ...c, resource: { ...c.resource, region: c.resource.region === region ? "<asked>" : c.resource.region } }
            : c,
        );
      expect(asked(fromElsewhere, "eu-west-1")).to.deep.equal(asked(fromHome, world.region));
    });

    it("npm run verify -- --posture --json, through AWS_ENDPOINT_URL: one JSON object, exit 1 for the two unpaid controls", async () => {
      const world = await deployToMoto(moto.server.endpoint);
      const { code, stdout, stderr } = await runVerifyCli(
        ["--trail", world.trailName, "--posture", "--json"],
        { all: moto.server.endpoint },
        true,
      );
      expect(code, stderr).to.equal(1);
      const report = JSON.parse(stdout) as PostureReport;
      expect(Object.keys(report)).to.deep.equal(["controls", "facts", "checkedAt"]);
      expect(failing(report)).to.deep.equal(["CloudTrail.2", "CloudTrail.5"]);
      expect(report.controls.find((c) => c.id === "CloudTrail.7")!.evidence).to.deep.equal({
        bucket: world.bucket,
        LoggingEnabled: { TargetBucket: world.accessLogBucket, TargetPrefix: "audit-bucket/" },
      });
    });
  });

  describe("a careless bucket and trail", () => {
    async function carelessInMoto(): Promise<void> {
      const Bucket = CARELESS.bucket;
      await s3.send(new CreateBucketCommand({ Bucket }));
      await s3.send(new PutBucketPolicyCommand({ Bucket, Policy: CARELESS.policy() }));
      await s3.send(
        new PutBucketOwnershipControlsCommand({ Bucket, OwnershipControls: { Rules: [{ ObjectOwnership: CARELESS.ownership }] } }),
      );
      await s3.send(new PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status: "Enabled" } }));
      await s3.send(new PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status: CARELESS.versioning } }));
      await cloudTrail.send(
        new CreateTrailCommand({ Name: CARELESS.trail, S3BucketName: Bucket, IsMultiRegionTrail: false, EnableLogFileValidation: false }),
      );
      await cloudTrail.send(new PutEventSelectorsCommand({ TrailName: CARELESS.trail, EventSelectors: CARELESS.selectors }));
    }

    async function carelessOnProject(ls3: LocalS3, ct: LocalCloudTrail, policyIsPublic: boolean): Promise<void> {
      await ls3.createBucket(CARELESS.bucket);
      Object.assign(ls3.bucketConfig(CARELESS.bucket), {
        policy: CARELESS.policy(),
        policyIsPublic,
        ownership: CARELESS.ownership,
        versioning: CARELESS.versioning,
      });
      ct.state.trails.push({
        name: CARELESS.trail,
        account: ACCOUNT,
        homeRegion: REGION,
        bucket: CARELESS.bucket,
        isMultiRegion: false,
        isLogging: false,
        logFileValidation: false,
        eventSelectors: CARELESS.selectors.map((s) => ({ ...s, DataResources: [] })),
      });
    }

    it("fails every control but S3.1 in moto as on the project's servers; moto's not-found errors read as unset", async () => {
      await carelessInMoto();
      // The project's S3 is told whether the policy is public; moto works it out, as S3 does.
      const { PolicyStatus } = await s3.send(new GetBucketPolicyStatusCommand({ Bucket: CARELESS.bucket }));
      expect(PolicyStatus?.IsPublic).to.equal(true);
      await moto.server.startRecording();
      const inMoto = await motoPosture(CARELESS.trail);
      const asked = (await moto.server.recorded())
        .filter((r) => r.method === "GET" && r.path === `/${CARELESS.bucket}`)
        .map((r) => [...r.query.keys()][0]);
      expect(asked).to.have.members([
        "location",
        "publicAccessBlock",
        "encryption",
        "policy",
        "policyStatus",
        "versioning",
        "ownershipControls",
        "logging",
        "lifecycle",
      ]);
      const onProject = await onProjectServers(async (ls3, ct) => {
        await carelessOnProject(ls3, ct, true);
        return projectPosture(ls3, ct, CARELESS.trail);
      });
      expect(statuses(inMoto)).to.deep.equal(statuses(onProject));
      expect(inMoto.controls.map((c) => comparable(c))).to.deep.equal(onProject.controls.map((c) => comparable(c)));
      expect(failing(inMoto)).to.deep.equal(inMoto.controls.filter((c) => c.id !== "S3.1").map((c) => c.id));
      const evidence = (id: string) => inMoto.controls.find((c) => c.id === id)!.evidence;
      expect(evidence("S3.8").PublicAccessBlock).to.equal(null);
      expect(evidence("S3.4").rules).to.equal(null);
      expect(evidence("S3.9").LoggingEnabled).to.equal(null);
      expect(evidence("S3.12").ObjectOwnership).to.equal("ObjectWriter");
      expect(evidence("S3.14").Status).to.equal("Suspended");
      expect(evidence("S3.5").reason).to.match(/^no statement denies s3:\*/);
      expect(evidence("CloudTrail.6")).to.deep.include({ PolicyStatus: { IsPublic: true }, PublicAccessBlock: null });
      expect(evidence("CloudTrail.1")).to.deep.include({
        IsMultiRegionTrail: false,
        IsLogging: false,
        selectorGap: "it records no read management events",
      });
    });

    it("RestrictPublicBuckets confines the public policy and IgnorePublicAcls the ACLs: CloudTrail.6 passes in both, S3.8 still fails", async () => {
      await carelessInMoto();
      const partial = { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: false, RestrictPublicBuckets: true };
      await s3.send(new PutPublicAccessBlockCommand({ Bucket: CARELESS.bucket, PublicAccessBlockConfiguration: partial }));
      const inMoto = await motoPosture(CARELESS.trail);
      const onProject = await onProjectServers(async (ls3, ct) => {
        await carelessOnProject(ls3, ct, true);
        ls3.bucketConfig(CARELESS.bucket).publicAccessBlock = {
          blockPublicAcls: true,
          ignorePublicAcls: true,
          blockPublicPolicy: false,
          restrictPublicBuckets: true,
        };
        return projectPosture(ls3, ct, CARELESS.trail);
      });
      expect(statuses(inMoto)).to.include({ "CloudTrail.6": "pass", "S3.8": "fail" });
      expect(inMoto.controls.map((c) => comparable(c))).to.deep.equal(onProject.controls.map((c) => comparable(c)));
    });

    it("a trail whose bucket is gone: AwsCallError NoSuchBucket (exit 3), with the project's S3's message", async () => {
      await carelessInMoto();
      await s3.send(new DeleteBucketCommand({ Bucket: CARELESS.bucket }));
      const refusal = (p: Promise<unknown>) =>
        p.then(
          () => null,
          (e: unknown) => e,
        );
      const inMoto = await refusal(motoPosture(CARELESS.trail));
      const onProject = await onProjectServers(async (ls3, ct) => {
        await carelessOnProject(ls3, ct, true);
        await ls3.client.send(new DeleteBucketCommand({ Bucket: CARELESS.bucket }));
        return refusal(projectPosture(ls3, ct, CARELESS.trail));
      });
      expect(inMoto).to.be.instanceOf(AwsCallError);
      expect((inMoto as AwsCallError).exitCode).to.equal(ExitCode.AwsError);
      expect((inMoto as AwsCallError).message).to.match(
        /^Get\w+ failed \(NoSuchBucket\): the bucket of bucket careless-trail-logs-1 does not exist/,
      );
      expect(onProject).to.be.instanceOf(AwsCallError);
      expect((inMoto as AwsCallError).message.replace(/^Get\w+/, "")).to.equal((onProject as AwsCallError).message.replace(/^Get\w+/, ""));
    });
  });
});
