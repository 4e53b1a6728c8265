// trail-lab:dataEvents against moto: the program's stack created in moto as infra/ declares it
// (moto-deploy.ts, the trail's advanced selectors put as the provider puts them), the selectors
// read back, the lab's canary write and read on moto's S3, and verify finding a canary object's
// PutObject, a data event, in log files in moto's S3 with no Event History at all (moto has no
// LookupEvents, and a data event needs none). What moto does not do here is pinned at the end:
// it records and delivers no events (the log files are the test's), reports HasCustomEventSelectors
// false whatever was put, and judges the buckets' TLS-only policies over plain HTTP, where
// aws:SecureTransport is false (so the test lifts them where it writes).
import { expect } from "chai";
import { DeleteBucketPolicyCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { GetEventSelectorsCommand, GetTrailCommand } from "@aws-sdk/client-cloudtrail";
import { createLabClients, destroyLabClients } from "../../automation/aws/aws-clients";
import { CanaryObjectError, writeAndReadCanary } from "../../automation/aws/canary-object";
import { verifyTrail } from "../../verify";
import { toApiSelectors } from "../support/fixtures/advanced-selectors";
import { FixtureFactory, logFile } from "../support/fixtures/cloudtrail-fixtures";
import { deployToMoto, type MotoDeployedWorld } from "./support/moto-deploy";
import { describeMoto, useAwsEnvironment } from "./support/moto-suite";
import { motoClients, type MotoClients } from "./support/moto-world";

const KEY = "trail-lab/lab-moto.txt";

describeMoto("moto: data events (trail-lab:dataEvents)", (moto) => {
  let deployed: MotoDeployedWorld;
  let clients: MotoClients;
  let restore: () => void;

  before(async () => {
    deployed = await deployToMoto(moto.server.endpoint, { dataEvents: "true" }, "moto-data");
    clients = motoClients(moto.server.endpoint, deployed.region);
    restore = useAwsEnvironment(moto.env(deployed.region));
  });
  after(() => {
    restore?.();
    clients?.destroy();
  });

  it("keeps the program's advanced selectors as put: in order, only the operators set, no basic selectors", async () => {
    const answer = await clients.cloudTrail.send(new GetEventSelectorsCommand({ TrailName: deployed.trailArn }));
    const declared = deployed.run.one("aws:cloudtrail/trail:Trail").inputs.advancedEventSelectors;
    expect(answer.AdvancedEventSelectors).to.deep.equal(toApiSelectors(declared));
    expect(answer.AdvancedEventSelectors?.[1].FieldSelectors?.[2]).to.deep.equal({
      Field: "resources.ARN",
      StartsWith: [`arn:aws:s3:::${deployed.canaryBucket}/`],
    });
    // moto answers EventSelectors: [] beside them, where AWS leaves the member out.
    expect(answer.EventSelectors ?? []).to.deep.equal([]);
  });

  it("verify finds the canary object's PutObject, a data event, in moto's S3 without Event History (moto has none)", async () => {
    const f = new FixtureFactory(deployed.trailArn.split(":")[4], 2503);
    const since = new Date(Date.now() - 10 * 60_000);
    const put = f.s3ObjectCall("PutObject", deployed.region, new Date(since.getTime() + 60_000), deployed.canaryBucket!, KEY);
    const key = f.logKey(deployed.region, new Date(since.getTime() + 2 * 60_000));
    // The audit bucket's TLS deny, judged by moto over http://, would refuse the test's own upload
    // of the log file (CloudTrail's deliveries are the test's here): lifted first.
    await clients.s3.send(new DeleteBucketPolicyCommand({ Bucket: deployed.bucket }));
    await clients.s3.send(
      new PutObjectCommand({ Bucket: deployed.bucket, Key: key, Body: logFile([...f.noiseRecords(deployed.region, since, 15), put]) }),
    );
    const progress: string[] = [];
    const evidence = await verifyTrail({
      trail: deployed.trailName,
      region: deployed.region,
      eventName: "PutObject",
      resource: `${deployed.canaryBucket}/${KEY}`,
      since,
      timeoutMs: 0,
      onProgress: (line) => progress.push(line),
    });
    expect(evidence.verified, progress.join("\n")).to.equal(true);
    expect(evidence).to.deep.include({ eventHistory: null, eventCategory: "Data" });
    // moto answers LookupEvents with an HTTP 500: had verify asked Event History, it would have failed.
    expect(evidence.s3).to.include({ key, eventId: put.eventID });
    expect(progress.join("\n")).to.contain("PutObject is an S3 data event");
  });

  it("the lab's canary write and read on moto's S3, once the TLS-only policy moto judges over plain HTTP is lifted", async () => {
    const lab = createLabClients({ region: deployed.region, maxAttempts: 1 });
    try {
      const request = { bucket: deployed.canaryBucket!, key: KEY, body: Buffer.from("canary\n"), signal: new AbortController().signal };
      // moto reads aws:SecureTransport as false over http://, so the canary's deny refuses the lab as
      // it never would over AWS's https (the sweep meets the same: test/moto/README.md).
      const refused = await writeAndReadCanary(lab.s3, request, Date.now).catch((e: Error) => e);
      // A 403 without a body: the SDK, and so the message, can only call it Forbidden.
      expect(refused).to.be.instanceOf(CanaryObjectError);
      expect((refused as Error).message)
        .to.contain("(s3:PutObject): Forbidden")
        .and.contain("docs/iam.md");
      await clients.s3.send(new DeleteBucketPolicyCommand({ Bucket: deployed.canaryBucket! }));
      const object = await writeAndReadCanary(lab.s3, request, Date.now);
      expect(object).to.include({ bucket: deployed.canaryBucket, key: KEY, bytes: 7 });
      expect(object.versionId, "the canary bucket is versioned").to.be.a("string");
    } finally {
      destroyLabClients(lab);
    }
  });

  it("pins what moto does not do: HasCustomEventSelectors stays false whatever was put", async () => {
    const { Trail } = await clients.cloudTrail.send(new GetTrailCommand({ Name: deployed.trailArn }));
    expect(Trail?.HasCustomEventSelectors).to.equal(false);
  });
});
