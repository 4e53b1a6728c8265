// The AWS account the offline tests pretend to run in: its id, the latest AL2023 AMI, the default
// VPC and its default subnets, and where an instance type is offered. Pulumi's mocks
// (pulumi-program.ts) and the stand-in provider plugin (test/engine/plugin/) both answer from it,
// so the mocks-based and the engine tests expect the same program.
export const ACCOUNT = "123456789012";
export const AMI = "ami-0a1b2c3d4e5f60718";
export const ARM64_AMI = "ami-0f9e8d7c6b5a40312";
export const DEFAULT_VPC = "vpc-0d3f1e2a4b5c6d7e8";
/** A subnet outside the default VPC, as a user's `trail-lab:subnetId` would name. */
export const OTHER_VPC = "vpc-0aaaabbbbccccdddd";
/** The default VPC's default subnets, one per zone; the test's instance types are offered in `OFFERED_ZONES`. */
export const DEFAULT_SUBNETS: Record<string, string> = {
  "subnet-0c0c0c0c0c0c0c0c0": "a",
  "subnet-0a0a0a0a0a0a0a0a0": "b",
  "subnet-0b0b0b0b0b0b0b0b0": "c",
};
/** Zone suffixes where DescribeInstanceTypeOfferings says the instance type is offered. */
export const OFFERED_ZONES = ["b", "c"];
export const ENABLED_REGIONS = ["eu-west-1", "us-east-1", "us-west-2"];
