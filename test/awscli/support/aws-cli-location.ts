// Where the pinned AWS CLI v1 is (TRAIL_LAB_AWSCLI, else the cache .ci/awscli.sh fills), for the
// differential suite (aws-cli.ts) and the bench's integrity row, which runs from the build: so this
// file stands on common/ and automation/ only, never on mocha or test/support.
import * as fs from "node:fs";
import * as path from "node:path";
import { cacheDir } from "../../../common/cache-dir";
import { isExecutableFile } from "../../../common/executable";
import { TOOL_ROOT } from "../../../common/provenance";
import { findOnPath } from "../../../automation/aws/preflight";

/** Resolved from the tool's root, so that the bench built into build/ finds it too. */
export const AWSCLI_REQUIREMENTS = path.join(TOOL_ROOT, "test", "awscli", "requirements.txt");

export function pinnedAwsCliVersion(requirements = AWSCLI_REQUIREMENTS): string {
  const pin = /^awscli==([0-9][0-9A-Za-z.]*)$/m.exec(fs.readFileSync(requirements, "utf8"));
  if (!pin) throw new Error(`${requirements} pins no awscli==<version>`);
  return pin[1];
}

export type AwsCliLocation = { found: true; aws: string } | { found: false; reason: string };

/** `aws` from TRAIL_LAB_AWSCLI, else the pinned version in the cache .ci/awscli.sh fills; never from PATH (whoever's version that is). */
export function locateAwsCli(env: NodeJS.ProcessEnv = process.env): AwsCliLocation {
  const install = "install it with: bash .ci/awscli.sh";
  if (env.TRAIL_LAB_AWSCLI) {
    return isExecutableFile(env.TRAIL_LAB_AWSCLI)
      ? { found: true, aws: env.TRAIL_LAB_AWSCLI }
      : { found: false, reason: `TRAIL_LAB_AWSCLI=${env.TRAIL_LAB_AWSCLI} is not an executable file; ${install}` };
  }
  const cached = path.join(cacheDir("awscli", pinnedAwsCliVersion(), env), "bin", "aws");
  if (isExecutableFile(cached)) return { found: true, aws: cached };
  const python = findOnPath("python3", env) ? "" : " (and there is no python3 to install it with)";
  return { found: false, reason: `no aws at ${cached} and TRAIL_LAB_AWSCLI is not set${python}; ${install}` };
}
