// `--integrity` held to the real AWS CLI: `aws cloudtrail validate-logs` (awscli v1, pinned) and
// validateIntegrity answer for the very same objects, and must give the same verdict and name the
// same files, region by region: digests deleted at the start and in the middle of the range, a
// stored signature replaced, logs edited, deleted or with data appended, a chain restart, a key
// rotated in after the range, a backfill digest. Where the CLI is wrong, the test says so and
// holds each tool to its own answer: it never compares previousDigestSignature with the
// predecessor's signature; it never sees the newest digest of a range deleted (it lists an hour
// past the end only, and starts from the newest it finds); it exits 0 on a range with no digest.
// An organization trail's bucket lives in moto's S3, listed by both with their own calls (the CLI
// with ListObjects V1 and a marker), one account per CLI run against every account at once.
import { CreateBucketCommand } from "@aws-sdk/client-s3";
import { expect } from "chai";
import { validateIntegrity, type IntegrityOptions, type IntegrityResult } from "../../verify";
import { backfillDigest, listedKey, newSigningKey, putObjects, type SigningKey } from "../support/fixtures/signed-digests";
import { logFile } from "../support/fixtures/cloudtrail-fixtures";
import { startAwsServer, type AwsServer } from "../support/servers/aws-query-json-server";
import { startCloudTrailServer, trailArn, type FixtureTrail, type LocalCloudTrail } from "../support/servers/cloudtrail-server";
import { s3ClientFor, startS3Server, type LocalS3 } from "../support/servers/s3-server";
import { locateMoto, startMoto, type MotoServer } from "../moto/support/moto-server";
import { describeAwsCli, validateLogs, type ValidateLogsAnswer } from "./support/aws-cli";
import { HOURS, RANGE, T0, regionChain, tamperer, type RegionChain, type RegionTrail, type Tamper } from "./support/region-world";

const HOUR = 3_600_000;
const ACCOUNT = "123456789012";

interface RegionCase {
  region: string;
  what: string;
  /** Shapes the chain before it is signed and stored. */
  build?: (region: string) => RegionChain;
  /** Changes the stored objects. */
  tamper?: (t: Tamper, c: RegionChain) => Promise<void>;
  /** Where the AWS CLI is wrong: why, and what each tool answers instead of agreeing. */
  cliWrong?: { why: string; expect: (cli: ValidateLogsAnswer, ours: IntegrityResult, c: RegionChain) => void };
}

const keyOf = (f: { kind: string; key: string }) => `${f.kind} ${f.key}`;
const logKeys = (c: RegionChain, i: number) => c.logs[i].map((l) => l.key);

describeAwsCli("awscli differential: aws cloudtrail validate-logs and --integrity on the same worlds", (aws) => {
  let s3: LocalS3;
  let ct: LocalCloudTrail;
  let key: SigningKey;
  const trail: RegionTrail = { name: "audit-trail", account: ACCOUNT, bucket: "differential-audit-logs", prefix: "lab" };
  const fixtureTrail: FixtureTrail = { ...trail, homeRegion: "us-east-1", isMultiRegion: true };
  const chains = new Map<string, RegionChain>();
  let rotated: SigningKey;
  let later: SigningKey;
  const generatedAt = new Date(T0.getTime() + 20 * 24 * HOUR);

  const CASES: RegionCase[] = [
    { region: "us-west-1", what: "nothing changed" },
    { region: "us-east-1", what: "the oldest digest of the range deleted", tamper: (t, c) => t.remove(c.digests[0].key) },
    { region: "us-east-2", what: "the two oldest digests deleted", tamper: (t, c) => t.remove(c.digests[0].key, c.digests[1].key) },
    {
      region: "us-west-2",
      what: "two digests in a row deleted in the middle",
      tamper: (t, c) => t.remove(c.digests[1].key, c.digests[2].key),
    },
    {
      region: "eu-west-1",
      what: "a digest's stored signature replaced, its content intact",
      tamper: (t, c) => t.put(c.digests[1].key, c.digests[1].body, { ...c.digests[1].metadata, signature: c.digests[0].signature }),
    },
    {
      region: "ap-southeast-2",
      what: "a log edited, a log deleted, a log with zeros appended after its gzip stream",
      tamper: async (t, c) => {
        await t.put(logKeys(c, 0)[0], logFile(c.f.noiseRecords(c.region, T0, 3)));
        await t.remove(logKeys(c, 1)[1]);
        await t.put(logKeys(c, 2)[0], Buffer.concat([c.logs[2][0].body, Buffer.alloc(32)]));
      },
    },
    {
      region: "sa-east-1",
      what: "a chain restart (logging off for a while): a gap, nothing invalid",
      build: (region) => regionChain(trail, region, key, 61, (i) => (i === 2 ? { restart: true } : {})),
    },
    {
      region: "ap-northeast-1",
      what: "the last digest signed with a key rotated in after the range ends (aws/aws-cli#10072)",
      build: (region) => regionChain(trail, region, key, 62, (i) => (i === HOURS - 1 ? { key: rotated } : {})),
    },
    {
      region: "ap-south-1",
      what: "a backfill digest, signed weeks later with the key valid then",
      build: (region) => {
        const c = regionChain(trail, region, key, 63);
        const end = new Date(T0.getTime() + 2 * HOUR);
        const late = c.chain.log(region, new Date(end.getTime() - 25 * 60_000), logFile(c.f.noiseRecords(region, end, 4)));
        backfillDigest(c.chain, c.f, region, end, [late], { key: later, generatedAt });
        return c;
      },
    },
    {
      region: "eu-central-1",
      what: "a digest whose previousDigestSignature is not its predecessor's signature",
      build: (region) => regionChain(trail, region, key, 64, (i) => (i === 2 ? { previousSignature: "ab".repeat(256) } : {})),
      cliWrong: {
        why: "the CLI checks each digest's own signature, which covers the claim, but never compares previousDigestSignature with the signature of the digest the chain names: a chain spliced from another is valid to it",
        expect: (cli, ours, c) => {
          expect(cli.code).to.equal(0);
          expect(cli.invalid).to.deep.equal([]);
          expect(cli.validDigests).to.include(c.digests[2].key);
          expect(ours.failures.map(keyOf)).to.deep.equal([`digest ${c.digests[2].key}`]);
          expect(ours.failures[0].reason).to.match(
            /^chain broken: its previousDigestSignature is not the signature of the previous digest/,
          );
          expect(ours.digests).to.deep.equal({ valid: cli.validDigests.length - 1, total: cli.validDigests.length });
        },
      },
    },
    {
      region: "ca-central-1",
      what: "the newest digest of the range deleted",
      tamper: (t, c) => t.remove(c.digests[HOURS - 1].key),
      cliWrong: {
        why: "the CLI lists digests stamped up to an hour past the end and walks back from the newest it finds, so the deleted one is never looked for; the first digest after the range names it, and --integrity follows that link",
        expect: (cli, ours, c) => {
          expect(cli.code).to.equal(0);
          expect(cli.invalid).to.deep.equal([]);
          expect(cli.validDigests).to.have.length(HOURS - 1);
          expect(ours.valid).to.equal(false);
          expect(ours.failures).to.deep.equal([
            { kind: "digest", bucket: trail.bucket, key: c.digests[HOURS - 1].key, reason: "not found", listedIn: c.after.key },
          ]);
          expect(ours.digests).to.deep.equal({ valid: HOURS - 1, total: HOURS });
        },
      },
    },
  ];

  before(async () => {
    s3 = await startS3Server();
    ct = await startCloudTrailServer();
    key = newSigningKey();
    rotated = newSigningKey();
    later = newSigningKey();
    const rotation = new Date(RANGE.until.getTime() + 6 * 60_000);
    ct.state.publicKeys.push(
      listedKey(key, new Date("2025-01-01T00:00:00Z"), new Date("2025-06-01T00:00:00Z")),
      listedKey(rotated, rotation, new Date("2025-06-01T00:00:00Z")),
      listedKey(later, new Date(generatedAt.getTime() - 24 * HOUR), new Date(generatedAt.getTime() + 24 * HOUR)),
    );
    ct.state.trails.push(fixtureTrail);
    await s3.createBucket(trail.bucket);
    CASES.forEach((c, i) => chains.set(c.region, c.build?.(c.region) ?? regionChain(trail, c.region, key, 50 + i)));
    await putObjects(
      s3,
      [...chains.values()].flatMap((c) => c.chain.objects),
    );
    const t = tamperer(s3.client, trail.bucket);
    for (const c of CASES) await c.tamper?.(t, chains.get(c.region)!);
  });
  after(async () => {
    await s3?.close();
    await ct?.close();
  });

  const ours = (extra: Partial<IntegrityOptions> = {}) =>
    validateIntegrity({
      trail: fixtureTrail.name,
      region: "us-east-1",
      ...RANGE,
      eventHistory: false,
      clients: { s3: s3.client, cloudTrail: ct.client(), cloudTrailIn: () => ct.client() },
      ...extra,
    });
  const cli = (region: string, range = RANGE) =>
    validateLogs(aws(), { trailArn: trailArn(fixtureTrail), ...range, region, cloudTrail: ct.endpoint, s3: s3.endpoint });

  /** The same verdict, the same counts and the same files named, from one region's CLI run and --integrity on that region. */
  function agree(cliAnswer: ValidateLogsAnswer, result: IntegrityResult, what: string): void {
    const context = `${what}\nCLI stdout:\n${cliAnswer.stdout}\nCLI stderr:\n${cliAnswer.stderr}`;
    expect(result.valid, context).to.equal(cliAnswer.code === 0);
    expect(result.failures.map(keyOf).sort(), context).to.deep.equal(cliAnswer.invalid.map(keyOf).sort());
    const invalidDigests = cliAnswer.invalid.filter((f) => f.kind === "digest").length;
    const invalidLogs = cliAnswer.invalid.filter((f) => f.kind === "log").length;
    expect(result.digests, context).to.deep.equal({
      valid: cliAnswer.validDigests.length,
      total: cliAnswer.validDigests.length + invalidDigests,
    });
    expect(result.logs, context).to.deep.equal({ valid: cliAnswer.validLogs.length, total: cliAnswer.validLogs.length + invalidLogs });
    // Where the CLI has words for it, ours are the same.
    const reasons = new Map(result.failures.map((f) => [keyOf(f), f.reason]));
    for (const f of cliAnswer.invalid.filter((x) => x.reason !== "invalid format"))
      expect(reasons.get(keyOf(f)), context).to.satisfy((r: string) => r.startsWith(f.reason));
    expect(result.gaps.filter((g) => g.kind !== "missing").length, context).to.equal(cliAnswer.gaps.length);
  }

  it("each region's case: the same verdict and the same files named by both, or the CLI's error said and both answers held", async () => {
    const answers = new Map<string, { cli: ValidateLogsAnswer; ours: IntegrityResult }>();
    // Two CLI runs at a time: each is a Python start-up, and the machine has two cores.
    const queue = [...CASES];
    const worker = async () => {
      for (let c = queue.shift(); c; c = queue.shift()) {
        const [cliAnswer, result] = await Promise.all([cli(c.region), ours({ regions: [c.region] })]);
        answers.set(c.region, { cli: cliAnswer, ours: result });
      }
    };
    await Promise.all([worker(), worker()]);
    for (const c of CASES) {
      const { cli: cliAnswer, ours: result } = answers.get(c.region)!;
      if (c.cliWrong) c.cliWrong.expect(cliAnswer, result, chains.get(c.region)!);
      else agree(cliAnswer, result, `${c.region}: ${c.what}`);
    }
    // The cases that name something do name it (a case that tampered with nothing would agree too).
    const named = (region: string) => answers.get(region)!.cli.invalid.map((f) => f.key);
    expect(named("us-east-1")).to.deep.equal([chains.get("us-east-1")!.digests[0].key]);
    expect(named("us-east-2")).to.deep.equal([chains.get("us-east-2")!.digests[1].key]);
    expect(named("us-west-2")).to.deep.equal([chains.get("us-west-2")!.digests[2].key]);
    expect(named("eu-west-1")).to.deep.equal([chains.get("eu-west-1")!.digests[1].key]);
    expect(named("ap-southeast-2")).to.have.length(3);
    expect(answers.get("sa-east-1")!.cli.gaps).to.have.length(1);
    expect(answers.get("ap-south-1")!.cli.validDigests.filter((k) => k.endsWith("_backfill.json.gz"))).to.have.length(1);

    // All regions at once, side by side: the union of the regions' answers.
    const all = await ours();
    expect(all.regions).to.deep.equal(CASES.map((c) => c.region).sort());
    expect(all.failures.map(keyOf).sort()).to.deep.equal(CASES.flatMap((c) => answers.get(c.region)!.ours.failures.map(keyOf)).sort());
    expect(all.digests.total).to.equal(CASES.reduce((n, c) => n + answers.get(c.region)!.ours.digests.total, 0));
    expect(all.logs.valid).to.equal(CASES.reduce((n, c) => n + answers.get(c.region)!.ours.logs.valid, 0));
  });

  it("a range with no digest: the CLI exits 0 ('No digests found'), --integrity says not valid, 'no digest in range' (never a silent pass)", async () => {
    const empty = { since: new Date("2025-02-10T00:00:00Z"), until: new Date("2025-02-10T06:00:00Z") };
    const [cliAnswer, result] = await Promise.all([cli("us-west-1", empty), ours({ ...empty, regions: ["us-west-1"] })]);
    expect(cliAnswer).to.deep.include({ code: 0, noDigests: true, invalid: [] });
    expect(result).to.deep.include({ valid: false, reason: "no digest in range", digests: { valid: 0, total: 0 } });
  });

  describe("an organization trail whose bucket is in moto's S3", () => {
    const orgId = "o-a1b2c3d4e5";
    const member = "210987654321";
    let moto: MotoServer | undefined;
    let organizations: AwsServer;
    before(async function () {
      const location = locateMoto();
      if (!location.found) {
        if (process.env.TRAIL_LAB_REQUIRE_MOTO === "1")
          throw new Error(`moto is required here (TRAIL_LAB_REQUIRE_MOTO=1) but ${location.reason}`);
        process.stdout.write(`awscli organization case not run: ${location.reason}\n`);
        this.skip();
      }
      moto = await startMoto(location.server);
      organizations = await startAwsServer({
        DescribeOrganization: () => ({
          json: true,
          body: JSON.stringify({
            Organization: {
              Id: orgId,
              Arn: `arn:aws:organizations::${ACCOUNT}:organization/${orgId}`,
              MasterAccountId: ACCOUNT,
              FeatureSet: "ALL",
            },
          }),
        }),
      });
    });
    after(async () => {
      await moto?.stop();
      await organizations?.close();
    });

    it("one account per CLI run against every account at once: the same files named, account by account", async () => {
      const orgTrail: RegionTrail = { name: "org-trail", account: ACCOUNT, bucket: "differential-org-logs", prefix: "org", orgId };
      const fixture: FixtureTrail = { ...orgTrail, homeRegion: "us-east-1", isMultiRegion: true, isOrganization: true };
      ct.state.trails.push(fixture);
      const motoS3 = s3ClientFor(moto!.endpoint);
      try {
        await motoS3.send(new CreateBucketCommand({ Bucket: orgTrail.bucket }));
        const own = regionChain(orgTrail, "us-east-1", key, 71);
        const theirs = regionChain({ ...orgTrail, account: member }, "us-east-1", key, 72);
        await putObjects({ client: motoS3 }, [...own.chain.objects, ...theirs.chain.objects]);
        await tamperer(motoS3, orgTrail.bucket).remove(theirs.digests[0].key);

        const run = (account: string) =>
          validateLogs(aws(), {
            trailArn: trailArn(fixture),
            ...RANGE,
            region: "us-east-1",
            cloudTrail: ct.endpoint,
            s3: moto!.endpoint,
            organizations: organizations.endpoint,
            account,
          });
        const [mine, member1, result] = await Promise.all([
          run(ACCOUNT),
          run(member),
          validateIntegrity({
            trail: fixture.name,
            region: "us-east-1",
            ...RANGE,
            eventHistory: false,
            clients: { s3: motoS3, cloudTrail: ct.client(), cloudTrailIn: () => ct.client() },
          }),
        ]);
        expect(mine.code, mine.stderr).to.equal(0);
        expect(member1.invalid.map(keyOf)).to.deep.equal([`digest ${theirs.digests[0].key}`]);
        expect(result.accounts).to.deep.equal([ACCOUNT, member]);
        expect(result.failures.map(keyOf)).to.deep.equal([...mine.invalid, ...member1.invalid].map(keyOf));
        expect(result.digests.valid).to.equal(mine.validDigests.length + member1.validDigests.length);
        expect(result.logs.valid).to.equal(mine.validLogs.length + member1.validLogs.length);
      } finally {
        motoS3.destroy();
      }
    });
  });
});
