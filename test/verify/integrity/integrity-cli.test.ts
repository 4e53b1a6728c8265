// `npm run verify -- --integrity` as a child process against local S3 and CloudTrail: the
// summary, --json, and the exit codes.
import { DeleteObjectCommand } from "@aws-sdk/client-s3";
import { expect } from "chai";
import { startCloudTrailServer, trailArn, type LocalCloudTrail } from "../../support/servers/cloudtrail-server";
import { FixtureFactory } from "../../support/fixtures/cloudtrail-fixtures";
import { iamUser, trailCall } from "../../support/fixtures/trail-lifecycle";
import { buildIntegrityWorld, SINCE, UNTIL, type IntegrityWorld } from "../../support/worlds/integrity-world";
import { startS3Server, type LocalS3 } from "../../support/servers/s3-server";
import { listedKey, newSigningKey } from "../../support/fixtures/signed-digests";
import { runVerifyCli } from "../../support/processes/verify-cli";

describe("verify: npm run verify -- --integrity", () => {
  let s3: LocalS3;
  let ct: LocalCloudTrail;
  let intact: IntegrityWorld;
  let tampered: IntegrityWorld;
  let deletedLog: string;
  let oldestGone: IntegrityWorld;
  let stopped: IntegrityWorld;
  const mallory = iamUser("123456789012", "mallory");

  before(async () => {
    s3 = await startS3Server();
    ct = await startCloudTrailServer();
    const keys = { east: newSigningKey(), west: newSigningKey() };
    // One endpoint answers for every region here, so it lists both regions' keys.
    for (const key of [keys.east, keys.west])
      ct.state.publicKeys.push(listedKey(key, new Date("2025-01-01T00:00:00Z"), new Date("2025-06-01T00:00:00Z")));
    intact = await buildIntegrityWorld(s3, ct, keys);
    tampered = await buildIntegrityWorld(s3, ct, keys);
    deletedLog = (tampered.west[0].content.logFiles as { s3Object: string }[])[1].s3Object;
    await s3.client.send(new DeleteObjectCommand({ Bucket: tampered.bucket, Key: deletedLog }));
    oldestGone = await buildIntegrityWorld(s3, ct, keys);
    await s3.client.send(new DeleteObjectCommand({ Bucket: oldestGone.bucket, Key: oldestGone.east[0].key }));
    stopped = await buildIntegrityWorld(s3, ct, keys, { digest: (i) => (i === 1 ? { restart: true } : {}) });
    const f = new FixtureFactory("123456789012", 21);
    const trail = { name: stopped.trail.name, arn: trailArn(stopped.trail) };
    ct.state.events.push(
      trailCall(f, "StopLogging", "us-east-1", new Date("2025-03-01T10:52:13Z"), trail, mallory),
      trailCall(f, "StartLogging", "us-east-1", new Date("2025-03-01T10:58:41Z"), trail, mallory),
    );
  });
  after(async () => {
    await s3.close();
    await ct.close();
  });

  const run = (args: string[], viaNpm = false) => runVerifyCli(args, { s3: s3.endpoint, cloudTrail: ct.endpoint }, viaNpm);
  const range = ["--since", SINCE.toISOString(), "--until", UNTIL.toISOString()];

  it("prints exactly one JSON object and exits 0 when every digest and log is valid (npm run -s verify -- ... --json)", async () => {
    const { code, stdout, stderr } = await run(["--trail", intact.trail.name, "--integrity", ...range, "--json"], true);
    expect(code, stderr).to.equal(0);
    const result = JSON.parse(stdout);
    expect(Object.keys(result)).to.deep.equal([
      "valid",
      "trail",
      "range",
      "covered",
      "regions",
      "accounts",
      "digests",
      "logs",
      "failures",
      "unchecked",
      "gaps",
      "reason",
    ]);
    expect(result).to.deep.include({
      valid: true,
      digests: { valid: 5, total: 5 },
      logs: { valid: 10, total: 10 },
      failures: [],
      gaps: [],
      reason: null,
    });
    expect(stderr).to.match(/integrity: 5 digest file\(s\) of trail audit-trail-\d+ overlap/);
  });

  it("prints the AWS CLI's summary shape without --json", async () => {
    const { code, stdout } = await run(["--trail", intact.trail.name, "--integrity", ...range]);
    expect(code).to.equal(0);
    expect(stdout).to.match(/^VALID: trail arn:aws:cloudtrail:us-east-1:123456789012:trail\/audit-trail-\d+/);
    expect(stdout).to.include("5/5 digest files valid\n10/10 log files valid\n");
  });

  it("exits 1 and names the failure when a listed log is missing", async () => {
    const json = await run(["--trail", tampered.trail.name, "--integrity", ...range, "--json"]);
    expect(json.code).to.equal(1);
    const result = JSON.parse(json.stdout);
    expect(result).to.deep.include({ valid: false, logs: { valid: 9, total: 10 }, reason: null });
    expect(result.failures).to.deep.equal([
      { kind: "log", bucket: tampered.bucket, key: deletedLog, reason: "not found", listedIn: tampered.west[0].key },
    ]);

    const human = await run(["--trail", tampered.trail.name, "--integrity", ...range]);
    expect(human.code).to.equal(1);
    expect(human.stdout)
      .to.include("9/10 log files valid, 1/10 log files INVALID")
      .and.include(`Log file s3://${tampered.bucket}/${deletedLog} INVALID: not found`);
  });

  it("exits 1 naming the digest deleted at the start of the range, where its successor names it", async () => {
    const { code, stdout } = await run(["--trail", oldestGone.trail.name, "--integrity", ...range, "--json"]);
    expect(code).to.equal(1);
    const result = JSON.parse(stdout);
    expect(result).to.deep.include({ valid: false, digests: { valid: 4, total: 5 } });
    expect(result.failures).to.deep.equal([
      { kind: "digest", bucket: oldestGone.bucket, key: oldestGone.east[0].key, reason: "not found", listedIn: oldestGone.east[1].key },
    ]);
    expect(result.gaps.map((g: { kind: string; region: string }) => [g.kind, g.region])).to.deep.equal([["missing", "us-east-1"]]);
  });

  it("says who stopped logging where a chain restarts, and exits 0: a restart alone is no tampering", async () => {
    const { code, stdout } = await run(["--trail", stopped.trail.name, "--integrity", ...range]);
    expect(code).to.equal(0);
    expect(stdout)
      .to.match(/^VALID: /)
      .and.include(
        `Gap (logging stopped) in us-east-1 from ${stopped.east[0].content.digestEndTime as string} to ${stopped.east[1].content.digestStartTime as string}: logging was stopped from 2025-03-01T10:52:13Z to 2025-03-01T10:58:41Z by ${mallory.arn} (the chain restarts at`,
      )
      .and.include(`  StartLogging at 2025-03-01T10:58:41Z by ${mallory.arn}`);
  });

  it("exits 1 with 'no digest in range' when no digest covers the range, never a silent pass", async () => {
    const { code, stdout, stderr } = await run([
      "--trail",
      intact.trail.name,
      "--integrity",
      "--since",
      "2025-02-10T00:00:00Z",
      "--until",
      "2025-02-10T03:00:00Z",
      "--json",
    ]);
    expect(code).to.equal(1);
    expect(JSON.parse(stdout)).to.deep.include({
      valid: false,
      covered: null,
      reason: "no digest in range",
      digests: { valid: 0, total: 0 },
    });
    expect(stderr).to.include("not valid: no digest in range");
  });

  it("exits 2 on bad usage, with nothing on stdout", async () => {
    for (const args of [["--until", "tomorrow"], ["--posture"], ["--since", "2025-03-02T00:00:00Z", "--until", "2025-03-01T00:00:00Z"]]) {
      const { code, stdout, stderr } = await run(["--trail", intact.trail.name, "--integrity", ...args]);
      expect(code, args.join(" ")).to.equal(2);
      expect(stdout).to.equal("");
      expect(stderr)
        .to.match(/^--(until|trail|integrity)/m)
        .and.not.match(/UsageError/);
    }
  });

  it("exits 3 when AWS refuses: no such bucket", async () => {
    const { code, stdout, stderr } = await run([
      "--trail",
      intact.trail.name,
      "--integrity",
      ...range,
      "--bucket",
      "no-such-bucket-here",
      "--json",
    ]);
    expect(code).to.equal(3);
    expect(stdout).to.equal("");
    expect(stderr)
      .to.match(/^ListObjectsV2 failed \(NoSuchBucket\)/m)
      .and.not.match(/AwsCallError/);
  });
});
