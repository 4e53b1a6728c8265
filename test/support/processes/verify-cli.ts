// `npm run verify` as a user runs it: a child process with the standard AWS environment pointing
// at the local servers (per service, or one AWS_ENDPOINT_URL for all, as for moto) and dummy
// credentials, its stdout and stderr kept apart.
import { resolve } from "node:path";
import { runChild, type CliRun } from "./run-child";
import { DUMMY_CREDENTIALS } from "../servers/s3-server";

export type { CliRun };

const root = resolve(__dirname, "../../..");

export interface CliEndpoints {
  s3?: string;
  /** S3 Control (posture's account-level Block Public Access): the project's S3 server answers it too. */
  s3Control?: string;
  cloudTrail?: string;
  athena?: string;
  /** AWS_ENDPOINT_URL: every service at one endpoint. */
  all?: string;
}

export interface CliOptions {
  /** Laid over the standard environment (e.g. another PATH, a NODE_OPTIONS preload). */
  env?: NodeJS.ProcessEnv;
  /** Called with each chunk of stderr as it arrives (progress lines), e.g. to deliver a late log. */
  onStderr?: (text: string) => void;
  /**
   * The module run instead of verify/cli.ts (a test double that wraps the command).
   * @default verify/cli.ts
   */
  entry?: string;
}

/** Async spawn: the local servers answer from the test's own process, so it must not block. */
export function runVerifyCli(args: string[], endpoints: CliEndpoints, viaNpm = false, options: CliOptions = {}): Promise<CliRun> {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    AWS_REGION: "us-east-1",
    AWS_ACCESS_KEY_ID: DUMMY_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: DUMMY_CREDENTIALS.secretAccessKey,
    ...(endpoints.all ? { AWS_ENDPOINT_URL: endpoints.all } : {}),
    ...(endpoints.s3 ? { AWS_ENDPOINT_URL_S3: endpoints.s3 } : {}),
    ...(endpoints.s3Control ? { AWS_ENDPOINT_URL_S3_CONTROL: endpoints.s3Control } : {}),
    ...(endpoints.cloudTrail ? { AWS_ENDPOINT_URL_CLOUDTRAIL: endpoints.cloudTrail } : {}),
    ...(endpoints.athena ? { AWS_ENDPOINT_URL_ATHENA: endpoints.athena } : {}),
    AWS_EC2_METADATA_DISABLED: "true",
    AWS_CONFIG_FILE: "/dev/null",
    AWS_SHARED_CREDENTIALS_FILE: "/dev/null",
    ...options.env,
  };
  const [command, argv] = viaNpm
    ? ["npm", ["run", "-s", "verify", "--", ...args]]
    : options.entry
      ? [process.execPath, ["-r", "ts-node/register/transpile-only", options.entry, ...args]]
      : // The launcher, as `trail-lab verify` runs: the built JavaScript, built again first if a source changed.
        [process.execPath, ["bin/trail-lab.js", "verify", ...args]];
  return runChild(command, argv, { cwd: root, env, onStderr: options.onStderr });
}
