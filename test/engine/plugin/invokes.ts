// TEST DOUBLE. The stand-in AWS provider's answers to the data sources infra/ reads: who the
// caller is, the region and partition, the AL2023 AMI from SSM, the default VPC, its subnets and
// where an instance type is offered. The account is the one the mocks use (test/support/fixtures/lab-account.ts).
import {
  ACCOUNT,
  AMI,
  ARM64_AMI,
  DEFAULT_SUBNETS,
  DEFAULT_VPC,
  ENABLED_REGIONS,
  OFFERED_ZONES,
  OTHER_VPC,
} from "../../support/fixtures/lab-account";
import type { World } from "./resources";

type Args = Record<string, any>;

export class UnknownInvokeError extends Error {
  constructor(token: string) {
    super(`The stand-in AWS provider (a test double) has no answer for ${token}: add one to test/engine/plugin/invokes.ts.`);
    this.name = "UnknownInvokeError";
  }
}

export class ParameterNotFoundError extends Error {
  constructor(name: string) {
    super(`reading SSM Parameter (${name}): couldn't find resource`);
    this.name = "ParameterNotFoundError";
  }
}

/** A filter's values, as EC2's Describe* calls take them. */
function filter(args: Args, name: string): string[] {
  const found = ((args.filters ?? []) as { name: string; values: string[] }[]).find((f) => f.name === name);
  return found?.values ?? [];
}

const SSM_AMIS: Record<string, string> = {
  "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64": AMI,
  "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64": ARM64_AMI,
};

export function invoke(token: string, args: Args, world: World): Args {
  const { region, partition } = world;
  switch (token) {
    case "aws:index/getCallerIdentity:getCallerIdentity":
      return { id: ACCOUNT, accountId: ACCOUNT, arn: `arn:${partition}:iam::${ACCOUNT}:user/lab`, userId: "AIDAQ3EGUNNSB5EXAMPLE" };
    case "aws:index/getRegion:getRegion":
      return { id: region, name: region, region, endpoint: `ec2.${region}.amazonaws.com`, description: region };
    case "aws:index/getRegions:getRegions":
      return { id: partition, names: ENABLED_REGIONS, allRegions: false };
    case "aws:index/getPartition:getPartition":
      return { id: partition, partition, dnsSuffix: "amazonaws.com", reverseDnsPrefix: "com.amazonaws" };
    case "aws:ssm/getParameter:getParameter": {
      const value = SSM_AMIS[args.name];
      if (!value) throw new ParameterNotFoundError(args.name);
      return {
        id: args.name,
        name: args.name,
        arn: `arn:${partition}:ssm:${region}::parameter${args.name}`,
        type: "String",
        value,
        insecureValue: value,
        version: 101,
        withDecryption: args.withDecryption ?? true,
      };
    }
    case "aws:ec2/getInstanceTypeOfferings:getInstanceTypeOfferings": {
      const type = filter(args, "instance-type")[0] ?? "t3.micro";
      return {
        id: region,
        locations: OFFERED_ZONES.map((z) => `${region}${z}`),
        locationTypes: OFFERED_ZONES.map(() => "availability-zone"),
        instanceTypes: OFFERED_ZONES.map(() => type),
        locationType: args.locationType,
        filters: args.filters,
      };
    }
    case "aws:ec2/getVpc:getVpc":
      return {
        id: DEFAULT_VPC,
        arn: `arn:${partition}:ec2:${region}:${ACCOUNT}:vpc/${DEFAULT_VPC}`,
        default: true,
        cidrBlock: "172.31.0.0/16",
        ownerId: ACCOUNT,
        state: "available",
      };
    case "aws:ec2/getSubnets:getSubnets": {
      const inDefaultVpc = filter(args, "vpc-id").includes(DEFAULT_VPC) && filter(args, "default-for-az").includes("true");
      const zones = filter(args, "availability-zone");
      const ids = inDefaultVpc ? Object.keys(DEFAULT_SUBNETS).filter((id) => zones.includes(`${region}${DEFAULT_SUBNETS[id]}`)) : [];
      return { id: region, ids, filters: args.filters };
    }
    case "aws:ec2/getSubnet:getSubnet": {
      const zone = DEFAULT_SUBNETS[args.id];
      const base = {
        id: args.id,
        arn: `arn:${partition}:ec2:${region}:${ACCOUNT}:subnet/${args.id}`,
        ownerId: ACCOUNT,
        state: "available",
      };
      return zone
        ? {
            ...base,
            vpcId: DEFAULT_VPC,
            availabilityZone: `${region}${zone}`,
            defaultForAz: true,
            mapPublicIpOnLaunch: true,
            cidrBlock: `172.31.${16 * (zone.charCodeAt(0) - 97)}.0/20`,
          }
        : {
            ...base,
            vpcId: OTHER_VPC,
            availabilityZone: `${region}a`,
            defaultForAz: false,
            mapPublicIpOnLaunch: false,
            cidrBlock: "10.0.1.0/24",
          };
    }
    default:
      throw new UnknownInvokeError(token);
  }
}
