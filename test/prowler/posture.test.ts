// `npm run verify -- --posture` beside Prowler, the scanner auditors run, on the same moto world:
// for each control posture judged whose Security Hub id Prowler's own FSBP table maps to checks,
// Prowler runs those checks (its CLI, JSON-OCSF out) and the two verdicts on the same resource must
// agree, or disagree exactly as listed below, each with why and who is right. Worlds: the lab's
// stack as infra/ declares it (three configs) and a careless bucket and trail.
// Without Prowler the suite is not registered and one line says why; with
// TRAIL_LAB_REQUIRE_PROWLER=1 (CI) a missing Prowler fails it instead.
import { expect } from "chai";
import { checkPosture } from "../../verify";
import { deployToMoto } from "../moto/support/moto-deploy";
import { describeMoto, useAwsEnvironment, type MotoSuite } from "../moto/support/moto-suite";
import { motoClients } from "../moto/support/moto-world";
import { CARELESS, carelessInMoto } from "../moto/support/careless-world";
import { locatePinnedTool } from "../support/tools/pinned-tool";
import { PROWLER, prowlerFsbpChecks, runProwler } from "./support/prowler";
import { checksFor, sideBySide, type Side } from "./support/compare";

const REGION = "us-east-1";

/** A disagreement the comparison must find: the two verdicts, and why they differ. */
type Disagreement = Pick<Side, "posture" | "prowler"> & { why: string };

const CLOUDWATCH_DELIVERY: Disagreement = {
  posture: "pass",
  prowler: "FAIL",
  why:
    "Prowler also wants a delivery to CloudWatch Logs in the last 24 hours (GetTrailStatus' LatestCloudWatchLogsDeliveryTime, " +
    "CIS's audit step), and moto never delivers; Security Hub's CloudTrail.5 fails only a trail whose CloudWatchLogsLogGroupArn " +
    "is empty, as posture does. In an account the trail delivers within minutes and both pass.",
};
const PUBLIC_BY_POLICY: Disagreement = {
  posture: "fail",
  prowler: "PASS",
  why:
    "Prowler is wrong: its check reads only the bucket ACL's grants to AllUsers, and this bucket is public by its policy " +
    "(s3:GetObject to *; S3's own GetBucketPolicyStatus says IsPublic): anyone can read the logs.",
};
const TLS_ON_OBJECTS_ONLY: Disagreement = {
  posture: "fail",
  prowler: "PASS",
  why:
    "Prowler takes any Deny on aws:SecureTransport false; this one names the objects only (bucket/*), so requests on the bucket " +
    "(ListObjects: the log keys) still go over HTTP. Security Hub's S3.5 is AWS Config's s3-bucket-ssl-requests-only, whose " +
    "compliant policy denies on the bucket and its objects.",
};

/** The controls both judge on the trail and the account, then on each bucket. */
const TRAIL_AND_ACCOUNT = ["CloudTrail.1", "CloudTrail.2", "CloudTrail.4", "CloudTrail.5", "CloudTrail.6", "CloudTrail.7", "S3.1"];
const BUCKET = ["S3.5", "S3.8", "S3.9", "S3.12", "S3.14", "S3.20"];
const ONE_BUCKET = [...TRAIL_AND_ACCOUNT, ...BUCKET];
const LAB_STACK = [...TRAIL_AND_ACCOUNT, ...BUCKET.flatMap((id) => [id, `${id}@access-log`])];

interface Case {
  label: string;
  /** Builds the world in moto; returns the trail to judge. */
  world(moto: MotoSuite): Promise<string>;
  /** The controls both judged, in posture's order. */
  compared: string[];
  disagree: Record<string, Disagreement>;
}

const lab = (overrides: Record<string, string>) => async (moto: MotoSuite) =>
  (await deployToMoto(moto.server.endpoint, overrides)).trailName;

const CASES: Case[] = [
  { label: "the lab's stack, Pulumi.dev.yaml as it is", world: lab({}), compared: LAB_STACK, disagree: {} },
  {
    label: "the lab's stack with kmsEncryption and cloudWatchLogs on",
    world: lab({ kmsEncryption: "true", cloudWatchLogs: "true" }),
    compared: LAB_STACK,
    disagree: { "CloudTrail.5": CLOUDWATCH_DELIVERY },
  },
  { label: "the lab's stack with accessLogging off", world: lab({ accessLogging: "false" }), compared: ONE_BUCKET, disagree: {} },
  {
    label: "a careless bucket and trail",
    async world(moto) {
      const clients = motoClients(moto.server.endpoint, REGION);
      try {
        await carelessInMoto(clients.s3, clients.cloudTrail);
      } finally {
        clients.destroy();
      }
      return CARELESS.trail;
    },
    compared: ONE_BUCKET,
    disagree: { "CloudTrail.6": PUBLIC_BY_POLICY, "S3.5": TLS_ON_OBJECTS_ONLY },
  },
];

const location = locatePinnedTool(PROWLER);
const required = process.env.TRAIL_LAB_REQUIRE_PROWLER === "1";
if (!location.found && !required) {
  process.stdout.write(`Prowler suite not run: ${location.reason} (TRAIL_LAB_REQUIRE_PROWLER=1 makes this a failure)\n`);
} else {
  describeMoto("prowler: posture's verdicts beside Prowler's FSBP checks, on the same moto world", (moto) => {
    // Each Prowler run pays a few seconds of Python start-up and loads every provider's SDK.
    const ms = 180_000;
    let restore: () => void;
    before(function () {
      if (!location.found) throw new Error(`Prowler is required here (TRAIL_LAB_REQUIRE_PROWLER=1) but ${location.reason}`);
      restore = useAwsEnvironment(moto.env(REGION));
    });
    after(() => restore?.());
    beforeEach(() => moto.server.reset());

    for (const c of CASES) {
      const differs = Object.keys(c.disagree);
      it(`${c.label}: ${differs.length === 0 ? "the same verdict on every control" : `the same verdict but on ${differs.join(", ")}, each as explained`}`, async function () {
        this.timeout(ms);
        if (!location.found) throw new Error(location.reason);
        const trail = await c.world(moto);
        const report = await checkPosture({ trail });
        const fsbp = prowlerFsbpChecks(location.path);
        const findings = await runProwler(location.path, { ...process.env, ...moto.env(REGION) }, checksFor(report, fsbp), REGION);
        const rows = sideBySide(report, fsbp, findings);
        expect(Object.keys(rows), "the controls both judged").to.deep.equal(c.compared);
        for (const [key, row] of Object.entries(rows)) {
          const expected = c.disagree[key];
          const said = `${key}: posture ${row.posture}, Prowler ${row.prowler} (${row.said.join("; ")})`;
          if (expected)
            expect({ posture: row.posture, prowler: row.prowler }, `${said}; expected, as ${expected.why}`).to.deep.equal({
              posture: expected.posture,
              prowler: expected.prowler,
            });
          else expect(row.prowler, said).to.equal(row.posture.toUpperCase());
        }
      });
    }
  });
}
