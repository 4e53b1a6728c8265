// ProbeInstance: the EC2 instance whose launch is the RunInstances call the trail must record.
// Hardened though it lives for minutes: IMDSv2 only, encrypted root volume, no public IP,
// no key pair, and a security group with no rules at all.
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";

export interface ProbeInstanceArgs {
  instanceType: string;
  /** The Name tag (the lab's is `test`). */
  instanceName: string;
  /** Subnet to launch in; otherwise the region's default VPC picks one. */
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

export class ProbeInstance extends pulumi.ComponentResource {
  readonly instance: aws.ec2.Instance;
  readonly instanceId: pulumi.Output<string>;

  constructor(name: string, args: ProbeInstanceArgs, opts?: pulumi.ComponentResourceOptions) {
    super("trail-lab:index:ProbeInstance", name, {}, opts);
    const parent = { parent: this };

    const ami = aws.ssm.getParameterOutput({ name: al2023AmiParameter(args.instanceType) }, parent);
    const vpcId = args.subnetId
      ? aws.ec2.getSubnetOutput({ id: args.subnetId }, parent).vpcId
      : aws.ec2.getVpcOutput({ default: true }, parent).id;

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
        subnetId: args.subnetId,
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
