// Which AWS profile and region a command acts in, decided as the AWS CLI decides them: --profile,
// else AWS_PROFILE; --region, else AWS_REGION, else AWS_DEFAULT_REGION, else the profile's
// `region` in ~/.aws/config or ~/.aws/credentials (AWS_CONFIG_FILE, AWS_SHARED_CREDENTIALS_FILE).
// The files are read by the SDK's own loaders (@smithy/core/config), never parsed here, and the
// credentials come from the SDK's default chain given the profile, so that region and identity
// are the ones `aws sts get-caller-identity --profile <p>` would show. Each answer says where it
// came from, for the line a command prints before it acts.
//
// The SDK reads the files, HOME and the credential variables from the process environment;
// `env` chooses the variables this module reads itself (the region and profile variables, and
// the files' paths when it names them), so that a test's environment decides them.
// The SDK's loaders are imported when a command first asks, not when it starts (--help never does).
import * as path from "node:path";
import { credentialProvider } from "./credentials";
import { UsageError } from "./errors";
import { REGION_PATTERN } from "./flag-table";

export interface Chosen {
  value: string;
  /** Where the value came from, as a person reads it: "--region", "AWS_REGION", "profile lab". */
  source: string;
}

/**
 * The profile named by --profile, else AWS_PROFILE, else the caller's own default (the lab's
 * template may name one); null for the SDK's default chain (profile "default").
 */
export function chooseProfile(
  flag: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
  fallback: Chosen | null = null,
): Chosen | null {
  if (flag !== undefined) return { value: flag, source: "--profile" };
  if (env.AWS_PROFILE) return { value: env.AWS_PROFILE, source: "AWS_PROFILE" };
  return fallback;
}

/**
 * The shared files' paths as the SDK finds them (AWS_SHARED_CREDENTIALS_FILE, AWS_CONFIG_FILE,
 * else ~/.aws/ under HOME), taken from `env`; without HOME there, the SDK's own lookup.
 */
function fileInit(env: NodeJS.ProcessEnv): { filepath?: string; configFilepath?: string } {
  const under = (name: string) => (env.HOME ? path.join(env.HOME, ".aws", name) : undefined);
  const filepath = env.AWS_SHARED_CREDENTIALS_FILE || under("credentials");
  const configFilepath = env.AWS_CONFIG_FILE || under("config");
  return { ...(filepath ? { filepath } : {}), ...(configFilepath ? { configFilepath } : {}) };
}

/**
 * Fails when a profile that was named explicitly is in neither file, as the AWS CLI does
 * ("The config profile (x) could not be found"); otherwise the SDK's credential chain would fail
 * later with a message about credentials, not about the name.
 */
export async function checkProfileExists(profile: Chosen, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const { loadSharedConfigFiles } = await import("@smithy/core/config");
  const { configFile, credentialsFile } = await loadSharedConfigFiles({ ...fileInit(env), ignoreCache: true });
  if (profile.value in configFile || profile.value in credentialsFile) return;
  const config = env.AWS_CONFIG_FILE ?? "~/.aws/config";
  const credentials = env.AWS_SHARED_CREDENTIALS_FILE ?? "~/.aws/credentials";
  throw new UsageError(
    `The AWS profile '${profile.value}' (from ${profile.source}) is in neither ${config} nor ${credentials}. ` +
      `Create it with 'aws configure --profile ${profile.value}' (or 'aws configure sso'), or name another with --profile.`,
  );
}

/** Where a region can be given, for a message that found none. */
export const REGION_HINT =
  "pass --region, set AWS_REGION (or AWS_DEFAULT_REGION), or give the AWS profile a region " +
  "('aws configure set region <region>', with --profile <name> for a named profile)";

/** Fails on a region that is not shaped like one, wherever it came from. */
export function checkRegionName(region: Chosen): Chosen {
  if (!REGION_PATTERN.test(region.value)) {
    throw new UsageError(`The region '${region.value}' (from ${region.source}) does not look like an AWS region (such as us-east-1).`);
  }
  return region;
}

/**
 * The region as the AWS CLI picks it; null when none of its sources names one. The instance
 * metadata service, the SDK's last resort, is not asked: the tool runs from a workstation, and a
 * region that silently depends on where it runs is what this order avoids.
 */
export async function chooseRegion(
  flag: string | undefined,
  profile: Chosen | null,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Chosen | null> {
  if (flag !== undefined) return checkRegionName({ value: flag, source: "--region" });
  const { NODE_REGION_CONFIG_FILE_OPTIONS, NODE_REGION_CONFIG_OPTIONS, loadConfig } = await import("@smithy/core/config");
  const fromEnv = NODE_REGION_CONFIG_OPTIONS.environmentVariableSelector(env);
  if (fromEnv) return checkRegionName({ value: fromEnv, source: "AWS_REGION" });
  // The AWS CLI reads AWS_DEFAULT_REGION too; the JavaScript SDK does not.
  if (env.AWS_DEFAULT_REGION) return checkRegionName({ value: env.AWS_DEFAULT_REGION, source: "AWS_DEFAULT_REGION" });
  const name = profile?.value ?? "default";
  const fromFiles = loadConfig<string | undefined>(
    {
      // The variables were read above, from `env`; the files are the SDK's to read.
      environmentVariableSelector: () => undefined,
      configFileSelector: NODE_REGION_CONFIG_OPTIONS.configFileSelector,
      default: () => undefined,
    },
    { ...NODE_REGION_CONFIG_FILE_OPTIONS, ...fileInit(env), profile: name, ignoreCache: true },
  );
  const region = await fromFiles();
  return region ? checkRegionName({ value: region, source: `profile ${name}` }) : null;
}

/**
 * The credential provider of a profile (else AWS_PROFILE, else the default chain): the SDK's
 * default chain (fromIni, SSO, credential_process, assume-role) with a deadline and the command's
 * signal (common/credentials.ts), shared by every client of one command so that one SSO or
 * assume-role exchange serves them all.
 */
export function credentialsFor(profile: string | undefined): ReturnType<typeof credentialProvider> {
  return credentialProvider(profile);
}

/** Profile and region together, checked: what a command that calls AWS decides before its first call. */
export interface AwsTarget {
  profile: Chosen | null;
  region: Chosen | null;
}

export async function chooseAwsTarget(
  flags: { profile?: string; region?: string },
  env: NodeJS.ProcessEnv = process.env,
  fallbackProfile: Chosen | null = null,
): Promise<AwsTarget> {
  const profile = chooseProfile(flags.profile, env, fallbackProfile);
  if (profile) await checkProfileExists(profile, env);
  return { profile, region: await chooseRegion(flags.region, profile, env) };
}
