// Realistic CloudTrail fixtures: records with the fields CloudTrail writes, log files gzipped as
// `{"Records":[...]}`, and keys in the real layout, digests and Insight files beside them.
// Randomness is seeded, so a fixture set is the same on every run.
import { gzipSync } from "node:zlib";

export interface FixtureRecord {
  eventVersion: string;
  userIdentity: { type: string; principalId: string; arn: string; accountId: string; accessKeyId: string; userName?: string; sessionContext?: unknown };
  eventTime: string;
  eventSource: string;
  eventName: string;
  awsRegion: string;
  sourceIPAddress: string;
  userAgent: string;
  requestParameters: unknown;
  responseElements: unknown;
  requestID: string;
  eventID: string;
  readOnly: boolean;
  resources?: { accountId: string; type: string; ARN: string }[];
  eventType: "AwsApiCall";
  managementEvent: boolean;
  recipientAccountId: string;
  eventCategory: "Management";
  tlsDetails: { tlsVersion: string; cipherSuite: string; clientProvidedHostHeader: string };
}

/** A small deterministic PRNG (mulberry32), so fixtures are reproducible. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

export class FixtureFactory {
  private readonly random: () => number;

  constructor(
    readonly account = "123456789012",
    seed = 42,
  ) {
    this.random = seededRandom(seed);
  }

  chars(length: number, alphabet = ALNUM): string {
    let out = "";
    for (let i = 0; i < length; i++) out += alphabet[Math.floor(this.random() * alphabet.length)];
    return out;
  }

  uuid(): string {
    const h = () => this.chars(1, "0123456789abcdef");
    const part = (n: number) => Array.from({ length: n }, h).join("");
    return `${part(8)}-${part(4)}-4${part(3)}-a${part(3)}-${part(12)}`;
  }

  instanceId(): string {
    return `i-0${this.chars(16, "0123456789abcdef")}`;
  }

  private identity() {
    return {
      type: "AssumedRole",
      principalId: "AROAEXAMPLEROLEID:lab-session",
      arn: `arn:aws:sts::${this.account}:assumed-role/lab-operator/lab-session`,
      accountId: this.account,
      accessKeyId: `ASIA${this.chars(16, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")}`,
      sessionContext: {
        sessionIssuer: { type: "Role", principalId: "AROAEXAMPLEROLEID", arn: `arn:aws:iam::${this.account}:role/lab-operator`, accountId: this.account, userName: "lab-operator" },
        attributes: { creationDate: "2025-03-01T09:00:00Z", mfaAuthenticated: "false" },
      },
    };
  }

  private base(eventName: string, eventSource: string, region: string, at: Date, readOnly: boolean): FixtureRecord {
    return {
      eventVersion: "1.10",
      userIdentity: this.identity(),
      eventTime: at.toISOString().replace(/\.\d{3}Z$/, "Z"),
      eventSource,
      eventName,
      awsRegion: region,
      sourceIPAddress: `203.0.113.${Math.floor(this.random() * 250) + 1}`,
      userAgent: "aws-sdk-js/3.1175.0 ua/2.1 os/linux lang/js md/nodejs#20.20.2 api/ec2#3.1169.0",
      requestParameters: null,
      responseElements: null,
      requestID: this.uuid(),
      eventID: this.uuid(),
      readOnly,
      eventType: "AwsApiCall",
      managementEvent: true,
      recipientAccountId: this.account,
      eventCategory: "Management",
      tlsDetails: { tlsVersion: "TLSv1.3", cipherSuite: "TLS_AES_128_GCM_SHA256", clientProvidedHostHeader: `${eventSource.split(".")[0]}.${region}.amazonaws.com` },
    };
  }

  runInstances(region: string, at: Date, instanceId = this.instanceId()): FixtureRecord {
    const record = this.base("RunInstances", "ec2.amazonaws.com", region, at, false);
    record.requestParameters = {
      instancesSet: { items: [{ imageId: "ami-0abcdef1234567890", minCount: 1, maxCount: 1 }] },
      instanceType: "t3.micro",
      blockDeviceMapping: {},
      monitoring: { enabled: false },
      disableApiTermination: false,
      tagSpecificationSet: { items: [{ resourceType: "instance", tags: [{ key: "trail-lab", value: "probe" }] }] },
    };
    record.responseElements = {
      requestId: record.requestID,
      reservationId: `r-0${this.chars(16, "0123456789abcdef")}`,
      ownerId: this.account,
      groupSet: {},
      instancesSet: {
        items: [{ instanceId, imageId: "ami-0abcdef1234567890", currentInstanceBootMode: "uefi", instanceState: { code: 0, name: "pending" }, instanceType: "t3.micro", launchTime: Date.parse(record.eventTime) }],
      },
    };
    return record;
  }

  /** Everyday traffic that must not match: reads, other writes, an S3 call naming an instance id in passing. */
  noise(region: string, at: Date): FixtureRecord {
    const pick = Math.floor(this.random() * 5);
    switch (pick) {
      case 0: {
        const r = this.base("DescribeInstances", "ec2.amazonaws.com", region, at, true);
        r.requestParameters = { instancesSet: {}, filterSet: {} };
        return r;
      }
      case 1: {
        const r = this.base("AssumeRole", "sts.amazonaws.com", region, at, false);
        r.requestParameters = { roleArn: `arn:aws:iam::${this.account}:role/lab-operator`, roleSessionName: "lab-session" };
        r.resources = [{ accountId: this.account, type: "AWS::IAM::Role", ARN: `arn:aws:iam::${this.account}:role/lab-operator` }];
        return r;
      }
      case 2: {
        const r = this.base("CreateTags", "ec2.amazonaws.com", region, at, false);
        r.requestParameters = { resourcesSet: { items: [{ resourceId: this.instanceId() }] }, tagSet: { items: [{ key: "Name", value: "noise" }] } };
        return r;
      }
      case 3: {
        const r = this.base("GetBucketAcl", "s3.amazonaws.com", region, at, true);
        r.requestParameters = { bucketName: "some-bucket", Host: "some-bucket.s3.amazonaws.com", acl: "" };
        return r;
      }
      default: {
        const r = this.base("TerminateInstances", "ec2.amazonaws.com", region, at, false);
        r.requestParameters = { instancesSet: { items: [{ instanceId: this.instanceId() }] } };
        return r;
      }
    }
  }

  noiseRecords(region: string, around: Date, count: number): FixtureRecord[] {
    return Array.from({ length: count }, () => this.noise(region, new Date(around.getTime() - Math.floor(this.random() * 300_000))));
  }

  /** `[prefix/]AWSLogs/[o-id/]<account>/CloudTrail/<region>/YYYY/MM/DD/<account>_CloudTrail_<region>_<stamp>_<16 chars>.json.gz` */
  logKey(region: string, deliveredAt: Date, options: { prefix?: string; orgId?: string; random?: string } = {}): string {
    return `${this.folder("CloudTrail", region, deliveredAt, options)}${this.account}_CloudTrail_${region}_${stamp(deliveredAt)}_${options.random ?? this.chars(16)}.json.gz`;
  }

  /**
   * A digest object, where CloudTrail puts it: beside the logs, under CloudTrail-Digest/, named
   * `<account>_CloudTrail-Digest_<region>_<trail>_<homeRegion>_<YYYYMMDDTHHmmssZ>.json.gz` after its end time.
   */
  digestKey(region: string, endTime: Date, trailName: string, options: { prefix?: string; orgId?: string; homeRegion?: string } = {}): string {
    const seconds = pad(endTime.getUTCSeconds());
    const homeRegion = options.homeRegion ?? region;
    return `${this.folder("CloudTrail-Digest", region, endTime, options)}${this.account}_CloudTrail-Digest_${region}_${trailName}_${homeRegion}_${stamp(endTime).slice(0, -1)}${seconds}Z.json.gz`;
  }

  insightKey(region: string, deliveredAt: Date, options: { prefix?: string; orgId?: string } = {}): string {
    return `${this.folder("CloudTrail-Insight", region, deliveredAt, options)}${this.account}_CloudTrail-Insight_${region}_${stamp(deliveredAt)}_${this.chars(16)}.json.gz`;
  }

  digest(start: Date, end: Date, bucket: string, logKeys: string[]): Buffer {
    return gzipSync(
      JSON.stringify({
        awsAccountId: this.account,
        digestStartTime: start.toISOString(),
        digestEndTime: end.toISOString(),
        digestS3Bucket: bucket,
        digestS3Object: "",
        digestPublicKeyFingerprint: this.chars(32, "0123456789abcdef"),
        digestSignatureAlgorithm: "SHA256withRSA",
        newestEventTime: end.toISOString(),
        oldestEventTime: start.toISOString(),
        previousDigestS3Bucket: bucket,
        previousDigestHashValue: this.chars(64, "0123456789abcdef"),
        previousDigestHashAlgorithm: "SHA-256",
        previousDigestSignature: this.chars(64, "0123456789abcdef"),
        logFiles: logKeys.map((k) => ({ s3Bucket: bucket, s3Object: k, hashValue: this.chars(64, "0123456789abcdef"), hashAlgorithm: "SHA-256", newestEventTime: end.toISOString(), oldestEventTime: start.toISOString() })),
      }),
    );
  }

  insight(region: string, at: Date): Buffer {
    return logFile([
      {
        eventVersion: "1.07",
        eventTime: at.toISOString(),
        awsRegion: region,
        eventID: this.uuid(),
        eventType: "AwsCloudTrailInsight",
        recipientAccountId: this.account,
        sharedEventID: this.uuid(),
        insightDetails: { state: "Start", eventSource: "ec2.amazonaws.com", eventName: "RunInstances", insightType: "ApiCallRateInsight", insightContext: { statistics: { baseline: { average: 0.01 }, insight: { average: 5 } } } },
        eventCategory: "Insight",
      },
    ]);
  }

  private folder(kind: string, region: string, at: Date, options: { prefix?: string; orgId?: string }): string {
    const day = `${at.getUTCFullYear()}/${pad(at.getUTCMonth() + 1)}/${pad(at.getUTCDate())}`;
    return `${options.prefix ? `${options.prefix}/` : ""}AWSLogs/${options.orgId ? `${options.orgId}/` : ""}${this.account}/${kind}/${region}/${day}/`;
  }
}

function pad(n: number): string {
  return String(n).padStart(2, "0");
}

export function stamp(at: Date): string {
  return `${at.getUTCFullYear()}${pad(at.getUTCMonth() + 1)}${pad(at.getUTCDate())}T${pad(at.getUTCHours())}${pad(at.getUTCMinutes())}Z`;
}

/** A log file as CloudTrail writes it: compact JSON, gzipped. */
export function logFile(records: unknown[]): Buffer {
  return gzipSync(JSON.stringify({ Records: records }));
}
