// What a busy account's trail holds, record by record: mostly small read calls (Describe*, Get*,
// List*, AssumeRole, KMS Decrypt) from many principals, a few writes, and now and then a large
// record (a bucket policy, a task definition, a stack's parameters) of tens of kB. Built on the
// test fixtures' records, so that bench and tests agree on what a CloudTrail record looks like.
import { FixtureFactory, type FixtureRecord } from "../test/support/fixtures/cloudtrail-fixtures";

type Shape = (r: FixtureRecord, m: RecordMaker) => void;

interface Kind {
  eventName: string;
  eventSource: string;
  readOnly: boolean;
  /** Relative frequency. */
  weight: number;
  shape?: Shape;
}

const ROLE_NAMES = [
  "lab-operator",
  "ci-deploy",
  "billing-reader",
  "eks-node",
  "lambda-exec",
  "ecs-task",
  "backup-agent",
  "security-audit",
  "data-pipeline",
  "OrganizationAccountAccessRole",
];
const WORDS = [
  "app",
  "api",
  "billing",
  "cache",
  "database",
  "endpoint",
  "feature",
  "gateway",
  "host",
  "log",
  "max",
  "min",
  "orders",
  "port",
  "queue",
  "region",
  "retries",
  "secret",
  "stage",
  "timeout",
  "url",
  "user",
  "worker",
  "zone",
];
const SERVICES = [
  "ec2.amazonaws.com",
  "lambda.amazonaws.com",
  "ecs-tasks.amazonaws.com",
  "cloudformation.amazonaws.com",
  "autoscaling.amazonaws.com",
  "config.amazonaws.com",
];

const kmsResource: Shape = (r, m) => {
  const key = m.arn("kms", `key/${m.f.uuid()}`);
  r.requestParameters = {
    encryptionAlgorithm: "SYMMETRIC_DEFAULT",
    encryptionContext: { "aws:lambda:FunctionArn": m.arn("lambda", `function:${m.pick(ROLE_NAMES)}`) },
  };
  r.resources = [{ accountId: m.f.account, type: "AWS::KMS::Key", ARN: key }];
};

const READS: Kind[] = [
  {
    eventName: "AssumeRole",
    eventSource: "sts.amazonaws.com",
    readOnly: true,
    weight: 14,
    shape: (r, m) => {
      const role = m.arn("iam", `role/${m.pick(ROLE_NAMES)}`, "");
      r.requestParameters = { roleArn: role, roleSessionName: `session-${m.f.chars(10)}`, durationSeconds: 3600 };
      r.responseElements = {
        credentials: {
          accessKeyId: `ASIA${m.f.chars(16, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")}`,
          sessionToken: m.f.chars(120),
          expiration: "Mar 1, 2025, 10:00:00 AM",
        },
        assumedRoleUser: {
          assumedRoleId: `AROA${m.f.chars(17, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")}:session`,
          arn: role.replace(":iam::", ":sts::").replace(":role/", ":assumed-role/"),
        },
      };
      r.resources = [{ accountId: m.f.account, type: "AWS::IAM::Role", ARN: role }];
    },
  },
  { eventName: "Decrypt", eventSource: "kms.amazonaws.com", readOnly: true, weight: 12, shape: kmsResource },
  { eventName: "GenerateDataKey", eventSource: "kms.amazonaws.com", readOnly: true, weight: 4, shape: kmsResource },
  { eventName: "GetCallerIdentity", eventSource: "sts.amazonaws.com", readOnly: true, weight: 5 },
  {
    eventName: "DescribeInstances",
    eventSource: "ec2.amazonaws.com",
    readOnly: true,
    weight: 8,
    shape: (r, m) => {
      r.requestParameters = { instancesSet: { items: m.times(m.int(0, 3), () => ({ instanceId: m.f.instanceId() })) }, filterSet: {} };
    },
  },
  {
    eventName: "DescribeSecurityGroups",
    eventSource: "ec2.amazonaws.com",
    readOnly: true,
    weight: 4,
    shape: (r, m) =>
      void (r.requestParameters = {
        securityGroupSet: {},
        securityGroupIdSet: { items: [{ groupId: `sg-0${m.f.chars(16, "0123456789abcdef")}` }] },
        filterSet: {},
      }),
  },
  {
    eventName: "DescribeVolumes",
    eventSource: "ec2.amazonaws.com",
    readOnly: true,
    weight: 3,
    shape: (r) => void (r.requestParameters = { volumeSet: {}, filterSet: {} }),
  },
  {
    eventName: "DescribeSubnets",
    eventSource: "ec2.amazonaws.com",
    readOnly: true,
    weight: 2,
    shape: (r) => void (r.requestParameters = { subnetSet: {}, filterSet: {} }),
  },
  {
    eventName: "DescribeVpcs",
    eventSource: "ec2.amazonaws.com",
    readOnly: true,
    weight: 2,
    shape: (r) => void (r.requestParameters = { vpcSet: {}, filterSet: {} }),
  },
  {
    eventName: "GetBucketLocation",
    eventSource: "s3.amazonaws.com",
    readOnly: true,
    weight: 5,
    shape: (r, m) => void (r.requestParameters = m.bucketParams({ location: "" })),
  },
  {
    eventName: "GetBucketAcl",
    eventSource: "s3.amazonaws.com",
    readOnly: true,
    weight: 3,
    shape: (r, m) => void (r.requestParameters = m.bucketParams({ acl: "" })),
  },
  {
    eventName: "GetBucketEncryption",
    eventSource: "s3.amazonaws.com",
    readOnly: true,
    weight: 2,
    shape: (r, m) => void (r.requestParameters = m.bucketParams({ encryption: "" })),
  },
  {
    eventName: "ListBuckets",
    eventSource: "s3.amazonaws.com",
    readOnly: true,
    weight: 3,
    shape: (r) => void (r.requestParameters = { Host: "s3.amazonaws.com" }),
  },
  {
    eventName: "GetRole",
    eventSource: "iam.amazonaws.com",
    readOnly: true,
    weight: 3,
    shape: (r, m) => void (r.requestParameters = { roleName: m.pick(ROLE_NAMES) }),
  },
  {
    eventName: "ListAttachedRolePolicies",
    eventSource: "iam.amazonaws.com",
    readOnly: true,
    weight: 2,
    shape: (r, m) => void (r.requestParameters = { roleName: m.pick(ROLE_NAMES) }),
  },
  { eventName: "ListRoles", eventSource: "iam.amazonaws.com", readOnly: true, weight: 1 },
  {
    eventName: "DescribeStacks",
    eventSource: "cloudformation.amazonaws.com",
    readOnly: true,
    weight: 3,
    shape: (r, m) => void (r.requestParameters = { stackName: m.arn("cloudformation", `stack/app-${m.int(1, 40)}/${m.f.uuid()}`) }),
  },
  { eventName: "ListFunctions20150331", eventSource: "lambda.amazonaws.com", readOnly: true, weight: 2 },
  {
    eventName: "GetFunction20150331v2",
    eventSource: "lambda.amazonaws.com",
    readOnly: true,
    weight: 2,
    shape: (r, m) => void (r.requestParameters = { functionName: m.pick(ROLE_NAMES) }),
  },
  {
    eventName: "DescribeLogGroups",
    eventSource: "logs.amazonaws.com",
    readOnly: true,
    weight: 2,
    shape: (r, m) => void (r.requestParameters = { logGroupNamePrefix: `/aws/lambda/${m.pick(ROLE_NAMES)}` }),
  },
  { eventName: "GetAuthorizationToken", eventSource: "ecr.amazonaws.com", readOnly: true, weight: 2 },
  {
    eventName: "DescribeAlarms",
    eventSource: "monitoring.amazonaws.com",
    readOnly: true,
    weight: 2,
    shape: (r, m) => void (r.requestParameters = { maxRecords: 100, alarmNamePrefix: m.pick(ROLE_NAMES) }),
  },
];

const WRITES: Kind[] = [
  {
    eventName: "CreateLogStream",
    eventSource: "logs.amazonaws.com",
    readOnly: false,
    weight: 2,
    shape: (r, m) =>
      void (r.requestParameters = {
        logGroupName: `/aws/lambda/${m.pick(ROLE_NAMES)}`,
        logStreamName: `2025/03/01/[$LATEST]${m.f.chars(32, "0123456789abcdef")}`,
      }),
  },
  {
    eventName: "CreateNetworkInterface",
    eventSource: "ec2.amazonaws.com",
    readOnly: false,
    weight: 1,
    shape: (r, m) =>
      void (r.requestParameters = {
        subnetId: `subnet-0${m.f.chars(16, "0123456789abcdef")}`,
        description: "AWS Lambda VPC ENI",
        groupSet: { items: [{ groupId: `sg-0${m.f.chars(16, "0123456789abcdef")}` }] },
      }),
  },
  {
    eventName: "PutMetricData",
    eventSource: "monitoring.amazonaws.com",
    readOnly: false,
    weight: 1,
    shape: (r) => void (r.requestParameters = { namespace: "App/Requests" }),
  },
];

/** Large records: a policy or definition of many statements, tens of kB, as CloudTrail writes them. */
const LARGE: Kind[] = [
  {
    eventName: "PutBucketPolicy",
    eventSource: "s3.amazonaws.com",
    readOnly: false,
    weight: 1,
    shape: (r, m) => void (r.requestParameters = m.bucketParams({ bucketPolicy: m.policy(m.int(20, 150)), policy: "" })),
  },
  {
    eventName: "CreatePolicyVersion",
    eventSource: "iam.amazonaws.com",
    readOnly: false,
    weight: 1,
    shape: (r, m) =>
      void (r.requestParameters = {
        policyArn: m.arn("iam", `policy/${m.pick(ROLE_NAMES)}-access`, ""),
        policyDocument: JSON.stringify(m.policy(m.int(20, 120))),
        setAsDefault: true,
      }),
  },
  {
    eventName: "RegisterTaskDefinition",
    eventSource: "ecs.amazonaws.com",
    readOnly: false,
    weight: 1,
    shape: (r, m) => {
      r.requestParameters = {
        family: `service-${m.int(1, 30)}`,
        containerDefinitions: m.times(m.int(2, 8), () => ({
          name: `container-${m.f.chars(6).toLowerCase()}`,
          image: `${m.f.account}.dkr.ecr.us-east-1.amazonaws.com/app:${m.f.chars(40, "0123456789abcdef")}`,
          cpu: 256,
          memory: 512,
          environment: m.times(m.int(10, 60), () => ({ name: `${m.word().toUpperCase()}_${m.word().toUpperCase()}`, value: m.setting() })),
          logConfiguration: {
            logDriver: "awslogs",
            options: { "awslogs-group": "/ecs/app", "awslogs-region": "us-east-1", "awslogs-stream-prefix": "ecs" },
          },
        })),
      };
      r.responseElements = {
        taskDefinition: {
          taskDefinitionArn: m.arn("ecs", `task-definition/service:${m.int(1, 900)}`),
          revision: m.int(1, 900),
          status: "ACTIVE",
        },
      };
    },
  },
  {
    eventName: "UpdateStack",
    eventSource: "cloudformation.amazonaws.com",
    readOnly: false,
    weight: 1,
    shape: (r, m) => {
      r.requestParameters = {
        stackName: `app-${m.int(1, 40)}`,
        templateURL: `https://s3.amazonaws.com/cf-templates-${m.f.chars(12).toLowerCase()}/template.yaml`,
        parameters: m.times(m.int(20, 120), () => ({ parameterKey: `${m.word()}${m.word()}`, parameterValue: m.setting() })),
        capabilities: ["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM"],
        tags: m.times(m.int(5, 20), () => ({ key: `team:${m.word()}`, value: m.setting() })),
      };
      r.responseElements = {
        stackId: m.arn("cloudformation", `stack/${String((r.requestParameters as { stackName: string }).stackName)}/${m.f.uuid()}`),
      };
    },
  },
];

/** Share of records that are large. */
const LARGE_SHARE = 0.01;
/** Share of records that are the test fixtures' own noise (reads and writes naming instances). */
const FIXTURE_NOISE_SHARE = 0.1;
const WRITE_SHARE = 0.06;

function cumulative(kinds: Kind[]): { kinds: Kind[]; bounds: number[] } {
  const total = kinds.reduce((sum, k) => sum + k.weight, 0);
  let running = 0;
  return { kinds, bounds: kinds.map((k) => (running += k.weight / total)) };
}

const READ_TABLE = cumulative(READS);
const WRITE_TABLE = cumulative(WRITES);
const LARGE_TABLE = cumulative(LARGE);

/** Makes one day's records; all randomness comes from the seeded fixture factory. */
export class RecordMaker {
  constructor(
    readonly f: FixtureFactory,
    private readonly random: () => number,
  ) {}

  int(min: number, max: number): number {
    return min + Math.floor(this.random() * (max - min + 1));
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.random() * items.length)];
  }

  times<T>(n: number, make: () => T): T[] {
    return Array.from({ length: n }, make);
  }

  word(): string {
    return this.pick(WORDS);
  }

  /** A configuration value as people write them: words, numbers, URLs, now and then an opaque id. */
  setting(): string {
    switch (this.int(0, 3)) {
      case 0:
        return String(this.int(1, 65535));
      case 1:
        return `${this.word()}-${this.word()}.internal.example.com`;
      case 2:
        return `${this.word()}_${this.word()}_${this.word()}`;
      default:
        return this.f.chars(this.int(8, 40));
    }
  }

  arn(service: string, resource: string, region = "us-east-1"): string {
    return `arn:aws:${service}:${region}:${this.f.account}:${resource}`;
  }

  bucketParams(extra: Record<string, unknown>): Record<string, unknown> {
    const bucket = `${this.pick(ROLE_NAMES).toLowerCase()}-${this.pick(["logs", "assets", "backups", "data"])}-${this.f.account}`;
    return { bucketName: bucket, Host: `${bucket}.s3.amazonaws.com`, ...extra };
  }

  /** An IAM policy document of `statements` statements over varied actions and resources. */
  policy(statements: number): unknown {
    const actions = [
      "s3:GetObject",
      "s3:PutObject",
      "s3:ListBucket",
      "kms:Decrypt",
      "dynamodb:Query",
      "sqs:SendMessage",
      "logs:PutLogEvents",
      "ec2:DescribeInstances",
    ];
    return {
      Version: "2012-10-17",
      Statement: this.times(statements, () => ({
        Sid: `Allow${this.word()}${this.int(1, 99)}`,
        Effect: this.random() < 0.9 ? "Allow" : "Deny",
        Principal: { AWS: this.arn("iam", `role/${this.pick(ROLE_NAMES)}`, "") },
        Action: this.times(this.int(1, 4), () => this.pick(actions)),
        Resource: this.times(
          this.int(1, 3),
          () => `arn:aws:s3:::${this.pick(ROLE_NAMES).toLowerCase()}-data/${this.word()}/${this.word()}-${this.int(1, 999)}/*`,
        ),
        Condition: { StringEquals: { "aws:PrincipalOrgID": `o-${this.f.chars(10, "abcdefghijklmnopqrstuvwxyz0123456789")}` } },
      })),
    };
  }

  /** One record of everyday traffic, delivered in `region` at about `at`. Never a RunInstances. */
  record(region: string, at: Date): FixtureRecord {
    const base = this.f.noise(region, at);
    const roll = this.random();
    if (roll < FIXTURE_NOISE_SHARE) return base;
    const table =
      roll < FIXTURE_NOISE_SHARE + LARGE_SHARE
        ? LARGE_TABLE
        : roll < FIXTURE_NOISE_SHARE + LARGE_SHARE + WRITE_SHARE
          ? WRITE_TABLE
          : READ_TABLE;
    const u = this.random();
    const kind = table.kinds[table.bounds.findIndex((b) => u < b)] ?? table.kinds[table.kinds.length - 1];
    const record: FixtureRecord = {
      ...base,
      eventName: kind.eventName,
      eventSource: kind.eventSource,
      readOnly: kind.readOnly,
      requestParameters: null,
      responseElements: null,
      resources: undefined,
      tlsDetails: { ...base.tlsDetails, clientProvidedHostHeader: `${kind.eventSource.split(".")[0]}.${region}.amazonaws.com` },
    };
    this.actAs(record);
    kind.shape?.(record, this);
    return record;
  }

  /** Many principals, as in a real account: roles, and AWS services calling for the account. */
  private actAs(record: FixtureRecord): void {
    if (this.random() < 0.25) {
      const service = this.pick(SERVICES);
      // A service caller has no keys or ARN: CloudTrail writes only who it is.
      record.userIdentity = { type: "AWSService", invokedBy: service } as unknown as FixtureRecord["userIdentity"];
      record.sourceIPAddress = service;
      record.userAgent = service;
      return;
    }
    const role = this.pick(ROLE_NAMES);
    const session = `${role}-${this.f.chars(8)}`;
    record.userIdentity = {
      ...record.userIdentity,
      principalId: `AROA${this.f.chars(17, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")}:${session}`,
      arn: `arn:aws:sts::${this.f.account}:assumed-role/${role}/${session}`,
    };
  }
}
