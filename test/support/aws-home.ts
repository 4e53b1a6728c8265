// A user's AWS set-up as `aws configure` leaves it, in a temporary HOME: ~/.aws/config with a
// default region and named profiles, ~/.aws/credentials with a key pair per profile; or the same
// two files elsewhere, named by AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE. Each profile's
// access key belongs to its own account, which the local STS and CloudTrail answer with.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { callerIdentity, type AwsReply, type Signer } from "./servers/aws-query-json-server";

/** Access key → account: who each key is, as IAM would say. */
export const KEYS = {
  default: { accessKeyId: "AKIAIOSFODNN7DEFAULT", secretAccessKey: "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", account: "111111111111" },
  lab: { accessKeyId: "AKIAIOSFODNN7LABLAB1", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYLABKEYLAB1", account: "222222222222" },
  ci: { accessKeyId: "AKIAIOSFODNN7CIENV01", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYCIKEYENV01", account: "333333333333" },
} as const;

export function accountOf(signer: Signer | undefined): string {
  const found = Object.values(KEYS).find((k) => k.accessKeyId === signer?.accessKeyId);
  return found?.account ?? "000000000000";
}

/** GetCallerIdentity as STS answers each key. */
export function identityPerKey(_params: Record<string, string>, signer?: Signer): AwsReply {
  const account = accountOf(signer);
  return callerIdentity(account, `arn:aws:iam::${account}:user/${signer?.accessKeyId === KEYS.lab.accessKeyId ? "lab" : "dev"}`);
}

export const CONFIG = `[default]
region = eu-west-1
output = json

[profile lab]
region = ap-southeast-2
output = json

[profile noregion]
output = text
`;

export const CREDENTIALS = `[default]
aws_access_key_id = ${KEYS.default.accessKeyId}
aws_secret_access_key = ${KEYS.default.secretAccessKey}

[lab]
aws_access_key_id = ${KEYS.lab.accessKeyId}
aws_secret_access_key = ${KEYS.lab.secretAccessKey}

[noregion]
aws_access_key_id = ${KEYS.lab.accessKeyId}
aws_secret_access_key = ${KEYS.lab.secretAccessKey}
`;

export interface AwsHome {
  dir: string;
  /** HOME, or the two file variables; no AWS_* credential or region variable. */
  env: NodeJS.ProcessEnv;
  close(): void;
}

/** The files under HOME/.aws (`where: "home"`), or at the paths the two variables name. */
export function makeAwsHome(where: "home" | "variables", files: { config?: string; credentials?: string } = {}): AwsHome {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "trail-lab-aws-home-"));
  const awsDir = where === "home" ? path.join(dir, ".aws") : path.join(dir, "elsewhere");
  fs.mkdirSync(awsDir, { recursive: true });
  const config = path.join(awsDir, where === "home" ? "config" : "aws-config.ini");
  const credentials = path.join(awsDir, where === "home" ? "credentials" : "aws-credentials.ini");
  fs.writeFileSync(config, files.config ?? CONFIG);
  fs.writeFileSync(credentials, files.credentials ?? CREDENTIALS, { mode: 0o600 });
  const env: NodeJS.ProcessEnv = { HOME: dir };
  if (where === "variables") Object.assign(env, { AWS_CONFIG_FILE: config, AWS_SHARED_CREDENTIALS_FILE: credentials });
  return { dir, env, close: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** AWS_* variables that would decide region or identity, unset for a child (undefined is left out of its env). */
export const NO_AWS_VARIABLES: NodeJS.ProcessEnv = {
  AWS_REGION: undefined,
  AWS_DEFAULT_REGION: undefined,
  AWS_PROFILE: undefined,
  AWS_ACCESS_KEY_ID: undefined,
  AWS_SECRET_ACCESS_KEY: undefined,
  AWS_SESSION_TOKEN: undefined,
  AWS_CONFIG_FILE: undefined,
  AWS_SHARED_CREDENTIALS_FILE: undefined,
};
