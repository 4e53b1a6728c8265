// The real AWS CLI v1 (PyPI awscli, pinned in ../requirements.txt, installed by .ci/awscli.sh)
// as a second opinion on `--integrity`: found where .ci/awscli.sh puts it, run as
// `aws cloudtrail validate-logs` against the test's own servers, and its answer read back. The
// CLI checks one region (and one account) per run: `--region` picks the digest folder, and
// `--endpoint-url` the CloudTrail that answers DescribeTrails and ListPublicKeys; S3 is reached
// through AWS_ENDPOINT_URL_S3 with path-style addressing (a config file says so), Organizations
// (an organization trail's id) through AWS_ENDPOINT_URL_ORGANIZATIONS.
// Without the CLI the suites are not registered and one line says why; with
// TRAIL_LAB_REQUIRE_AWSCLI=1 (CI) a missing CLI fails them instead.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { locateAwsCli } from "./aws-cli-location";
export { AWSCLI_REQUIREMENTS, locateAwsCli, pinnedAwsCliVersion, type AwsCliLocation } from "./aws-cli-location";
import { runChild } from "../../support/processes/run-child";
import { DUMMY_CREDENTIALS } from "../../support/servers/s3-server";

let notRunReported = false;

/** A mocha suite that needs the AWS CLI: skipped with one line without it, failed without it under TRAIL_LAB_REQUIRE_AWSCLI=1. */
export function describeAwsCli(title: string, body: (aws: () => string) => void): void {
  const location = locateAwsCli();
  const required = process.env.TRAIL_LAB_REQUIRE_AWSCLI === "1";
  if (!location.found && !required) {
    if (!notRunReported)
      process.stdout.write(`awscli suite not run: ${location.reason} (TRAIL_LAB_REQUIRE_AWSCLI=1 makes this a failure)\n`);
    notRunReported = true;
    return;
  }
  describe(title, function () {
    // Each CLI run pays about a second of Python start-up, more on a loaded machine.
    this.timeout(180_000);
    before(function () {
      if (!location.found) throw new Error(`the AWS CLI is required here (TRAIL_LAB_REQUIRE_AWSCLI=1) but ${location.reason}`);
    });
    body(() => {
      if (!location.found) throw new Error(location.reason);
      return location.aws;
    });
  });
}

export interface ValidateLogsRun {
  trailArn: string;
  since: Date;
  until: Date;
  region: string;
  /** The CloudTrail the CLI asks (DescribeTrails, ListPublicKeys). */
  cloudTrail: string;
  s3: string;
  /** Organizations (DescribeOrganization), for an organization trail. */
  organizations?: string;
  /** --account-id: an organization trail's member account. */
  account?: string;
}

export interface ValidateLogsAnswer {
  code: number | null;
  /** Keys (not s3:// URLs) by kind, as the CLI's verbose lines name them. */
  validDigests: string[];
  validLogs: string[];
  invalid: { kind: "digest" | "log"; key: string; reason: string }[];
  /** "No log files were delivered by CloudTrail between ..." lines: chain restarts. */
  gaps: string[];
  /** "No digests found": nothing in the range. */
  noDigests: boolean;
  stdout: string;
  stderr: string;
}

const LINE = /^(?:\(backfill\) )?(Digest|Log) file\ts3:\/\/[^/]+\/(\S+)\t(valid|INVALID: (.*))$/;

export function parseValidateLogs(code: number | null, stdout: string, stderr: string): ValidateLogsAnswer {
  const answer: ValidateLogsAnswer = { code, validDigests: [], validLogs: [], invalid: [], gaps: [], noDigests: false, stdout, stderr };
  for (const line of `${stdout}\n${stderr}`.split("\n")) {
    const m = LINE.exec(line);
    if (m) {
      const [, kind, key, status, reason] = m;
      if (status === "valid") (kind === "Digest" ? answer.validDigests : answer.validLogs).push(key);
      else answer.invalid.push({ kind: kind === "Digest" ? "digest" : "log", key, reason });
    } else if (/^(?:\(backfill\) )?No log files were delivered by CloudTrail between/.test(line)) answer.gaps.push(line);
    else if (line === "No digests found") answer.noDigests = true;
  }
  return answer;
}

/** Path-style S3, as the local servers and moto serve it: the CLI reads this from its config file. */
function configFile(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "trail-lab-awscli-"));
  const file = path.join(dir, "config");
  fs.writeFileSync(file, "[default]\ns3 =\n  addressing_style = path\n");
  return file;
}

let config: string | null = null;

const seconds = (at: Date) => at.toISOString().replace(/\.\d{3}Z$/, "Z");

export async function validateLogs(aws: string, run: ValidateLogsRun): Promise<ValidateLogsAnswer> {
  config ??= configFile();
  const args = [
    "cloudtrail",
    "validate-logs",
    "--trail-arn",
    run.trailArn,
    "--start-time",
    seconds(run.since),
    "--end-time",
    seconds(run.until),
    "--region",
    run.region,
    "--endpoint-url",
    run.cloudTrail,
    "--verbose",
    ...(run.account ? ["--account-id", run.account] : []),
  ];
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: path.dirname(config),
    // The local S3 (s3rver) knows these; moto takes any.
    AWS_ACCESS_KEY_ID: DUMMY_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: DUMMY_CREDENTIALS.secretAccessKey,
    AWS_ENDPOINT_URL_S3: run.s3,
    ...(run.organizations ? { AWS_ENDPOINT_URL_ORGANIZATIONS: run.organizations } : {}),
    AWS_CONFIG_FILE: config,
    AWS_SHARED_CREDENTIALS_FILE: "/dev/null",
    AWS_EC2_METADATA_DISABLED: "true",
    AWS_MAX_ATTEMPTS: "1",
  };
  const { code, stdout, stderr } = await runChild(aws, args, { cwd: path.dirname(config), env });
  return parseValidateLogs(code, stdout, stderr);
}
