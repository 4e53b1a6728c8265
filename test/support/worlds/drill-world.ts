// AWS as the drill meets it, on one local HTTP server: CloudTrail (JSON 1.1: trail status,
// Start/StopLogging, event selectors, DeleteTrail, LookupEvents, DescribeTrails/GetTrail), S3's
// bucket policy and lifecycle (REST, path style) and SQS (JSON 1.0: receive and delete). Every
// write it takes becomes a CloudTrail record with the caller's own User-Agent and a request id of
// its own, in Event History at once, and then delivered as AWS delivers it, judged with the state
// before the call: to the trail's bucket and to EventBridge only while a trail logs write management
// events (StopLogging's own record is delivered; StartLogging's is modelled as delivered; DeleteTrail's
// never reaches the deleted trail's bucket); EventBridge matches each rule's pattern and SNS wraps the
// event in its envelope into the subscribed queue; a CIS alarm counts matching records the trail
// delivers to CloudWatch Logs, and goes to ALARM (notifying once) when its queue is next read, as a
// real alarm is evaluated minutes after the calls it counts.
import { createHash, randomBytes, randomUUID } from "node:crypto";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { matchesEventPattern, matchesMetricFilter } from "./event-match";

export interface WorldTrail {
  name: string;
  arn: string;
  bucket: string;
  isLogging: boolean;
  /** As GetEventSelectors answers: one key or the other. */
  selectors: { EventSelectors?: unknown[]; AdvancedEventSelectors?: unknown[] };
  /** The trail also delivers to CloudWatch Logs (the alarms count only then). */
  cloudWatchLogs: boolean;
}

export interface WorldBucket {
  policy: string | null;
  /** Lifecycle rules in the API's shape (ID, Status, Filter, Expiration: { Days }, ...). */
  lifecycle: Record<string, unknown>[] | null;
}

export interface WorldCall {
  operation: string;
  userAgent: string;
  requestId: string;
  at: number;
  input: Record<string, unknown>;
}

export interface Delivered {
  bucket: string;
  key: string;
  record: Record<string, unknown>;
}

interface QueueMessage {
  id: string;
  body: string;
  receipt: string | null;
}

interface Alarm {
  name: string;
  pattern: string;
  queueUrl: string;
  state: "OK" | "ALARM";
  counted: number;
}

/** Makes the next `times` calls of an operation fail as AWS would refuse them. */
export interface Refusal {
  code: string;
  message: string;
  status?: number;
  times: number;
}

const NS = "http://s3.amazonaws.com/doc/2006-03-01/";
/** Elements S3 repeats inside a lifecycle configuration: read as lists. */
const LISTS = new Set(["Rule", "Transition", "NoncurrentVersionTransition", "Tag"]);

const pad = (n: number) => String(n).padStart(2, "0");
const eventTime = (at: number) => new Date(at).toISOString().replace(/\.\d{3}Z$/, "Z");
const stamp = (d: Date) =>
  `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}T${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}Z`;

/** An XML document as the objects S3's API describes (the root element by name; numbers as numbers, lists as lists). */
export function readXml(xml: string): Record<string, unknown> {
  const tokens = xml.replace(/<\?xml[^>]*\?>/, "").match(/<[^>]+>|[^<]+/g) ?? [];
  let at = 0;
  const element = (): Record<string, unknown> | string => {
    const children: Record<string, unknown> = {};
    let text = "";
    while (at < tokens.length) {
      const token = tokens[at++];
      if (token.startsWith("</")) break;
      if (!token.startsWith("<")) {
        text += token;
        continue;
      }
      const name = /^<([A-Za-z0-9]+)/.exec(token)![1];
      const value = token.endsWith("/>") ? {} : element();
      if (LISTS.has(name)) children[name] = [...((children[name] as unknown[]) ?? []), value];
      else children[name] = value;
    }
    if (Object.keys(children).length > 0) return children;
    const trimmed = text.trim();
    return trimmed === "" ? {} : trimmed;
  };
  const root = element() as Record<string, unknown>;
  const numbers = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(numbers)
      : v && typeof v === "object"
        ? Object.fromEntries(Object.entries(v).map(([k, inner]) => [k, numbers(inner)]))
        : typeof v === "string" && /^\d+$/.test(v)
          ? Number(v)
          : v;
  return numbers(root) as Record<string, unknown>;
}

function writeXml(name: string, value: unknown): string {
  if (Array.isArray(value)) return value.map((v) => writeXml(name, v)).join("");
  if (value && typeof value === "object")
    return `<${name}>${Object.entries(value)
      .map(([k, v]) => writeXml(k, v))
      .join("")}</${name}>`;
  return `<${name}>${String(value)}</${name}>`;
}

/** Whether selectors record write management events. */
function recordsWrites(selectors: WorldTrail["selectors"]): boolean {
  if (selectors.AdvancedEventSelectors) {
    return (selectors.AdvancedEventSelectors as { FieldSelectors?: { Field: string; Equals?: string[] }[] }[]).some((s) => {
      const fields = s.FieldSelectors ?? [];
      const management = fields.some((f) => f.Field === "eventCategory" && f.Equals?.includes("Management"));
      const readOnly = fields.find((f) => f.Field === "readOnly");
      return management && !(readOnly?.Equals?.includes("true") ?? false);
    });
  }
  return ((selectors.EventSelectors ?? []) as { ReadWriteType?: string; IncludeManagementEvents?: boolean }[]).some(
    (s) => s.IncludeManagementEvents !== false && (s.ReadWriteType ?? "All") !== "ReadOnly",
  );
}

interface Reply {
  status: number;
  body: string;
  type: string;
}

export class DrillWorld {
  endpoint = "";
  readonly trails = new Map<string, WorldTrail>();
  readonly buckets = new Map<string, WorldBucket>();
  readonly queues = new Map<string, QueueMessage[]>();
  readonly rules: { name: string; pattern: Record<string, unknown>; queueUrl: string }[] = [];
  readonly alarms: Alarm[] = [];
  /** Event History: every write, newest last. */
  readonly history: Record<string, unknown>[] = [];
  /** Records delivered to a trail's bucket, with the log object's key. */
  readonly delivered: Delivered[] = [];
  readonly calls: WorldCall[] = [];
  readonly refusals: Record<string, Refusal> = {};
  /** Called before every request: a world that learns what exists from elsewhere (the engine tests' stand-in plugin) fills itself in. */
  beforeEach: () => void = () => undefined;
  /**
   * What a test shows of the world to another process (the lab's child in the engine tests): `GET /_world/<name>`
   * answers `views[name]()` as JSON. Not an AWS API: no client of trail-lab ever asks for it.
   */
  views: Record<string, () => unknown> = {};
  private server: http.Server | null = null;

  constructor(
    readonly account = "123456789012",
    readonly region = "eu-west-1",
  ) {}

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const reply = this.handle(req, Buffer.concat(chunks).toString("utf8"));
        res.writeHead(reply.status, {
          "content-type": reply.type,
          "x-amzn-requestid": reply.requestId,
          "x-amz-request-id": reply.requestId,
          "x-amz-id-2": "world",
        });
        res.end(reply.body);
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    this.endpoint = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  addTrail(trail: Omit<WorldTrail, "isLogging" | "selectors" | "cloudWatchLogs"> & Partial<WorldTrail>): WorldTrail {
    const full: WorldTrail = {
      isLogging: true,
      selectors: {
        EventSelectors: [{ ReadWriteType: "All", IncludeManagementEvents: true, DataResources: [], ExcludeManagementEventSources: [] }],
      },
      cloudWatchLogs: false,
      ...trail,
    };
    this.trails.set(full.arn, full);
    return full;
  }

  addBucket(name: string, bucket: Partial<WorldBucket> = {}): WorldBucket {
    const full = { policy: null, lifecycle: null, ...bucket };
    this.buckets.set(name, full);
    return full;
  }

  addQueue(url: string): void {
    if (!this.queues.has(url)) this.queues.set(url, []);
  }

  addRule(name: string, pattern: Record<string, unknown>, queueUrl: string): void {
    this.addQueue(queueUrl);
    this.rules.push({ name, pattern, queueUrl });
  }

  addAlarm(name: string, pattern: string, queueUrl: string): void {
    this.addQueue(queueUrl);
    this.alarms.push({ name, pattern, queueUrl, state: "OK", counted: 0 });
  }

  callsOf(operation: string): WorldCall[] {
    return this.calls.filter((c) => c.operation === operation);
  }

  private trail(nameOrArn: unknown): WorldTrail | undefined {
    return [...this.trails.values()].find((t) => t.arn === nameOrArn || t.name === nameOrArn);
  }

  private handle(req: http.IncomingMessage, body: string): Reply & { requestId: string } {
    this.beforeEach();
    const requestId = randomUUID();
    const view = /^\/_world\/([a-z-]+)$/.exec(req.url ?? "")?.[1];
    if (req.method === "GET" && view !== undefined) {
      const answer = this.views[view];
      return answer
        ? { status: 200, type: "application/json", body: JSON.stringify(answer()), requestId }
        : { status: 404, type: "application/json", body: JSON.stringify({ error: `no view ${view}` }), requestId };
    }
    const userAgent = String(req.headers["user-agent"] ?? "");
    const target = req.headers["x-amz-target"];
    let reply: Reply;
    if (typeof target === "string") {
      const [service, operation] = target.split(".");
      const input = (body ? JSON.parse(body) : {}) as Record<string, unknown>;
      this.calls.push({ operation, userAgent, requestId, at: Date.now(), input });
      const refused = this.refused(operation, true);
      reply = refused ?? (service === "AmazonSQS" ? this.sqs(operation, input) : this.cloudTrail(operation, input, userAgent, requestId));
    } else {
      reply = this.s3(req, body, userAgent, requestId);
    }
    return { ...reply, requestId };
  }

  private refused(operation: string, json: boolean): Reply | null {
    const refusal = this.refusals[operation];
    if (!refusal || refusal.times <= 0) return null;
    refusal.times -= 1;
    return json
      ? {
          status: refusal.status ?? 400,
          type: "application/x-amz-json-1.1",
          body: JSON.stringify({ __type: refusal.code, message: refusal.message }),
        }
      : {
          status: refusal.status ?? 403,
          type: "application/xml",
          body: `<Error><Code>${refusal.code}</Code><Message>${refusal.message}</Message></Error>`,
        };
  }

  private cloudTrail(operation: string, input: Record<string, unknown>, userAgent: string, requestId: string): Reply {
    const json = (value: unknown): Reply => ({ status: 200, type: "application/x-amz-json-1.1", body: JSON.stringify(value) });
    const missing = (name: unknown): Reply => ({
      status: 400,
      type: "application/x-amz-json-1.1",
      body: JSON.stringify({ __type: "TrailNotFoundException", message: `Unknown trail: ${String(name)} for the user: ${this.account}` }),
    });
    const name = input.Name ?? input.TrailName;
    const trail = this.trail(name);
    switch (operation) {
      case "DescribeTrails":
        return json({
          trailList: [...this.trails.values()].map((t) => ({
            Name: t.name,
            TrailARN: t.arn,
            HomeRegion: this.region,
            S3BucketName: t.bucket,
          })),
        });
      case "GetTrail":
        return trail
          ? json({ Trail: { Name: trail.name, TrailARN: trail.arn, HomeRegion: this.region, S3BucketName: trail.bucket } })
          : missing(name);
      case "GetTrailStatus":
        return trail ? json({ IsLogging: trail.isLogging }) : missing(name);
      case "GetEventSelectors":
        return trail ? json({ TrailARN: trail.arn, ...trail.selectors }) : missing(name);
      case "LookupEvents":
        return json(this.lookup(input));
      case "StopLogging":
      case "StartLogging":
      case "DeleteTrail":
      case "PutEventSelectors": {
        if (!trail) return missing(name);
        const record = this.record("cloudtrail.amazonaws.com", operation, userAgent, requestId, this.requestParameters(operation, input));
        const before = this.logsWrites();
        if (operation === "StopLogging") trail.isLogging = false;
        if (operation === "StartLogging") trail.isLogging = true;
        if (operation === "DeleteTrail") this.trails.delete(trail.arn);
        if (operation === "PutEventSelectors")
          trail.selectors = input.AdvancedEventSelectors
            ? { AdvancedEventSelectors: input.AdvancedEventSelectors as unknown[] }
            : { EventSelectors: input.EventSelectors as unknown[] };
        // StartLogging's own record is modelled as delivered (logging is on from it); DeleteTrail's never reaches the deleted trail's bucket.
        const toBucket = operation === "StartLogging" ? this.logsWrites() : operation === "DeleteTrail" ? null : before;
        this.deliver(record, toBucket, before);
        return json(operation === "PutEventSelectors" ? { TrailARN: trail.arn, ...trail.selectors } : {});
      }
      default:
        return {
          status: 400,
          type: "application/x-amz-json-1.1",
          body: JSON.stringify({ __type: "UnknownOperationException", message: operation }),
        };
    }
  }

  private requestParameters(operation: string, input: Record<string, unknown>): Record<string, unknown> {
    if (operation !== "PutEventSelectors") return { name: input.Name };
    const camel = (v: unknown): unknown =>
      Array.isArray(v)
        ? v.map(camel)
        : v && typeof v === "object"
          ? Object.fromEntries(Object.entries(v).map(([k, inner]) => [k.charAt(0).toLowerCase() + k.slice(1), camel(inner)]))
          : v;
    return {
      trailName: input.TrailName,
      ...(camel({ EventSelectors: input.EventSelectors, AdvancedEventSelectors: input.AdvancedEventSelectors }) as object),
    };
  }

  /** The trail that records write management events now, if any. */
  private logsWrites(): WorldTrail | null {
    return [...this.trails.values()].find((t) => t.isLogging && recordsWrites(t.selectors)) ?? null;
  }

  private record(
    eventSource: string,
    eventName: string,
    userAgent: string,
    requestId: string,
    requestParameters: Record<string, unknown>,
    resources?: unknown[],
  ) {
    const at = Date.now();
    const record: Record<string, unknown> = {
      eventVersion: "1.10",
      userIdentity: {
        type: "IAMUser",
        principalId: "AIDAOC1SYDVN0AF0FMMR",
        arn: `arn:aws:iam::${this.account}:user/lab`,
        accountId: this.account,
        accessKeyId: "AKIAGGWFBBHBE7D3M9WI",
        userName: "lab",
      },
      eventTime: eventTime(at),
      eventSource,
      eventName,
      awsRegion: this.region,
      sourceIPAddress: "203.0.113.10",
      userAgent,
      requestParameters,
      responseElements: null,
      requestID: requestId,
      eventID: randomUUID(),
      readOnly: false,
      ...(resources ? { resources } : {}),
      eventType: "AwsApiCall",
      managementEvent: true,
      recipientAccountId: this.account,
      eventCategory: "Management",
      tlsDetails: {
        tlsVersion: "TLSv1.3",
        cipherSuite: "TLS_AES_128_GCM_SHA256",
        clientProvidedHostHeader: `${eventSource.split(".")[0]}.${this.region}.amazonaws.com`,
      },
    };
    this.history.push(record);
    return record;
  }

  /** Where a record goes: `toBucket` is the trail that writes it to its bucket (and its log group), `logging` the one that feeds EventBridge. */
  private deliver(record: Record<string, unknown>, toBucket: WorldTrail | null, logging: WorldTrail | null): void {
    if (toBucket) {
      const now = new Date();
      const day = `${now.getUTCFullYear()}/${pad(now.getUTCMonth() + 1)}/${pad(now.getUTCDate())}`;
      const key = `AWSLogs/${this.account}/CloudTrail/${this.region}/${day}/${this.account}_CloudTrail_${this.region}_${stamp(now)}_${randomBytes(8).toString("hex")}.json.gz`;
      this.delivered.push({ bucket: toBucket.bucket, key, record });
      if (toBucket.cloudWatchLogs) for (const alarm of this.alarms) if (matchesMetricFilter(alarm.pattern, record)) alarm.counted++;
    }
    if (!logging) return;
    const source = `aws.${String(record.eventSource).split(".")[0]}`;
    const event = {
      version: "0",
      id: randomUUID(),
      "detail-type": "AWS API Call via CloudTrail",
      source,
      account: this.account,
      time: record.eventTime,
      region: this.region,
      resources: [],
      detail: record,
    };
    for (const rule of this.rules) if (matchesEventPattern(rule.pattern, event)) this.publish(rule.queueUrl, JSON.stringify(event));
  }

  /** SNS's envelope around what was published, into the queue subscribed to the topic (raw delivery off). */
  private publish(queueUrl: string, message: string): void {
    const envelope = {
      Type: "Notification",
      MessageId: randomUUID(),
      TopicArn: `arn:aws:sns:${this.region}:${this.account}:detections-topic`,
      Message: message,
      Timestamp: new Date().toISOString(),
      SignatureVersion: "1",
      Signature: randomBytes(32).toString("base64"),
      SigningCertURL: `https://sns.${this.region}.amazonaws.com/SimpleNotificationService-0000000000000000000000.pem`,
      UnsubscribeURL: `https://sns.${this.region}.amazonaws.com/?Action=Unsubscribe`,
    };
    this.queues.get(queueUrl)?.push({ id: randomUUID(), body: JSON.stringify(envelope), receipt: null });
  }

  /** An alarm is evaluated when its queue is read: what it counted since its last look sends it to ALARM, once. */
  private evaluateAlarms(queueUrl: string): void {
    for (const alarm of this.alarms.filter((a) => a.queueUrl === queueUrl && a.counted > 0)) {
      alarm.counted = 0;
      if (alarm.state === "ALARM") continue;
      alarm.state = "ALARM";
      const at = new Date();
      this.publish(
        queueUrl,
        JSON.stringify({
          AlarmName: alarm.name,
          AlarmDescription: "trail-lab",
          AWSAccountId: this.account,
          NewStateValue: "ALARM",
          NewStateReason: "Threshold Crossed: 1 datapoint [1.0] was greater than or equal to the threshold (1.0).",
          StateChangeTime: at.toISOString().replace("Z", "+0000"),
          Region: "EU (Ireland)",
          AlarmArn: `arn:aws:cloudwatch:${this.region}:${this.account}:alarm:${alarm.name}`,
          OldStateValue: "OK",
        }),
      );
    }
  }

  private lookup(input: Record<string, unknown>) {
    const [attribute] = (input.LookupAttributes as { AttributeKey: string; AttributeValue: string }[] | undefined) ?? [];
    const from = typeof input.StartTime === "number" ? input.StartTime * 1000 : -Infinity;
    const to = typeof input.EndTime === "number" ? input.EndTime * 1000 : Infinity;
    const events = this.history
      .filter((r) => !attribute || attribute.AttributeKey !== "EventName" || r.eventName === attribute.AttributeValue)
      .filter((r) => Date.parse(String(r.eventTime)) >= Math.floor(from / 1000) * 1000 && Date.parse(String(r.eventTime)) <= to)
      .reverse()
      .map((r) => ({
        EventId: r.eventID,
        EventName: r.eventName,
        ReadOnly: "false",
        EventTime: Date.parse(String(r.eventTime)) / 1000,
        EventSource: r.eventSource,
        Username: "lab",
        Resources: [],
        CloudTrailEvent: JSON.stringify(r),
      }));
    return { Events: events };
  }

  private sqs(operation: string, input: Record<string, unknown>): Reply {
    const json = (value: unknown): Reply => ({ status: 200, type: "application/x-amz-json-1.0", body: JSON.stringify(value) });
    const url = String(input.QueueUrl);
    const queue = this.queues.get(url);
    if (!queue) {
      return {
        status: 400,
        type: "application/x-amz-json-1.0",
        body: JSON.stringify({ __type: "com.amazonaws.sqs#QueueDoesNotExist", message: "The specified queue does not exist." }),
      };
    }
    if (operation === "ReceiveMessage") {
      this.evaluateAlarms(url);
      const visible = queue.filter((m) => m.receipt === null).slice(0, Number(input.MaxNumberOfMessages ?? 1));
      for (const m of visible) m.receipt = randomUUID();
      return json({
        Messages: visible.map((m) => ({
          MessageId: m.id,
          ReceiptHandle: m.receipt,
          MD5OfBody: createHash("md5").update(m.body).digest("hex"),
          Body: m.body,
        })),
      });
    }
    if (operation === "DeleteMessageBatch") {
      const entries = (input.Entries as { Id: string; ReceiptHandle: string }[]) ?? [];
      for (const e of entries) {
        const i = queue.findIndex((m) => m.receipt === e.ReceiptHandle);
        if (i >= 0) queue.splice(i, 1);
      }
      return json({ Successful: entries.map((e) => ({ Id: e.Id })), Failed: [] });
    }
    return {
      status: 400,
      type: "application/x-amz-json-1.0",
      body: JSON.stringify({ __type: "com.amazonaws.sqs#UnsupportedOperation", message: operation }),
    };
  }

  private s3(req: http.IncomingMessage, body: string, userAgent: string, requestId: string): Reply {
    const url = new URL(req.url ?? "/", "http://localhost");
    const bucketName = url.pathname.split("/")[1] ?? "";
    const sub = url.searchParams.has("policy") ? "policy" : url.searchParams.has("lifecycle") ? "lifecycle" : null;
    const method = req.method ?? "GET";
    const operation = `${method === "GET" ? "Get" : method === "PUT" ? "Put" : "Delete"}Bucket${sub === "policy" ? "Policy" : "Lifecycle"}`;
    this.calls.push({ operation, userAgent, requestId, at: Date.now(), input: { bucket: bucketName, body } });
    const error = (status: number, code: string, message: string): Reply => ({
      status,
      type: "application/xml",
      body: `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><BucketName>${bucketName}</BucketName><RequestId>${requestId}</RequestId></Error>`,
    });
    const refused = this.refused(operation, false);
    if (refused) return refused;
    const bucket = this.buckets.get(bucketName);
    if (!sub) return error(501, "NotImplemented", "the drill world answers a bucket's policy and lifecycle only");
    if (!bucket) return error(404, "NoSuchBucket", "The specified bucket does not exist");
    if (method === "GET") {
      if (sub === "policy")
        return bucket.policy === null
          ? error(404, "NoSuchBucketPolicy", "The bucket policy does not exist")
          : { status: 200, type: "application/json", body: bucket.policy };
      return bucket.lifecycle === null
        ? error(404, "NoSuchLifecycleConfiguration", "The lifecycle configuration does not exist")
        : {
            status: 200,
            type: "application/xml",
            body: `<?xml version="1.0" encoding="UTF-8"?>\n<LifecycleConfiguration xmlns="${NS}">${writeXml("Rule", bucket.lifecycle)}</LifecycleConfiguration>`,
          };
    }
    const resources = [{ accountId: this.account, type: "AWS::S3::Bucket", ARN: `arn:aws:s3:::${bucketName}` }];
    const before = this.logsWrites();
    // S3 records PutBucketLifecycleConfiguration as PutBucketLifecycle.
    const eventName = operation;
    if (method === "PUT" && sub === "policy") bucket.policy = body;
    else if (method === "PUT") bucket.lifecycle = (readXml(body).LifecycleConfiguration as { Rule?: Record<string, unknown>[] }).Rule ?? [];
    else if (sub === "policy") bucket.policy = null;
    else bucket.lifecycle = null;
    const record = this.record(
      "s3.amazonaws.com",
      eventName,
      userAgent,
      requestId,
      { bucketName, Host: `${bucketName}.s3.${this.region}.amazonaws.com`, [sub]: "" },
      resources,
    );
    this.deliver(record, before, before);
    return { status: method === "DELETE" || sub === "policy" ? 204 : 200, type: "application/xml", body: "" };
  }
}

export async function startDrillWorld(account?: string, region?: string): Promise<DrillWorld> {
  return new DrillWorld(account, region).start();
}
