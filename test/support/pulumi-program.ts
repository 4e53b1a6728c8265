// Runs the infra/ program under Pulumi's mocks, as the CLI would (inside a root stack resource),
// and records every resource's inputs, parent and dependsOn, and the stack outputs.
// Mocks carry no dependencies, so a stack transformation captures dependsOn as declared.
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";

import { ACCOUNT, AMI, DEFAULT_SUBNETS, DEFAULT_VPC, ENABLED_REGIONS, OFFERED_ZONES, OTHER_VPC } from "./fixtures/lab-account";

export { ACCOUNT, AMI, DEFAULT_SUBNETS, DEFAULT_VPC } from "./fixtures/lab-account";

export interface RecordedResource {
  type: string;
  name: string;
  /** The id the mocks gave it (custom resources; components get one too under mocks). */
  id: string;
  inputs: Record<string, any>;
  state: Record<string, any>;
  parent?: string;
  dependsOn: string[];
}

export interface ProgramRun {
  resources: RecordedResource[];
  invokes: { token: string; inputs: Record<string, any> }[];
  outputs: Record<string, any>;
  one(type: string): RecordedResource;
  all(type: string): RecordedResource[];
  /** The resource with this logical name (types may repeat: the lab has two buckets). */
  named(name: string): RecordedResource;
}

const PROGRAM = path.resolve(__dirname, "../../infra");

function mockState(type: string, name: string, inputs: Record<string, any>, region: string): { id: string; state: Record<string, any> } {
  switch (type) {
    case "aws:s3/bucket:Bucket": {
      const bucket = inputs.bucket ?? `${inputs.bucketPrefix ?? `${name}-`}20261125221500000000000001`;
      return { id: bucket, state: { ...inputs, bucket, arn: `arn:aws:s3:::${bucket}` } };
    }
    case "aws:cloudtrail/trail:Trail":
      return {
        id: inputs.name,
        state: { ...inputs, arn: `arn:aws:cloudtrail:${region}:${ACCOUNT}:trail/${inputs.name}` },
      };
    case "aws:ec2/instance:Instance":
      return { id: "i-0f1e2d3c4b5a69788", state: { ...inputs, arn: `arn:aws:ec2:${region}:${ACCOUNT}:instance/i-0f1e2d3c4b5a69788` } };
    case "aws:kms/key:Key":
      return {
        id: "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0",
        state: { ...inputs, arn: `arn:aws:kms:${region}:${ACCOUNT}:key/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0` },
      };
    case "aws:cloudwatch/logGroup:LogGroup":
      return { id: inputs.name, state: { ...inputs, arn: `arn:aws:logs:${region}:${ACCOUNT}:log-group:${inputs.name}` } };
    case "aws:iam/role:Role":
      return { id: `${name}-1234567`, state: { ...inputs, arn: `arn:aws:iam::${ACCOUNT}:role/${name}-1234567` } };
    case "aws:sns/topic:Topic":
      return {
        id: `arn:aws:sns:${region}:${ACCOUNT}:${name}-7d1e2f3`,
        state: { ...inputs, arn: `arn:aws:sns:${region}:${ACCOUNT}:${name}-7d1e2f3` },
      };
    case "aws:sqs/queue:Queue": {
      const queue = `${name}-4a5b6c7`;
      return {
        id: `https://sqs.${region}.amazonaws.com/${ACCOUNT}/${queue}`,
        state: {
          ...inputs,
          arn: `arn:aws:sqs:${region}:${ACCOUNT}:${queue}`,
          url: `https://sqs.${region}.amazonaws.com/${ACCOUNT}/${queue}`,
        },
      };
    }
    case "aws:cloudwatch/eventRule:EventRule":
      return {
        id: `${name}-8e9f0a1`,
        state: { ...inputs, name: `${name}-8e9f0a1`, arn: `arn:aws:events:${region}:${ACCOUNT}:rule/${name}-8e9f0a1` },
      };
    case "aws:cloudwatch/metricAlarm:MetricAlarm":
      return { id: inputs.name, state: { ...inputs, arn: `arn:aws:cloudwatch:${region}:${ACCOUNT}:alarm:${inputs.name}` } };
    case "aws:ec2/securityGroup:SecurityGroup":
      return { id: "sg-0123456789abcdef0", state: inputs };
    default:
      return { id: `${name}-id`, state: inputs };
  }
}

/**
 * Runs the program with the given config (keys without namespace go to `trail-lab:`).
 * Every call loads the program afresh, so config read at load time is honoured.
 */
export async function runProgram(
  config: Record<string, string> = {},
  stack = "unit",
  // Filled as the program runs, so a caller can see what happened before a throw.
  record: Pick<ProgramRun, "resources" | "invokes"> = { resources: [], invokes: [] },
  // Zone suffixes where the instance type is offered (DescribeInstanceTypeOfferings).
  offeredZones: string[] = OFFERED_ZONES,
): Promise<ProgramRun> {
  const region = config["aws:region"] ?? "eu-west-1";
  const { resources, invokes } = record;
  const declared = new Map<string, { parent?: string; dependsOn: string[] }>();
  const names = new Map<pulumi.Resource, string>();

  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        const { id, state } = mockState(args.type, args.name, args.inputs, region);
        resources.push({ type: args.type, name: args.name, id, inputs: args.inputs, state, dependsOn: [] });
        return { id, state };
      },
      call(args) {
        invokes.push({ token: args.token, inputs: args.inputs });
        switch (args.token) {
          case "aws:index/getCallerIdentity:getCallerIdentity":
            return { accountId: ACCOUNT, arn: `arn:aws:iam::${ACCOUNT}:user/lab`, userId: "AIDAEXAMPLE", id: ACCOUNT };
          case "aws:index/getRegion:getRegion":
            return { name: region, region, id: region, endpoint: `ec2.${region}.amazonaws.com`, description: region };
          case "aws:index/getRegions:getRegions":
            return { names: ENABLED_REGIONS, id: "aws" };
          case "aws:index/getPartition:getPartition":
            return { partition: "aws", dnsSuffix: "amazonaws.com", reverseDnsPrefix: "com.amazonaws", id: "aws" };
          case "aws:ssm/getParameter:getParameter":
            return { name: args.inputs.name, value: AMI, insecureValue: AMI, type: "String", arn: "arn", version: 1, id: args.inputs.name };
          case "aws:ec2/getVpc:getVpc":
            return { id: DEFAULT_VPC, default: true, cidrBlock: "172.31.0.0/16" };
          case "aws:ec2/getSubnet:getSubnet": {
            const zone = DEFAULT_SUBNETS[args.inputs.id];
            return zone
              ? { id: args.inputs.id, vpcId: DEFAULT_VPC, availabilityZone: `${region}${zone}`, defaultForAz: true }
              : { id: args.inputs.id, vpcId: OTHER_VPC, availabilityZone: `${region}a` };
          }
          case "aws:ec2/getInstanceTypeOfferings:getInstanceTypeOfferings":
            return {
              id: region,
              locations: offeredZones.map((z) => `${region}${z}`),
              locationTypes: offeredZones.map(() => "availability-zone"),
              instanceTypes: offeredZones.map(() => args.inputs.filters[0].values[0]),
            };
          case "aws:ec2/getSubnets:getSubnets": {
            const filter = (name: string): string[] => args.inputs.filters.find((f: { name: string }) => f.name === name)?.values ?? [];
            const ok = filter("vpc-id").includes(DEFAULT_VPC) && filter("default-for-az").includes("true");
            const zones = filter("availability-zone");
            return {
              id: region,
              ids: ok ? Object.keys(DEFAULT_SUBNETS).filter((id) => zones.includes(`${region}${DEFAULT_SUBNETS[id]}`)) : [],
            };
          }
          default:
            throw new Error(`unmocked invoke ${args.token}`);
        }
      },
    },
    "trail-lab",
    stack,
    false,
  );
  const namespaced = Object.fromEntries(
    Object.entries({ "aws:region": region, ...config }).map(([k, v]) => [k.includes(":") ? k : `trail-lab:${k}`, v]),
  );
  pulumi.runtime.setAllConfig(namespaced);

  for (const key of Object.keys(require.cache)) {
    if (key.startsWith(PROGRAM + path.sep)) delete require.cache[key];
  }
  const outputs = await pulumi.runtime.runInPulumiStack(() => {
    pulumi.runtime.registerStackTransformation((args) => {
      names.set(args.resource, args.name);
      const deps = args.opts.dependsOn;
      const list = deps === undefined ? [] : Array.isArray(deps) ? deps : [deps];
      declared.set(args.name, {
        parent: args.opts.parent ? names.get(args.opts.parent) : undefined,
        dependsOn: (list as pulumi.Resource[]).map((r) => names.get(r) ?? "<unknown>"),
      });
      return undefined;
    });
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return Promise.resolve({ ...(require(PROGRAM) as Record<string, unknown>) });
  });
  // Let the stack's own late RPCs (registerOutputs) finish before the next run swaps the mocks.
  await pulumi.runtime.disconnect();
  for (const r of resources) Object.assign(r, declared.get(r.name) ?? {});

  const all = (type: string) => resources.filter((r) => r.type === type);
  return {
    resources,
    invokes,
    outputs: outputs as Record<string, any>,
    all,
    named(name) {
      const found = resources.find((r) => r.name === name);
      if (!found) throw new Error(`no resource named ${name}; have ${resources.map((r) => r.name).join(", ")}`);
      return found;
    },
    one(type) {
      const found = all(type);
      if (found.length !== 1) throw new Error(`expected one ${type}, found ${found.length}`);
      return found[0];
    },
  };
}
