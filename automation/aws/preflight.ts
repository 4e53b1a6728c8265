// Preflight: everything the lab can check before it creates anything, each failure a named error
// with exit code 2: the Pulumi CLI, AWS credentials, somewhere to launch the probe, a free trail name.
import * as path from "node:path";
import { DescribeTrailsCommand, ListTagsCommand, type CloudTrailClient } from "@aws-sdk/client-cloudtrail";
import { DescribeVpcsCommand } from "@aws-sdk/client-ec2";
import { GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import type { LabClients } from "./aws-clients";
import { awsErrorCode } from "../../common/aws-error-code";
import { AwsCallError, TrailLabError } from "../../common/errors";
import { isExecutableFile } from "../../common/executable";
import { MissingToolError, NoCredentialsError, NoDefaultVpcError, PULUMI_INSTALL_HINT, TrailConflictError } from "../errors";
import { STACK_TAG } from "./stack-tag";

/** The executable's full path when `tool` is on PATH, else null. No process is started. */
export function findOnPath(tool: string, env: NodeJS.ProcessEnv): string | null {
  for (const dir of (env.PATH ?? "").split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, tool);
    if (isExecutableFile(candidate)) return candidate;
  }
  return null;
}

export function checkPulumiCli(env: NodeJS.ProcessEnv): string {
  const found = findOnPath("pulumi", env);
  if (!found) throw new MissingToolError("pulumi", PULUMI_INSTALL_HINT);
  return found;
}

export interface Identity {
  account: string;
  arn: string;
}

// Codes with which STS says the credentials themselves are wrong, not the call.
const CREDENTIAL_CODES = new Set([
  "CredentialsProviderError",
  "InvalidClientTokenId",
  "ExpiredToken",
  "ExpiredTokenException",
  "SignatureDoesNotMatch",
  "UnrecognizedClientException",
  "InvalidAccessKeyId",
  "TokenRefreshRequired",
]);

export async function checkCredentials(clients: Pick<LabClients, "sts">): Promise<Identity> {
  try {
    const id = await clients.sts.send(new GetCallerIdentityCommand({}));
    return { account: id.Account ?? "", arn: id.Arn ?? "" };
  } catch (error) {
    // Named already: a credential_process past its deadline, or a signal while waiting for it.
    if (error instanceof TrailLabError) throw error;
    const code = awsErrorCode(error);
    if (CREDENTIAL_CODES.has(code)) {
      const message = error instanceof Error ? error.message.split("\n")[0] : code;
      throw new NoCredentialsError(`${code}: ${message}`);
    }
    throw AwsCallError.of("sts:GetCallerIdentity", error);
  }
}

/** With no subnetId configured, the probe launches in the default VPC, so the region needs one. */
export async function checkDefaultVpc(clients: Pick<LabClients, "ec2">, region: string, subnetId: string | undefined): Promise<void> {
  if (subnetId) return;
  let vpcs;
  try {
    vpcs = await clients.ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: "isDefault", Values: ["true"] }] }));
  } catch (error) {
    throw AwsCallError.of("ec2:DescribeVpcs", error);
  }
  if (!vpcs.Vpcs?.some((v) => v.IsDefault)) throw new NoDefaultVpcError(region);
}

/**
 * Trail names are unique per region, and a multi-region trail holds its name in every region,
 * so shadow trails count too. `cloudTrailIn` reaches a trail's home region, where its tags are.
 */
export async function checkTrailNameFree(
  clients: Pick<LabClients, "cloudtrail">,
  trailName: string,
  region: string,
  cloudTrailIn?: (region: string) => CloudTrailClient,
): Promise<void> {
  let trails;
  try {
    trails = await clients.cloudtrail.send(new DescribeTrailsCommand({ includeShadowTrails: true }));
  } catch (error) {
    throw AwsCallError.of("cloudtrail:DescribeTrails", error);
  }
  const existing = trails.trailList?.find((t) => t.Name === trailName);
  if (!existing) return;
  const arn = existing.TrailARN ?? trailName;
  let labStack: string | null = null;
  // ListTags answers for the trails of the region it is sent to: a shadow trail's tags are only
  // seen in its home region. A refusal only costs the hint.
  const home = existing.HomeRegion && existing.HomeRegion !== region && cloudTrailIn ? cloudTrailIn(existing.HomeRegion) : null;
  try {
    const tags = await (home ?? clients.cloudtrail).send(new ListTagsCommand({ ResourceIdList: [arn] }));
    labStack = tags.ResourceTagList?.[0]?.TagsList?.find((t) => t.Key === STACK_TAG)?.Value ?? null;
  } catch {
    labStack = null;
  } finally {
    home?.destroy();
  }
  throw new TrailConflictError(
    { name: trailName, arn, homeRegion: existing.HomeRegion ?? null, multiRegion: existing.IsMultiRegionTrail ?? false, labStack },
    region,
  );
}
