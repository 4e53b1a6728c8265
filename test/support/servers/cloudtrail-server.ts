// A local CloudTrail: the JSON 1.1 protocol (X-Amz-Target: CloudTrail_20131101.<Operation>)
// served from a state object the test shapes (trails, statuses, Event History, a throttle plan),
// so that the real @aws-sdk/client-cloudtrail is exercised. Every call is recorded with its time.
// Later work adds operations by adding handlers to `handlers`.
import { CloudTrailClient } from "@aws-sdk/client-cloudtrail";
import { jsonError, startAwsServer, type AwsHandler, type AwsReply, type AwsServer } from "./aws-query-json-server";
import type { FixtureRecord } from "../fixtures/cloudtrail-fixtures";

export interface FixtureTrail {
  name: string;
  account: string;
  homeRegion: string;
  bucket: string;
  prefix?: string;
  isMultiRegion?: boolean;
  isOrganization?: boolean;
  isLogging?: boolean;
  latestDeliveryTime?: Date;
  latestDeliveryError?: string;
  eventSelectors?: unknown[];
  advancedEventSelectors?: unknown[];
  /** Log file validation; on unless set to false. */
  logFileValidation?: boolean;
  /** SSE-KMS key of the log files. */
  kmsKeyId?: string;
  /** CloudWatch Logs delivery (group ARN ending in :*, and the role CloudTrail assumes). */
  cloudWatchLogs?: { groupArn: string; roleArn: string };
  /** Operations on this trail (GetEventSelectors, GetTrailStatus, ...) refused with AccessDeniedException. */
  denied?: string[];
}

/** A digest-signing public key as ListPublicKeys returns it. */
export interface FixturePublicKey {
  /** PKCS#1 DER. */
  value: Buffer;
  fingerprint: string;
  validFrom: Date;
  validTo: Date;
}

export interface CloudTrailState {
  region: string;
  trails: FixtureTrail[];
  /** Event History: records as they appear in log files. */
  events: FixtureRecord[];
  /** How many of the next calls of each operation are refused with ThrottlingException. */
  throttle: Record<string, number>;
  /** LookupEvents page size when the request gives none (AWS's default is 50). */
  lookupPageSize: number;
  /** This region's digest-signing keys (ListPublicKeys). */
  publicKeys: FixturePublicKey[];
}

export interface CloudTrailCall {
  operation: string;
  input: Record<string, unknown>;
  at: number;
}

export interface LocalCloudTrail {
  endpoint: string;
  state: CloudTrailState;
  calls: CloudTrailCall[];
  handlers: Record<string, AwsHandler>;
  callsOf(operation: string): CloudTrailCall[];
  client(options?: { maxAttempts?: number }): CloudTrailClient;
  close(): Promise<void>;
}

export function trailArn(trail: FixtureTrail): string {
  return `arn:aws:cloudtrail:${trail.homeRegion}:${trail.account}:trail/${trail.name}`;
}

const json = (body: unknown): AwsReply => ({ json: true, body: JSON.stringify(body) });
const epochSeconds = (at: Date | string) => new Date(at).getTime() / 1000;

function describe(trail: FixtureTrail) {
  return {
    Name: trail.name,
    S3BucketName: trail.bucket,
    ...(trail.prefix ? { S3KeyPrefix: trail.prefix } : {}),
    IncludeGlobalServiceEvents: true,
    IsMultiRegionTrail: trail.isMultiRegion ?? true,
    HomeRegion: trail.homeRegion,
    TrailARN: trailArn(trail),
    LogFileValidationEnabled: trail.logFileValidation ?? true,
    ...(trail.kmsKeyId ? { KmsKeyId: trail.kmsKeyId } : {}),
    ...(trail.cloudWatchLogs
      ? { CloudWatchLogsLogGroupArn: trail.cloudWatchLogs.groupArn, CloudWatchLogsRoleArn: trail.cloudWatchLogs.roleArn }
      : {}),
    HasCustomEventSelectors: Boolean(trail.eventSelectors || trail.advancedEventSelectors),
    HasInsightSelectors: false,
    IsOrganizationTrail: trail.isOrganization ?? false,
  };
}

/** The resource names Event History indexes for a record: instances it created, and resources[]. */
function resourcesOf(record: FixtureRecord): { ResourceType: string; ResourceName: string }[] {
  const items = (record.responseElements as { instancesSet?: { items?: { instanceId: string }[] } } | null)?.instancesSet?.items ?? [];
  return [
    ...items.map((i) => ({ ResourceType: "AWS::EC2::Instance", ResourceName: i.instanceId })),
    ...(record.resources ?? []).map((r) => ({ ResourceType: r.type, ResourceName: r.ARN })),
  ];
}

function historyEvent(record: FixtureRecord) {
  return {
    EventId: record.eventID,
    EventName: record.eventName,
    ReadOnly: String(record.readOnly),
    AccessKeyId: record.userIdentity.accessKeyId,
    EventTime: epochSeconds(record.eventTime),
    EventSource: record.eventSource,
    Username: record.userIdentity.userName ?? record.userIdentity.principalId,
    Resources: resourcesOf(record),
    CloudTrailEvent: JSON.stringify(record),
  };
}

export async function startCloudTrailServer(initial: Partial<CloudTrailState> = {}): Promise<LocalCloudTrail> {
  const state: CloudTrailState = {
    region: "us-east-1",
    trails: [],
    events: [],
    throttle: {},
    lookupPageSize: 50,
    publicKeys: [],
    ...initial,
  };
  const calls: CloudTrailCall[] = [];
  const find = (nameOrArn: unknown, byNameHomeOnly: boolean) =>
    state.trails.find((t) => trailArn(t) === nameOrArn || (t.name === nameOrArn && (!byNameHomeOnly || t.homeRegion === state.region)));
  const notFound = (name: unknown) =>
    jsonError("TrailNotFoundException", `Unknown trail: ${String(name)} for the user: ${state.trails[0]?.account ?? "123456789012"}`);

  const operations: Record<string, (input: Record<string, unknown>) => AwsReply> = {
    GetTrail({ Name }) {
      // GetTrail by name only finds trails homed in this region; by ARN it finds shadow trails too.
      const trail = find(Name, true);
      return trail ? json({ Trail: describe(trail) }) : notFound(Name);
    },
    DescribeTrails({ trailNameList, includeShadowTrails }) {
      const names = (trailNameList as string[] | undefined) ?? state.trails.map((t) => t.name);
      const list = names.map((n) => find(n, includeShadowTrails === false)).filter((t): t is FixtureTrail => t !== undefined);
      return json({ trailList: list.map(describe) });
    },
    GetTrailStatus({ Name }) {
      const trail = find(Name, true);
      if (!trail) return notFound(Name);
      return json({
        IsLogging: trail.isLogging ?? true,
        ...(trail.latestDeliveryTime ? { LatestDeliveryTime: epochSeconds(trail.latestDeliveryTime) } : {}),
        ...(trail.latestDeliveryError ? { LatestDeliveryError: trail.latestDeliveryError } : {}),
        StartLoggingTime: epochSeconds("2024-01-01T00:00:00Z"),
      });
    },
    GetEventSelectors({ TrailName }) {
      // Only in the trail's home region, by name or ARN: elsewhere CloudTrail answers TrailNotFoundException.
      const trail = find(TrailName, true);
      if (trail && trail.homeRegion !== state.region) return notFound(TrailName);
      if (!trail) return notFound(TrailName);
      if (trail.advancedEventSelectors) return json({ TrailARN: trailArn(trail), AdvancedEventSelectors: trail.advancedEventSelectors });
      return json({
        TrailARN: trailArn(trail),
        EventSelectors: trail.eventSelectors ?? [
          { ReadWriteType: "All", IncludeManagementEvents: true, DataResources: [], ExcludeManagementEventSources: [] },
        ],
      });
    },
    LookupEvents({ LookupAttributes, StartTime, EndTime, MaxResults, NextToken }) {
      const [attribute] = (LookupAttributes as { AttributeKey: string; AttributeValue: string }[] | undefined) ?? [];
      const from = typeof StartTime === "number" ? StartTime : -Infinity;
      const to = typeof EndTime === "number" ? EndTime : Infinity;
      const selected = state.events
        .filter((r) => r.awsRegion === state.region)
        .filter((r) => epochSeconds(r.eventTime) >= from && epochSeconds(r.eventTime) <= to)
        .filter((r) => {
          if (!attribute) return true;
          if (attribute.AttributeKey === "EventName") return r.eventName === attribute.AttributeValue;
          if (attribute.AttributeKey === "ResourceName") return resourcesOf(r).some((res) => res.ResourceName === attribute.AttributeValue);
          return false;
        })
        // Event History lists newest first.
        .sort((a, b) => b.eventTime.localeCompare(a.eventTime));
      const start = typeof NextToken === "string" ? Number(NextToken) : 0;
      const size = typeof MaxResults === "number" ? MaxResults : state.lookupPageSize;
      const end = start + size;
      return json({ Events: selected.slice(start, end).map(historyEvent), ...(end < selected.length ? { NextToken: String(end) } : {}) });
    },
    ListPublicKeys({ StartTime, EndTime }) {
      // Keys whose validity overlaps the range; without a range AWS answers for the current time.
      const now = Date.now() / 1000;
      const from = typeof StartTime === "number" ? StartTime : now;
      const to = typeof EndTime === "number" ? EndTime : now;
      const keys = state.publicKeys.filter((k) => epochSeconds(k.validFrom) <= to && epochSeconds(k.validTo) >= from);
      return json({
        PublicKeyList: keys.map((k) => ({
          Value: k.value.toString("base64"),
          ValidityStartTime: epochSeconds(k.validFrom),
          ValidityEndTime: epochSeconds(k.validTo),
          Fingerprint: k.fingerprint,
        })),
      });
    },
  };

  const handlers: Record<string, AwsHandler> = {};
  for (const [operation, handle] of Object.entries(operations)) {
    handlers[operation] = (params) => {
      // The shared server hands over each top-level member JSON-encoded.
      const input = Object.fromEntries(Object.entries(params).map(([k, v]) => [k, JSON.parse(v) as unknown]));
      calls.push({ operation, input, at: Date.now() });
      if ((state.throttle[operation] ?? 0) > 0) {
        state.throttle[operation] -= 1;
        return jsonError("ThrottlingException", "Rate exceeded");
      }
      const named = input.Name ?? input.TrailName;
      if (state.trails.some((t) => (t.name === named || trailArn(t) === named) && t.denied?.includes(operation))) {
        return jsonError(
          "AccessDeniedException",
          `User is not authorized to perform: cloudtrail:${operation} on resource: ${String(named)}`,
        );
      }
      return handle(input);
    };
  }
  const server: AwsServer = await startAwsServer(handlers);
  return {
    endpoint: server.endpoint,
    state,
    calls,
    handlers: server.handlers,
    callsOf: (operation) => calls.filter((c) => c.operation === operation),
    client: (options = {}) =>
      new CloudTrailClient({
        region: state.region,
        endpoint: server.endpoint,
        credentials: { accessKeyId: "AKIDLOCAL", secretAccessKey: "local" },
        maxAttempts: options.maxAttempts ?? 1,
      }),
    close: () => server.close(),
  };
}
