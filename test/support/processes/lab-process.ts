// The lab as a process of its own (lab-child.ts), in a process group it leads as a shell's job
// does, against local AWS protocol servers: STS, EC2 and CloudTrail on the query/JSON server, the
// tagging API's lookups there too, and S3 on s3rver for the sweep's bucket listing. Whoever runs
// it puts a `pulumi` on PATH (the stand-in CLI, or the real one with the stand-in AWS plugin) and
// signals it as a terminal (the whole group), npm (the lab's pid again) or a supervisor (the pid).
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { callerIdentity, startAwsServer, vpcs, type AwsServer } from "../servers/aws-query-json-server";
import { runChild, type CliRun } from "./run-child";
import { DUMMY_CREDENTIALS, startS3Server, type LocalS3 } from "../servers/s3-server";

const ROOT = path.resolve(__dirname, "../../..");
const CHILD = path.join(__dirname, "lab-child.ts");
/** A run's outer bound: the lab's own waits are shorter; past this its whole group is killed. */
const RUN_BOUND_MS = 15 * 60_000;
const EC2 = 'xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"';

export interface LabProcessOptions {
  /** The project the lab runs in: Pulumi.yaml, Pulumi.dev.yaml, and (for the real CLI) the program. */
  projectDir: string;
  /** Added to the child's environment: PATH with a `pulumi`, PULUMI_HOME, the stand-ins' folders. */
  env: NodeJS.ProcessEnv;
  /** EC2's answer for the probe: running unless it says otherwise (the stand-in plugin's store knows). */
  instanceState?: (instanceId: string) => "running" | "terminated" | null;
}

export interface LabProcess {
  aws: AwsServer;
  s3: LocalS3;
  /** Starts `npm run lab -- <args>` as a child leading its own group; `pid` is known once it runs. */
  start(args: string[]): { pid: () => number; done: Promise<CliRun> };
  close(): Promise<void>;
}

function describeInstances(params: Record<string, string>, state: LabProcessOptions["instanceState"]): { body: string } {
  const id = params["InstanceId.1"];
  // The sweep asks by tag: the stand-ins tag nothing it could find, so it finds nothing.
  const status = id ? (state?.(id) ?? "running") : null;
  const item =
    id && status
      ? `<item><instancesSet><item><instanceId>${id}</instanceId><instanceType>t3.micro</instanceType>` +
        `<instanceState><code>${status === "running" ? 16 : 48}</code><name>${status}</name></instanceState>` +
        `<tagSet><item><key>Name</key><value>test</value></item></tagSet><metadataOptions><httpTokens>required</httpTokens></metadataOptions></item></instancesSet></item>`
      : "";
  return {
    body: `<DescribeInstancesResponse ${EC2}><requestId>4c0f1e2d</requestId><reservationSet>${item}</reservationSet></DescribeInstancesResponse>`,
  };
}

export async function startLabProcess(options: LabProcessOptions): Promise<LabProcess> {
  const aws = await startAwsServer({
    GetCallerIdentity: () => callerIdentity(),
    DescribeVpcs: () => vpcs([{ id: "vpc-0d3f1e2a4b5c6d7e8", isDefault: true }]),
    DescribeTrails: () => ({ json: true, body: JSON.stringify({ trailList: [] }) }),
    GetTrailStatus: () => ({ json: true, body: JSON.stringify({ IsLogging: true }) }),
    DescribeInstances: (params) => describeInstances(params, options.instanceState),
    GetResources: () => ({ json: true, body: JSON.stringify({ ResourceTagMappingList: [] }) }),
    DescribeSecurityGroups: () => ({
      body: `<DescribeSecurityGroupsResponse ${EC2}><requestId>4c0f1e2d</requestId><securityGroupInfo/></DescribeSecurityGroupsResponse>`,
    }),
  });
  const s3 = await startS3Server();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HOME: options.projectDir,
    AWS_ENDPOINT_URL: aws.endpoint,
    AWS_ENDPOINT_URL_S3: s3.endpoint,
    // The pair s3rver accepts; the query server takes any.
    AWS_ACCESS_KEY_ID: DUMMY_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: DUMMY_CREDENTIALS.secretAccessKey,
    ...options.env,
  };
  for (const k of [
    "AWS_PROFILE",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "PULUMI_BACKEND_URL",
    "PULUMI_CONFIG_PASSPHRASE",
    "PULUMI_CONFIG_PASSPHRASE_FILE",
    "PULUMI_ACCESS_TOKEN",
  ]) {
    if (!(k in options.env)) delete env[k];
  }
  return {
    aws,
    s3,
    start(args) {
      let pid = 0;
      let bound: NodeJS.Timeout | undefined;
      const done = runChild(process.execPath, ["-r", "ts-node/register/transpile-only", CHILD, options.projectDir, ...args], {
        cwd: ROOT,
        env,
        detached: true,
        onSpawn: (p) => {
          pid = p;
          // Never left running: the lab's group (not Pulumi's, which it leads itself) past the bound.
          bound = setTimeout(() => {
            try {
              process.kill(-p, "SIGKILL");
            } catch {
              // The group ended between the bound and the kill: nothing is left to stop.
            }
          }, RUN_BOUND_MS);
        },
      }).finally(() => clearTimeout(bound));
      return { pid: () => pid, done };
    },
    async close() {
      await aws.close();
      await s3.close();
    },
  };
}

/** A temp project for the stand-in CLI: Pulumi.yaml and the checked-in Pulumi.dev.yaml, no program. */
export function standInProject(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "trail-lab-process-"));
  fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: trail-lab\nruntime: nodejs\nmain: infra/\n");
  fs.copyFileSync(path.join(ROOT, "Pulumi.dev.yaml"), path.join(dir, "Pulumi.dev.yaml"));
  return dir;
}

/** Waits, bounded, until `check` holds; false if it never did. */
export async function within(ms: number, check: () => boolean): Promise<boolean> {
  for (const end = Date.now() + ms; !check() && Date.now() < end;) await new Promise((r) => setTimeout(r, 50));
  return check();
}
