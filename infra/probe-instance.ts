// ProbeInstance: the EC2 instance whose launch is the RunInstances call the trail must record.
// Hardened though it lives for minutes: IMDSv2 only, encrypted root volume, no public IP,
// no key pair, and a security group with no rules at all.
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";

export interface ProbeInstanceArgs {
  instanceType: string;
  /** The Name tag (the lab's is `test`). */
  instanceName: string;
  /** Subnet to launch in; otherwise a default subnet of the default VPC where the type is offered. */
  subnetId?: string;
  tags: Record<string, string>;
  /** The trail: the launch must happen after it exists, or nothing records it. */
  trail: pulumi.Resource;
}

/** The public SSM parameter naming the latest Amazon Linux 2023 AMI for the instance's architecture. */
export function al2023AmiParameter(instanceType: string): string {
  // Graviton families carry a `g` after the generation digit (t4g, m7g, c6gn, r8g, ...).
  const family = instanceType.split(".")[0];
  const arch = /^[a-z]+\d+g/.test(family) ? "arm64" : "x86_64";
  return `/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-${arch}`;
}

export class NoDefaultSubnetError extends Error {
  constructor(instanceType: string) {
    super(
      `The region's default VPC has no default subnet in an Availability Zone that offers ${instanceType}. ` +
        `Set trail-lab:subnetId to a subnet to launch the probe in, or choose another trail-lab:instanceType.`,
    );
    this.name = "NoDefaultSubnetError";
  }
}

/** The default VPC's default subnet (the first by id, so reruns agree) in a zone that offers the type. */
function defaultSubnetOffering(instanceType: string, opts: pulumi.InvokeOutputOptions): pulumi.Output<string> {
  const zones = aws.ec2.getInstanceTypeOfferingsOutput(
    { locationType: "availability-zone", filters: [{ name: "instance-type", values: [instanceType] }] },
    opts,
  ).locations;
  const vpc = aws.ec2.getVpcOutput({ default: true }, opts);
  const subnets = aws.ec2.getSubnetsOutput(
    {
      filters: [
        { name: "vpc-id", values: [vpc.id] },
        { name: "default-for-az", values: ["true"] },
        { name: "availability-zone", values: zones },
      ],
    },
    opts,
  );
  return subnets.ids.apply((ids) => firstSubnet(ids, instanceType));
}

/** The first subnet by id, so reruns pick the same one; none is an error that says what to set. */
export function firstSubnet(ids: readonly string[], instanceType: string): string {
  const first = [...ids].sort()[0];
  if (!first) throw new NoDefaultSubnetError(instanceType);
  return first;
}

export class ProbeInstance extends pulumi.ComponentResource {
  readonly instance: aws.ec2.Instance;
  readonly instanceId: pulumi.Output<string>;

  constructor(name: string, args: ProbeInstanceArgs, opts?: pulumi.ComponentResourceOptions) {
    super("trail-lab:index:ProbeInstance", name, {}, opts);
    const parent = { parent: this };

    const ami = aws.ssm.getParameterOutput({ name: al2023AmiParameter(args.instanceType) }, parent);
    // Always launch into a named subnet: without one the provider drops associatePublicIpAddress,
    // and a default subnet maps a public IP on launch.
    const subnetId = args.subnetId ?? defaultSubnetOffering(args.instanceType, parent);
    const vpcId = aws.ec2.getSubnetOutput({ id: subnetId }, parent).vpcId;

    // No ingress and no egress rule: the probe only has to exist. (The provider removes the
    // allow-all egress rule AWS adds to a new group.)
    const securityGroup = new aws.ec2.SecurityGroup(
      `${name}-sg`,
      {
        vpcId,
        description: "trail-lab probe instance: no inbound or outbound rules",
        tags: { ...args.tags, Name: `${args.instanceName}-sg` },
      },
      parent,
    );

    this.instance = new aws.ec2.Instance(
      `${name}-instance`,
      {
        ami: ami.value,
        instanceType: args.instanceType,
        subnetId,
        vpcSecurityGroupIds: [securityGroup.id],
        associatePublicIpAddress: false,
        metadataOptions: { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1 },
        rootBlockDevice: { encrypted: true, volumeType: "gp3", deleteOnTermination: true, tags: args.tags },
        tags: { ...args.tags, Name: args.instanceName },
      },
      { parent: this, dependsOn: [args.trail] },
    );

    this.instanceId = this.instance.id;
    this.registerOutputs({ instanceId: this.instanceId });
  }
}
