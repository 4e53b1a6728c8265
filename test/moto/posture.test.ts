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
  PutBucketAclCommand,
  PutPublicAccessBlockCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { PutPublicAccessBlockCommand as PutAccountPublicAccessBlockCommand } from "@aws-sdk/client-s3-control";
import { BatchImportFindingsCommand, GetFindingsCommand, SecurityHubClient, type AwsSecurityFinding } from "@aws-sdk/client-securityhub";
import { execFile } from "node:child_process";
import { auditBucketPolicy } from "../../infra/bucket-policy";
import {
  asffFindings,
  AwsCallError,
  checkPosture,
  createS3ControlClient,
  ExitCode,
  postureFindings,
  type PostureControl,
  type PostureReport,
} from "../../verify";
import { startCloudTrailServer, type LocalCloudTrail } from "../support/servers/cloudtrail-server";
import { deployWorld } from "../support/worlds/deployed-world";
import { deployToMoto, templateConfig } from "./support/moto-deploy";
import { CARELESS, carelessInMoto } from "./support/careless-world";
import { describeMoto, MOTO_CREDENTIALS, useAwsEnvironment } from "./support/moto-suite";
import { locateMoto, pythonOf } from "./support/moto-server";
import { motoClients, type MotoClients } from "./support/moto-world";
import { ACCOUNT } from "../support/pulumi-program";
import { startS3Server, type LocalS3 } from "../support/servers/s3-server";
import { runVerifyCli } from "../support/processes/verify-cli";
import { OWNER_ID } from "../support/servers/s3-bucket-config";
import { control, failing, statuses } from "../support/posture-report";

const REGION = "us-east-1";

/**
 * The evidence as moto and the project's servers should both give it. What moto answers
 * differently without changing a verdict is folded here, each with the reason (test/moto/README.md
 * lists them):
 * - GetEventSelectors echoes the selectors as they were put, without the empty DataResources and
 *   ExcludeManagementEventSources AWS fills in, and answers AdvancedEventSelectors: [] beside
 *   basic selectors where AWS leaves the member out.
 * - A KMS key's id is moto's own, not the one the mocks gave it (in CloudTrail.2's evidence and status detail).
 */
function comparable(c: PostureControl): PostureControl {
  const evidence = { ...c.evidence };
  if (Array.isArray(evidence.EventSelectors)) {
    evidence.EventSelectors = (evidence.EventSelectors as Record<string, unknown>[]).map((s) =>
      Object.fromEntries(
        Object.entries(s).filter(
          ([k, v]) => !(["DataResources", "ExcludeManagementEventSources"].includes(k) && Array.isArray(v) && v.length === 0),
        ),
      ),
    );
  }
  if (Array.isArray(evidence.AdvancedEventSelectors) && evidence.AdvancedEventSelectors.length === 0)
    evidence.AdvancedEventSelectors = null;
  if (c.id === "CloudTrail.2" && typeof evidence.KmsKeyId === "string") {
    const key = evidence.KmsKeyId;
    evidence.KmsKeyId = "<the trail's key>";
    return { ...c, evidence, statusDetail: c.statusDetail?.replace(key, "<the trail's key>") };
  }
  return { ...c, evidence };
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
  checkPosture({ trail, region: REGION, clients: { s3: s3.client, s3Control: s3.controlClient, cloudTrail: ct.client() } });

/**
 * The tricky bucket: private, but it keeps ACLs (ObjectOwnership ObjectWriter) and leaves
 * IgnorePublicAcls off while the other three blocks are on; its policy is CloudTrail's own (not
 * public). Whether it is public turns on what its ACL grants, which only GetBucketAcl shows.
 */
const TRICKY = {
  bucket: "acl-keeping-trail-logs-1",
  trail: "acl-keeping-trail",
  block: { BlockPublicAcls: true, IgnorePublicAcls: false, BlockPublicPolicy: true, RestrictPublicBuckets: true },
  policy(): string {
    const trailArn = `arn:aws:cloudtrail:${REGION}:${ACCOUNT}:trail/${this.trail}`;
    return JSON.stringify(auditBucketPolicy({ partition: "aws", bucketName: this.bucket, accountId: ACCOUNT, trailArn }));
  },
};
/** The verdicts the tricky bucket turns on: the trail's other controls differ only by moto's default selectors. */
const TRICKY_CONTROLS = ["CloudTrail.6", "S3.1", "S3.8", "S3.12"];

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
      ["Pulumi.dev.yaml as it is", {}, ["CloudTrail.2", "CloudTrail.5", "S3.1", "S3.20", "S3.20@access-log", "S3.22", "S3.23"]],
      [
        "kmsEncryption and cloudWatchLogs on",
        { kmsEncryption: "true", cloudWatchLogs: "true" },
        ["S3.1", "S3.20", "S3.20@access-log", "S3.22", "S3.23"],
      ],
      [
        "accessLogging off",
        { accessLogging: "false" },
        ["CloudTrail.2", "CloudTrail.5", "CloudTrail.7", "S3.1", "S3.9", "S3.20", "S3.22", "S3.23"],
      ],
    ];
    for (const [label, overrides, fails] of cases) {
      it(`${label}: fails ${fails.join(", ")} in moto, with the project's servers' verdict, evidence and fix for every control`, async () => {
        const world = await deployToMoto(moto.server.endpoint, overrides);
        const inMoto = await motoPosture(world.trailName);
        const onProject = await onProjectServers(async (ls3, ct) => {
          const local = await deployWorld(ls3, ct, { ...templateConfig(), ...overrides }, "moto");
          return projectPosture(ls3, ct, local.trail.name);
        });
        expect(failing(inMoto)).to.deep.equal(fails);
        expect(statuses(inMoto)).to.deep.equal(statuses(onProject));
        expect(inMoto.controls.map((c) => comparable(c))).to.deep.equal(onProject.controls.map((c) => comparable(c)));
        if (world.kmsKeyArn) expect(control(inMoto, "CloudTrail.2").evidence.KmsKeyId).to.equal(world.kmsKeyArn);
        // The access-log bucket, found from the audit bucket's logging, is judged too; its own logging is accepted.
        if (world.accessLogBucket) expect(control(inMoto, "S3.9@access-log").accepted?.reason).to.be.a("string");
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

    it("npm run verify -- --posture --json, through AWS_ENDPOINT_URL (S3 Control too): one JSON object, exit 1", async () => {
      const world = await deployToMoto(moto.server.endpoint);
      const { code, stdout, stderr } = await runVerifyCli(
        ["--trail", world.trailName, "--posture", "--json"],
        { all: moto.server.endpoint },
        true,
      );
      expect(code, stderr).to.equal(1);
      const report = JSON.parse(stdout) as PostureReport;
      expect(Object.keys(report)).to.deep.equal(["controls", "facts", "checkedAt"]);
      expect(failing(report)).to.deep.equal(["CloudTrail.2", "CloudTrail.5", "S3.1", "S3.20", "S3.20@access-log", "S3.22", "S3.23"]);
      expect(report.facts?.account).to.deep.equal({ id: ACCOUNT, publicAccessBlock: null, unread: null });
      expect(control(report, "CloudTrail.7").evidence).to.deep.equal({
        bucket: world.bucket,
        LoggingEnabled: { TargetBucket: world.accessLogBucket, TargetPrefix: "audit-bucket/" },
      });
    });
  });

  describe("a careless bucket and trail", () => {
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

    it("fails every control but trail-lab's own in moto as on the project's servers; moto's not-found errors read as unset", async () => {
      await carelessInMoto(s3, cloudTrail);
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
        "acl",
      ]);
      const onProject = await onProjectServers(async (ls3, ct) => {
        await carelessOnProject(ls3, ct, true);
        return projectPosture(ls3, ct, CARELESS.trail);
      });
      expect(statuses(inMoto)).to.deep.equal(statuses(onProject));
      expect(inMoto.controls.map((c) => comparable(c))).to.deep.equal(onProject.controls.map((c) => comparable(c)));
      // Its policy keeps CloudTrail's statements and it has no lifecycle: trail-lab's own controls pass.
      expect(failing(inMoto)).to.deep.equal(inMoto.controls.filter((c) => !c.id.startsWith("TrailLab.")).map((c) => c.id));
      const evidence = (id: string) => control(inMoto, id).evidence;
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
      await carelessInMoto(s3, cloudTrail);
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
      await carelessInMoto(s3, cloudTrail);
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
  describe("the tricky bucket that keeps ACLs, and the account's own block", () => {
    /** `publicRead`: the ACL grants READ to AllUsers (put before the blocks, which would refuse it after). */
    async function trickyInMoto(publicRead: boolean): Promise<void> {
      const Bucket = TRICKY.bucket;
      await s3.send(new CreateBucketCommand({ Bucket }));
      await s3.send(new PutBucketOwnershipControlsCommand({ Bucket, OwnershipControls: { Rules: [{ ObjectOwnership: "ObjectWriter" }] } }));
      if (publicRead) await s3.send(new PutBucketAclCommand({ Bucket, ACL: "public-read" }));
      await s3.send(new PutPublicAccessBlockCommand({ Bucket, PublicAccessBlockConfiguration: TRICKY.block }));
      await s3.send(new PutBucketPolicyCommand({ Bucket, Policy: TRICKY.policy() }));
      await cloudTrail.send(new CreateTrailCommand({ Name: TRICKY.trail, S3BucketName: Bucket }));
    }

    function trickyOnProject(ls3: LocalS3, ct: LocalCloudTrail, publicRead: boolean): Promise<void> {
      return ls3.createBucket(TRICKY.bucket).then(() => {
        Object.assign(ls3.bucketConfig(TRICKY.bucket), {
          policy: TRICKY.policy(),
          policyIsPublic: false,
          ownership: "ObjectWriter",
          publicAccessBlock: { blockPublicAcls: true, ignorePublicAcls: false, blockPublicPolicy: true, restrictPublicBuckets: true },
          acl: { grants: publicRead ? [{ group: "AllUsers", permission: "READ" }] : [] },
        });
        ct.state.trails.push({
          name: TRICKY.trail,
          account: ACCOUNT,
          homeRegion: REGION,
          bucket: TRICKY.bucket,
          isMultiRegion: false,
          isLogging: false,
          logFileValidation: false,
          eventSelectors: [],
        });
      });
    }

    const judged = (report: PostureReport) => report.controls.filter((c) => TRICKY_CONTROLS.includes(c.id)).map((c) => comparable(c));

    it("CloudTrail.6 passes when the ACL grants only the owner's FULL_CONTROL, and the evidence shows that grant; S3.12 still fails", async () => {
      await trickyInMoto(false);
      const inMoto = await motoPosture(TRICKY.trail);
      const onProject = await onProjectServers(async (ls3, ct) => {
        await trickyOnProject(ls3, ct, false);
        return projectPosture(ls3, ct, TRICKY.trail);
      });
      expect(statuses(inMoto)).to.include({ "CloudTrail.6": "pass", "S3.12": "fail" });
      expect(judged(inMoto)).to.deep.equal(judged(onProject));
      const evidence = control(inMoto, "CloudTrail.6").evidence;
      expect(evidence).to.deep.include({ ObjectOwnership: "ObjectWriter", PolicyStatus: { IsPublic: false }, publicGrants: [] });
      expect(evidence.Grants).to.deep.equal([{ grantee: OWNER_ID, type: "CanonicalUser", permission: "FULL_CONTROL" }]);
    });

    it("an AllUsers READ grant that IgnorePublicAcls leaves standing fails CloudTrail.6 naming the grant; the account's IgnorePublicAcls (S3 Control) neutralises it", async () => {
      await trickyInMoto(true);
      const inMoto = await motoPosture(TRICKY.trail);
      const onProject = await onProjectServers(async (ls3, ct) => {
        await trickyOnProject(ls3, ct, true);
        return projectPosture(ls3, ct, TRICKY.trail);
      });
      expect(judged(inMoto)).to.deep.equal(judged(onProject));
      const ct6 = control(inMoto, "CloudTrail.6");
      expect(ct6.status).to.equal("fail");
      expect(ct6.statusDetail).to.include("READ to AllUsers").and.include("IgnorePublicAcls is off");
      expect(ct6.evidence.publicGrants).to.deep.equal([
        { grantee: "http://acs.amazonaws.com/groups/global/AllUsers", type: "Group", permission: "READ" },
      ]);

      // The account's block, put through S3 Control (its account-prefixed host answered by moto itself).
      const control3 = createS3ControlClient({ region: REGION });
      try {
        await control3.send(
          new PutAccountPublicAccessBlockCommand({
            AccountId: ACCOUNT,
            PublicAccessBlockConfiguration: {
              BlockPublicAcls: true,
              IgnorePublicAcls: true,
              BlockPublicPolicy: true,
              RestrictPublicBuckets: true,
            },
          }),
        );
      } finally {
        control3.destroy();
      }
      const blocked = await motoPosture(TRICKY.trail);
      const blockedOnProject = await onProjectServers(async (ls3, ct) => {
        await trickyOnProject(ls3, ct, true);
        ls3.accountConfig(ACCOUNT).publicAccessBlock = {
          blockPublicAcls: true,
          ignorePublicAcls: true,
          blockPublicPolicy: true,
          restrictPublicBuckets: true,
        };
        return projectPosture(ls3, ct, TRICKY.trail);
      });
      expect(statuses(blocked)).to.include({ "CloudTrail.6": "pass", "S3.1": "pass" });
      expect(control(blocked, "CloudTrail.6").statusDetail).to.include("IgnorePublicAcls neutralises its public ACL grants");
      expect(judged(blocked)).to.deep.equal(judged(blockedOnProject));
    });
  });

  describe("ASFF into moto's Security Hub", () => {
    /** BatchImportFindings' input checked against botocore's service model (moto's own botocore), as the AWS CLI checks it. */
    function botocoreProblems(findings: unknown[]): Promise<string> {
      const location = locateMoto();
      const python = location.found ? pythonOf(location.server) : null;
      if (!python) throw new Error("moto's python is needed to read botocore's Security Hub model");
      const script = [
        "import json, sys, botocore.session, botocore.validate",
        "shape = botocore.session.get_session().get_service_model('securityhub').operation_model('BatchImportFindings').input_shape",
        "report = botocore.validate.ParamValidator().validate({'Findings': json.load(sys.stdin)}, shape)",
        "sys.stdout.write(report.generate_report())",
      ].join("\n");
      return new Promise((resolve, reject) => {
        const child = execFile(python, ["-c", script], { timeout: 60_000, maxBuffer: 8 * 1024 * 1024 }, (error, stdout, stderr) =>
          error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout),
        );
        child.stdin!.end(JSON.stringify(findings));
      });
    }

    it("every verdict of the lab's stack imports with batch-import-findings and reads back as sent; each fits botocore's ASFF shape", async () => {
      const world = await deployToMoto(moto.server.endpoint);
      const report = await motoPosture(world.trailName);
      const context = { time: report.checkedAt!, account: ACCOUNT, region: REGION, product: { name: "trail-lab", version: "0.1.0" } };
      const findings = asffFindings(postureFindings(report), context);
      expect(findings).to.have.length(report.controls.length);
      expect(await botocoreProblems(findings)).to.equal("");
      // The check can fail: a finding without its required AwsAccountId, or with a field ASFF lacks.
      const broken = findings.slice(0, 2).map((f) => ({ ...f })) as Record<string, unknown>[];
      delete broken[0].AwsAccountId;
      broken[1].Evidence = {};
      expect(await botocoreProblems(broken))
        .to.include('Missing required parameter in Findings[0]: "AwsAccountId"')
        .and.include('Unknown parameter in Findings[1]: "Evidence"');

      const hub = new SecurityHubClient({ region: REGION, endpoint: moto.server.endpoint, credentials: MOTO_CREDENTIALS });
      try {
        // As the AWS CLI sends a file: the JSON itself (the SDK's types name partitions as a closed list; botocore checked them above).
        const imported = await hub.send(
          new BatchImportFindingsCommand({ Findings: JSON.parse(JSON.stringify(findings)) as AwsSecurityFinding[] }),
        );
        expect(imported).to.include({ FailedCount: 0, SuccessCount: findings.length });
        const { Findings: back } = await hub.send(new GetFindingsCommand({ MaxResults: 100 }));
        const byId = new Map((back ?? []).map((f) => [f.Id, f]));
        expect(byId.size).to.equal(findings.length);
        for (const sent of findings) expect(JSON.parse(JSON.stringify(byId.get(sent.Id)))).to.deep.equal(JSON.parse(JSON.stringify(sent)));
        const ct2 = byId.get(findings.find((f) => f.GeneratorId === "trail-lab/CloudTrail.2")!.Id)!;
        expect(ct2.Compliance?.Status).to.equal("FAILED");
        expect(ct2.Severity?.Label).to.equal("MEDIUM");
      } finally {
        hub.destroy();
      }
    });
  });
  describe("data-event selectors and the loop (TrailLab.DataEventLoop)", () => {
    const management = { Name: "Management events", FieldSelectors: [{ Field: "eventCategory", Equals: ["Management"] }] };
    const allObjects = (name: string, extra: { Field: string; NotStartsWith?: string[] }[] = []) => ({
      Name: name,
      FieldSelectors: [{ Field: "eventCategory", Equals: ["Data"] }, { Field: "resources.type", Equals: ["AWS::S3::Object"] }, ...extra],
    });

    /** The lab's stack with its trail's selectors replaced by `selectors`, in moto and on the project's servers. */
    async function withSelectors(put: {
      AdvancedEventSelectors?: unknown[];
      EventSelectors?: unknown[];
    }): Promise<[PostureReport, PostureReport]> {
      const world = await deployToMoto(moto.server.endpoint);
      await cloudTrail.send(new PutEventSelectorsCommand({ TrailName: world.trailName, ...(put as object) }));
      const inMoto = await motoPosture(world.trailName);
      const onProject = await onProjectServers(async (ls3, ct) => {
        const local = await deployWorld(ls3, ct, templateConfig(), "moto");
        if (put.AdvancedEventSelectors) {
          delete local.trail.eventSelectors;
          local.trail.advancedEventSelectors = put.AdvancedEventSelectors;
        } else local.trail.eventSelectors = put.EventSelectors;
        return projectPosture(ls3, ct, local.trail.name);
      });
      return [inMoto, onProject];
    }

    it("advanced selectors on every S3 object, log buckets included: the loop fails, naming both log buckets; S3.22/S3.23 pass and CloudTrail.1 still reads management events", async () => {
      const [inMoto, onProject] = await withSelectors({ AdvancedEventSelectors: [management, allObjects("All S3 objects")] });
      const loop = control(inMoto, "TrailLab.DataEventLoop");
      expect(loop.status).to.equal("fail");
      expect(loop.severity).to.equal("medium");
      expect(loop.risk).to.include("billed per 100,000");
      expect(loop.remediation!.cli).to.include("NotStartsWith");
      expect(loop.evidence.looping).to.have.length(2);
      expect(statuses(inMoto)).to.include({ "CloudTrail.1": "pass", "S3.22": "pass", "S3.23": "pass" });
      const project = control(onProject, "TrailLab.DataEventLoop");
      expect([loop.status, loop.statusDetail, loop.evidence.looping]).to.deep.equal([
        project.status,
        project.statusDetail,
        project.evidence.looping,
      ]);
    });

    it("the same selectors excluding the log buckets by resources.ARN NotStartsWith: no loop, and CIS 3.8/3.9 still count the trail", async () => {
      const logBuckets = (report: PostureReport) => control(report, "TrailLab.DataEventLoop").evidence.logBuckets as string[];
      const probe = await deployToMoto(moto.server.endpoint);
      const buckets = logBuckets(await motoPosture(probe.trailName));
      await moto.server.reset();
      const exclude = { Field: "resources.ARN", NotStartsWith: buckets.map((b) => `arn:aws:s3:::${b}/`) };
      const [inMoto, onProject] = await withSelectors({
        AdvancedEventSelectors: [management, allObjects("S3 objects but the logs", [exclude])],
      });
      expect(statuses(inMoto)).to.include({ "TrailLab.DataEventLoop": "pass", "S3.22": "pass", "S3.23": "pass", "CloudTrail.1": "pass" });
      expect(statuses(onProject)).to.include({ "TrailLab.DataEventLoop": "pass", "S3.22": "pass", "S3.23": "pass" });
    });

    it("basic selectors with DataResources on every bucket (arn:aws:s3) loop too, read-only ones do not; management events put away fail CloudTrail.1 saying so", async () => {
      const everyBucket = [{ Type: "AWS::S3::Object", Values: ["arn:aws:s3"] }];
      const [inMoto] = await withSelectors({
        EventSelectors: [{ ReadWriteType: "All", IncludeManagementEvents: false, DataResources: everyBucket }],
      });
      expect(statuses(inMoto)).to.include({ "TrailLab.DataEventLoop": "fail", "CloudTrail.1": "fail", "S3.22": "pass", "S3.23": "pass" });
      expect(control(inMoto, "CloudTrail.1").statusDetail).to.include("no longer records all management events");
      await moto.server.reset();
      // Reads only: a delivery (PutObject) is not recorded, so no loop; object writes then go unrecorded (S3.22).
      const [readOnly] = await withSelectors({
        EventSelectors: [{ ReadWriteType: "ReadOnly", IncludeManagementEvents: true, DataResources: everyBucket }],
      });
      expect(statuses(readOnly)).to.include({ "TrailLab.DataEventLoop": "pass", "CloudTrail.1": "fail", "S3.22": "fail", "S3.23": "pass" });
    });
  });
});
