// Posture's OCSF findings validated by the real OCSF models, py-ocsf-models (the models Prowler
// emits its own OCSF with), in the venv .ci/ocsf.sh installs: every finding of a real posture
// check (the lab's default stack on the project's servers, S3 Control refused so that a control is
// n/a too) and of the lab's own record (failures accepted on purpose) is a Compliance Finding the
// models accept, field for field (test/verify/posture/ocsf/validate.py), in the OCSF version the
// models know. Without the venv the suite is not registered and one line says why; with
// TRAIL_LAB_REQUIRE_OCSF=1 (CI) a missing venv fails it instead.
import { execFile } from "node:child_process";
import * as path from "node:path";
import { expect } from "chai";
import { locatePinnedTool, type PinnedTool } from "../../support/tools/pinned-tool";
import { checkPosture, type PostureReport } from "../../../verify";
import { postureFindings, type FindingsContext } from "../../../verify/posture/exports/findings";
import { OCSF_VERSION, ocsfFindings } from "../../../verify/posture/exports/ocsf";
import { labEvidence } from "../../support/fixtures/lab-evidence";
import { ACCOUNT } from "../../support/pulumi-program";
import { startCloudTrailServer, type LocalCloudTrail } from "../../support/servers/cloudtrail-server";
import { startS3Server, type LocalS3 } from "../../support/servers/s3-server";
import { deployWorld, type DeployedWorld } from "../../support/worlds/deployed-world";

const OCSF_DIR = path.join(__dirname, "ocsf");
const VALIDATOR = path.join(OCSF_DIR, "validate.py");

/** py-ocsf-models' venv: its python, from TRAIL_LAB_OCSF, else the pinned version in the cache .ci/ocsf.sh fills. */
const OCSF_MODELS: PinnedTool = {
  name: "ocsf",
  pin: "py-ocsf-models",
  requirements: path.join(OCSF_DIR, "requirements.txt"),
  executable: "python",
  variable: "TRAIL_LAB_OCSF",
};

interface Validation {
  ocsf_version: string;
  problems: [number, string][];
}

function validate(python: string, findings: unknown[]): Promise<Validation> {
  return new Promise((resolve, reject) => {
    const child = execFile(python, [VALIDATOR], { timeout: 60_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${VALIDATOR} failed: ${error.message}\n${stderr}`));
      else resolve(JSON.parse(stdout) as Validation);
    });
    child.stdin!.end(JSON.stringify(findings));
  });
}

const context: FindingsContext = {
  time: "2026-11-25T21:25:17.000Z",
  account: ACCOUNT,
  region: "us-east-1",
  product: { name: "trail-lab", version: "0.1.0" },
};

const location = locatePinnedTool(OCSF_MODELS);
const required = process.env.TRAIL_LAB_REQUIRE_OCSF === "1";
if (!location.found && !required) {
  process.stdout.write(`OCSF models suite not run: ${location.reason} (TRAIL_LAB_REQUIRE_OCSF=1 makes this a failure)\n`);
} else {
  describe("verify: posture's OCSF findings, validated by py-ocsf-models", function () {
    this.timeout(120_000);
    let python: string;
    let s3: LocalS3;
    let ct: LocalCloudTrail;
    let world: DeployedWorld;
    let checked: PostureReport;

    before(async () => {
      if (!location.found) throw new Error(`py-ocsf-models is required here (TRAIL_LAB_REQUIRE_OCSF=1) but ${location.reason}`);
      python = location.path;
      s3 = await startS3Server();
      ct = await startCloudTrailServer();
      world = await deployWorld(s3, ct);
      s3.accountConfig(ACCOUNT).denied = true;
      checked = await checkPosture({
        trail: world.trail.name,
        region: "us-east-1",
        clients: { s3: s3.client, cloudTrail: ct.client(), s3Control: s3.controlClient },
      });
    });
    after(async () => {
      await s3?.close();
      await ct?.close();
    });

    it("every verdict of a real check (pass, fail, an accepted failure, n/a) is a Compliance Finding the models accept, in the models' OCSF version", async () => {
      const findings = ocsfFindings(postureFindings(checked), context);
      const statuses = new Set(findings.map((f) => f.status_code));
      expect([...statuses].sort()).to.deep.equal(["FAIL", "MANUAL", "PASS"]);
      expect(findings.some((f) => f.status === "Suppressed")).to.equal(true);
      const result = await validate(python, findings);
      expect(result.problems).to.deep.equal([]);
      expect(result.ocsf_version).to.equal(OCSF_VERSION);
      for (const f of findings) expect(f.metadata.version).to.equal(result.ocsf_version);
    });

    it("so is every finding of the lab's record, its unpaid controls accepted with their reason and setting", async () => {
      const posture = labEvidence().posture as PostureReport;
      const accepted = new Map([
        ["CloudTrail.2", { reason: "A KMS key costs USD 1 a month.", setting: "trail-lab:kmsEncryption", file: "Pulumi.dev.yaml" }],
      ]);
      const findings = ocsfFindings(postureFindings(posture, accepted), context);
      expect(findings.find((f) => f.compliance.control === "CloudTrail.2")!.status).to.equal("Suppressed");
      expect((await validate(python, findings)).problems).to.deep.equal([]);
    });

    it("the models refuse what OCSF does not allow: a wrong enum, a missing required object, a field no object has, a caption not the id's", async () => {
      const good = ocsfFindings(postureFindings(checked), context)[0] as unknown as Record<string, any>;
      const tampered = (tamper: (f: Record<string, any>) => void) => {
        const f = structuredClone(good);
        tamper(f);
        return f;
      };
      const { problems } = await validate(python, [
        good,
        tampered((f) => (f.severity_id = 7)),
        tampered((f) => delete f.finding_info),
        tampered((f) => (f.finding_info.analytic.rule = "CloudTrail.1")),
        tampered((f) => (f.compliance.status = f.compliance.status === "Pass" ? "Fail" : "Pass")),
        tampered((f) => (f.metadata.profiles = [])),
        tampered((f) => (f.resources = "arn:aws:s3:::bucket")),
      ]);
      expect(problems.map(([i]) => i)).to.deep.equal([1, 2, 3, 4, 5, 6]);
      expect(problems[0][1]).to.match(/^severity_id: /);
      expect(problems[1][1]).to.equal("finding_info: Field required");
      expect(problems[2][1]).to.equal("finding.finding_info.analytic.rule is not a field of Analytic");
      expect(problems[3][1]).to.match(/^finding\.compliance\.status is '(Pass|Fail)', not the caption of status_id/);
      expect(problems[4][1]).to.equal("finding.cloud is there but metadata.profiles does not name the cloud profile");
      expect(problems[5][1]).to.match(/^resources: /);
    });
  });
}
