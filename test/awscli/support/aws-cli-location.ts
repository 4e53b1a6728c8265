// Where the pinned AWS CLI v1 is (TRAIL_LAB_AWSCLI, else the cache .ci/awscli.sh fills), for the
// differential suite (aws-cli.ts) and the bench's integrity row, which runs from the build: so this
// file stands on common/ and test/support/tools only, never on mocha or the rest of test/support.
import * as path from "node:path";
import { TOOL_ROOT } from "../../../common/provenance";
import { locatePinnedTool, pinnedVersion, type PinnedTool } from "../../support/tools/pinned-tool";

/** Resolved from the tool's root, so that the bench built into build/ finds it too. */
export const AWSCLI_REQUIREMENTS = path.join(TOOL_ROOT, "test", "awscli", "requirements.txt");

const AWSCLI: PinnedTool = {
  name: "awscli",
  pin: "awscli",
  requirements: AWSCLI_REQUIREMENTS,
  executable: "aws",
  variable: "TRAIL_LAB_AWSCLI",
};

export function pinnedAwsCliVersion(requirements = AWSCLI_REQUIREMENTS): string {
  return pinnedVersion({ ...AWSCLI, requirements });
}

export type AwsCliLocation = { found: true; aws: string } | { found: false; reason: string };

/** `aws` from TRAIL_LAB_AWSCLI, else the pinned version in the cache .ci/awscli.sh fills; never from PATH (whoever's version that is). */
export function locateAwsCli(env: NodeJS.ProcessEnv = process.env): AwsCliLocation {
  const at = locatePinnedTool(AWSCLI, env);
  return at.found ? { found: true, aws: at.path } : at;
}
