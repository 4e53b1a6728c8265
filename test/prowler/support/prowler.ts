// Prowler (PyPI, pinned in ../requirements.txt, installed by .ci/prowler.sh) run against a moto
// server as an auditor runs it (`prowler aws --checks ... -M json-ocsf`), and its findings read
// back; and, from Prowler's own compliance table for AWS Foundational Security Best Practices, the
// checks it runs for each Security Hub control id, so that the mapping is Prowler's, not ours.
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { PinnedTool } from "../../support/tools/pinned-tool";

export const PROWLER: PinnedTool = {
  name: "prowler",
  pin: "prowler",
  requirements: path.join(__dirname, "..", "requirements.txt"),
  executable: "prowler",
  variable: "TRAIL_LAB_PROWLER",
};

/** A run's deadline: Prowler starts in seconds here, and each check makes a few calls to moto. */
export const PROWLER_DEADLINE_MS = 150_000;

/** sitecustomize.py: S3 Control's <account>.127.0.0.1 resolved to moto's address. */
const SHIM = path.join(__dirname, "python");

export interface ProwlerFinding {
  /** The check's id, such as cloudtrail_log_file_validation_enabled (OCSF metadata.event_code). */
  check: string;
  status: "PASS" | "FAIL" | "MANUAL";
  detail: string;
  /** The resource's ARN (OCSF resources[0].uid). */
  resource: string;
}

/** Security Hub control id (CloudTrail.4) to the Prowler checks its FSBP table lists for it. */
export function prowlerFsbpChecks(prowler: string): Map<string, string[]> {
  const venv = path.dirname(path.dirname(prowler));
  const lib = path.join(venv, "lib");
  const python = fs.readdirSync(lib).find((d) => d.startsWith("python"));
  if (!python) throw new Error(`no lib/python* in ${venv}: is ${prowler} a venv's prowler?`);
  const table = path.join(
    lib,
    python,
    "site-packages",
    "prowler",
    "compliance",
    "aws",
    "aws_foundational_security_best_practices_aws.json",
  );
  const { Requirements } = JSON.parse(fs.readFileSync(table, "utf8")) as { Requirements: { Id: string; Checks: string[] }[] };
  return new Map(Requirements.map((r) => [r.Id, r.Checks]));
}

/**
 * Runs the checks in `region` against what `env` points at (AWS_ENDPOINT_URL and keys) and returns
 * every finding. A run past its deadline is killed and fails; so does one that wrote no findings.
 */
export async function runProwler(prowler: string, env: NodeJS.ProcessEnv, checks: string[], region: string): Promise<ProwlerFinding[]> {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "trail-lab-prowler-"));
  try {
    const args = ["aws", "--checks", ...checks, "--region", region, "-M", "json-ocsf", "-o", out, "-F", "findings"];
    await new Promise<void>((resolve, reject) => {
      // -z: exit 0 when checks fail (3 otherwise); -b: no banner.
      execFile(
        prowler,
        [...args, "-z", "-b", "--no-color", "--log-level", "ERROR"],
        { env: { ...env, PYTHONPATH: SHIM }, timeout: PROWLER_DEADLINE_MS, maxBuffer: 32 * 1024 * 1024 },
        (error, _stdout, stderr) =>
          error ? reject(new Error(`prowler ${args.join(" ")} failed: ${error.message}\n${stderr}`)) : resolve(),
      );
    });
    const file = path.join(out, "findings.ocsf.json");
    if (!fs.existsSync(file)) throw new Error(`prowler wrote no findings (${fs.readdirSync(out).join(", ") || "nothing"} in ${out})`);
    const raw = JSON.parse(fs.readFileSync(file, "utf8")) as {
      status_code: ProwlerFinding["status"];
      status_detail: string;
      metadata: { event_code: string };
      resources: { uid: string }[];
    }[];
    return raw.map((f) => ({
      check: f.metadata.event_code,
      status: f.status_code,
      detail: f.status_detail,
      resource: f.resources[0]?.uid ?? "",
    }));
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
}
