// The five views of the lab's proof, each showing what AWS answered (or the stack's outputs),
// never what the lab asked for: the trail as CloudTrail describes it, the bucket as S3 reports its
// settings, the log file found in its date-stamped folder, the probe as EC2 describes it, and the
// Event History entry. Each says where its values come from; what was not read says so.
import { logFileStamp, type BucketFacts, type PostureControl, type TrailFacts } from "../../verify";
import type { LabReport } from "../evidence";
import type { InstanceView } from "../aws/instance-view";
import { attr, badge, bytesText, code, definitions, escapeHtml, flag, instantText, orDash, section } from "./markup";
import { rawObjectProblem, type RawObjectCheck } from "./raw-object";

const json = (value: unknown) => `<code>${escapeHtml(JSON.stringify(value))}</code>`;
const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : value === undefined || value === null ? [] : [value]);
const notRead = (why: string) => `<p class="empty">${badge("not read", "none")} ${escapeHtml(why)}</p>`;

function postureSource(report: LabReport, calls: string): string {
  const at = report.posture?.checkedAt ?? report.timings.posture?.endedAt;
  return `${escapeHtml(calls)}, read by posture${at ? ` at ${instantText(at)}` : ""}.`;
}

function managementEvents(facts: TrailFacts): string {
  const m = facts.managementEvents;
  const selectors = facts.advancedEventSelectors
    ? { AdvancedEventSelectors: facts.advancedEventSelectors }
    : { EventSelectors: facts.eventSelectors };
  return `Read ${flag(m.read, "recorded", "not recorded")} Write ${flag(m.write, "recorded", "not recorded")}${m.gap ? ` <span class="bad-text">${escapeHtml(m.gap)}</span>` : ""}<br>${json(selectors)}`;
}

export function trailView(report: LabReport): string {
  const facts = report.posture?.facts?.trail;
  const status = report.verify?.trail;
  if (!facts && !status) return section("trail", "Trail", "", notRead("Neither verify nor posture reached the trail in this run."));
  const rows: [string, string][] = facts
    ? [
        ["Name", code(facts.name)],
        ["ARN", code(facts.arn)],
        ["Home region", orDash(facts.homeRegion)],
        ["Multi-Region", flag(facts.isMultiRegionTrail)],
        ["Log file validation", flag(facts.logFileValidationEnabled, "enabled", "disabled")],
        ["Management events", managementEvents(facts)],
        ["Global service events", flag(facts.includeGlobalServiceEvents)],
        ["Logging", flag(facts.isLogging, "logging", "not logging")],
        ["Latest delivery", instantText(facts.latestDeliveryTime)],
        [
          "Latest delivery error",
          facts.latestDeliveryError ? `<span class="bad-text">${escapeHtml(facts.latestDeliveryError)}</span>` : "none",
        ],
        ["KMS key", facts.kmsKeyId ? code(facts.kmsKeyId) : "none (log files encrypted with SSE-S3)"],
        ["CloudWatch Logs", facts.cloudWatchLogsLogGroupArn ? code(facts.cloudWatchLogsLogGroupArn) : "none"],
        ["Writes to", code(`s3://${facts.s3BucketName}/${facts.s3KeyPrefix ? `${facts.s3KeyPrefix}/` : ""}`)],
      ]
    : [
        ["Name", code(status!.name)],
        ["ARN", code(status!.arn)],
        ["Logging", flag(status!.isLogging, "logging", "not logging")],
        ["Latest delivery", instantText(status!.latestDeliveryTime)],
        ["Latest delivery error", orDash(status!.latestDeliveryError)],
        ["Writes to", code(`s3://${status!.bucket}/${status!.prefix ? `${status!.prefix}/` : ""}`)],
      ];
  const source = facts
    ? postureSource(report, "GetTrail, GetTrailStatus and GetEventSelectors")
    : "GetTrail and GetTrailStatus, read by verify (posture did not read the trail).";
  return section("trail", "Trail", source, definitions(rows));
}

/** Who may do what where, and when, for each statement of the bucket policy. */
function policyTable(policy: string | null): string {
  if (policy === null) return "<p>none</p>";
  let statements: Record<string, unknown>[];
  try {
    statements = list((JSON.parse(policy) as { Statement?: unknown }).Statement).filter(
      (s): s is Record<string, unknown> => !!s && typeof s === "object",
    );
  } catch {
    return `not valid JSON: ${code(policy)}`;
  }
  const who = (p: unknown) =>
    p === "*"
      ? "anyone (*)"
      : Object.entries((p ?? {}) as Record<string, unknown>)
          .map(([kind, ids]) => `${kind} ${list(ids).map(String).join(", ")}`)
          .join("; ") || "—";
  const when = (c: unknown) =>
    Object.entries((c ?? {}) as Record<string, Record<string, unknown>>)
      .flatMap(([op, keys]) => Object.entries(keys ?? {}).map(([k, v]) => `${op} ${k} = ${list(v).map(String).join(", ")}`))
      .join("; ") || "always";
  const rows = statements
    .map(
      (s) =>
        `<tr><td>${code(s.Sid)}</td><td>${s.Effect === "Deny" ? badge("Deny", "bad") : s.Effect === "Allow" ? badge("Allow", "ok") : orDash(s.Effect)}</td>` +
        `<td>${escapeHtml(who(s.Principal))}</td><td>${code(list(s.Action).map(String).join(", "))}</td><td>${list(s.Resource)
          .map((r) => code(r))
          .join("<br>")}</td><td>${escapeHtml(when(s.Condition))}</td></tr>`,
    )
    .join("");
  return `<table class="inner"><thead><tr><th>Sid</th><th>Effect</th><th>Who</th><th>Actions</th><th>On</th><th>When</th></tr></thead><tbody>${rows}</tbody></table>`;
}

function tlsOnly(report: LabReport): string {
  const s35 = report.posture?.controls.find((c) => c.id === "S3.5");
  if (!s35) return "—";
  const deny = s35.evidence.denyStatement as { Sid?: unknown } | null | undefined;
  return s35.status === "pass"
    ? `${badge("yes", "ok")} statement ${code(deny?.Sid ?? "(no Sid)")} denies every request made without TLS`
    : `${badge("no", "bad")} ${orDash(s35.evidence.reason)}`;
}

function publicAccess(b: BucketFacts): string {
  const p = b.publicAccessBlock;
  if (!p) return `${badge("none configured", "bad")}`;
  return (["BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets"] as const)
    .map((k) => `${escapeHtml(k)} ${flag(p[k], "on", "off")}`)
    .join(" ");
}

export function bucketView(report: LabReport): string {
  const b = report.posture?.facts?.bucket;
  if (!b)
    return section(
      "bucket",
      "Bucket",
      "",
      notRead(
        report.posture
          ? "This evidence predates the facts posture now keeps."
          : "Posture did not run, or AWS refused a read (see the warnings).",
      ),
    );
  const encryption = b.encryption?.length
    ? b.encryption
        .map(
          (r) =>
            `${code(r.SSEAlgorithm)}${r.KMSMasterKeyID ? ` key ${code(r.KMSMasterKeyID)}` : ""}${r.BucketKeyEnabled ? " (bucket key)" : ""}`,
        )
        .join("<br>")
    : badge("none", "bad");
  const lifecycle = b.lifecycle?.length
    ? b.lifecycle
        .map(
          (r) =>
            `${code(r.id)} ${escapeHtml(r.status ?? "")}: ${r.expirationDays !== null ? `objects expire after ${r.expirationDays} days` : "no expiry"}${r.noncurrentDays !== null ? `, old versions after ${r.noncurrentDays} days` : ""}`,
        )
        .join("<br>")
    : "none";
  const rows: [string, string][] = [
    ["Name", code(b.name)],
    ["Region", orDash(b.region)],
    ["Block Public Access", publicAccess(b)],
    ["Policy is public", b.policyIsPublic === null ? "—" : b.policyIsPublic ? badge("public", "bad") : badge("not public", "ok")],
    ["Default encryption", encryption],
    ["Object Ownership", b.ownership === "BucketOwnerEnforced" ? `${code(b.ownership)} (ACLs disabled)` : code(b.ownership)],
    ["Versioning", b.versioning === "Enabled" ? badge("Enabled", "ok") : orDash(b.versioning)],
    ["Lifecycle", lifecycle],
    ["TLS only", tlsOnly(report)],
    ["Access logging", b.logging ? `to ${code(`s3://${b.logging.targetBucket}/${b.logging.targetPrefix}`)}` : badge("off", "bad")],
  ];
  const calls =
    "GetBucketLocation, GetPublicAccessBlock, GetBucketPolicyStatus, GetBucketEncryption, GetBucketOwnershipControls, GetBucketVersioning, GetBucketLifecycleConfiguration, GetBucketLogging and GetBucketPolicy";
  const policy = `<div class="policy"><h3>Bucket policy: who may do what, where, when</h3>${policyTable(b.policy)}</div>`;
  return section("bucket", "Bucket", postureSource(report, calls), definitions(rows) + policy);
}

const RECORD_FIELDS: [string, (r: Record<string, unknown>) => unknown][] = [
  ["eventTime", (r) => r.eventTime],
  ["eventName", (r) => r.eventName],
  ["eventSource", (r) => r.eventSource],
  ["userIdentity.arn", (r) => (r.userIdentity as { arn?: unknown } | undefined)?.arn],
  ["sourceIPAddress", (r) => r.sourceIPAddress],
  ["userAgent", (r) => r.userAgent],
  ["requestID", (r) => r.requestID],
  ["eventID", (r) => r.eventID],
];

/** `AWSLogs / <account> / CloudTrail / <region> / YYYY / MM / DD / file`, as folders. */
function folderPath(key: string): string {
  return `<span class="path">${key
    .split("/")
    .map((part) => `<span>${escapeHtml(part)}</span>`)
    .join('<span class="sep"> / </span>')}</span>`;
}

/** The copy hashed again as the page was rendered, against the hash the lab recorded. */
function rawObjectCheckText(check: RawObjectCheck | undefined): string {
  if (!check) return "not checked: this page was rendered without reading the copy";
  switch (check.status) {
    case "none":
      return "no copy was kept";
    case "same":
      return `${badge("same", "ok")} ${code(check.file)} hashes as recorded (${escapeHtml(check.bytes)} bytes; <code>sha256sum</code> gives the same)`;
    case "differs":
      return `${badge("CHANGED", "bad")} ${code(check.file)} <span class="bad-text">now hashes</span> ${code(check.sha256)} (${escapeHtml(check.bytes)} bytes): it is not the object the lab wrote`;
    case "missing":
      return `${badge("MISSING", "bad")} <span class="bad-text">no readable copy at</span> ${code(check.file)} (${escapeHtml(check.reason)}): the recorded hash was not checked`;
    case "unrecorded":
      return `${badge("no hash recorded", "warn")} ${code(check.file)} hashes ${code(check.sha256)} (${escapeHtml(check.bytes)} bytes); this evidence predates the recorded hash`;
  }
}

/** A line in the page's head when the kept copy is not the one the evidence vouches for; empty otherwise. */
export function rawObjectAlarm(check: RawObjectCheck | undefined): string {
  const problem = check && rawObjectProblem(check);
  return problem ? `<p class="meta alarm">${badge("RAW LOG OBJECT CHECK FAILED", "bad")} ${escapeHtml(problem.message)}</p>` : "";
}

export function logFileView(report: LabReport, rawObject?: RawObjectCheck): string {
  const v = report.verify;
  const key = v?.s3.key;
  if (!v || !key) {
    const why = !v ? "Verify did not run." : `No log file in s3://${v.s3.bucket} held the event (${v.s3.objectsScanned} log files read).`;
    return section("log-file", "Log file", "", notRead(why));
  }
  const record = (v.event ?? {}) as Record<string, unknown>;
  const fields = RECORD_FIELDS.map(([name, get]): [string, string] => {
    const value = get(record);
    return [name, value === undefined || value === null ? "—" : code(typeof value === "string" ? value : JSON.stringify(value))];
  });
  const delivered = logFileStamp(key);
  const rows: [string, string][] = [
    ["Bucket", code(v.s3.bucket)],
    ["Folder and file", folderPath(key)],
    ["Delivered", `${instantText(delivered?.toISOString())} (the minute in the file's name)`],
    ["Size", bytesText(report.rawObjectBytes)],
    ["SHA-256 of the copy", report.rawObjectSha256 ? code(report.rawObjectSha256) : "—"],
    ["Hashed again", rawObjectCheckText(rawObject)],
    ["Copy kept at", code(report.rawObject)],
    ...fields,
  ];
  const body =
    definitions(rows) +
    (v.event
      ? `<details><summary>The whole record, as delivered (${Object.keys(record).length} fields)</summary><pre id="record">${escapeHtml(JSON.stringify(v.event, null, 2))}</pre></details>`
      : "");
  const engine = v.search === "athena" ? "Athena's query over the trail's table" : "ListObjectsV2 and GetObject";
  return section(
    "log-file",
    "Log file",
    `${escapeHtml(engine)}, read by verify; size and SHA-256 of the copy as the lab wrote it, and the copy hashed again as this page was rendered.`,
    body,
  );
}

const INSTANCE_ROWS: [string, (i: InstanceView) => string][] = [
  [
    "State",
    (i) =>
      i.found
        ? i.state === "running"
          ? badge(i.state, "warn")
          : i.state === "terminated"
            ? badge(i.state, "ok")
            : orDash(i.state)
        : "EC2 no longer knows the id",
  ],
  ["Instance type", (i) => orDash(i.instanceType)],
  ["Name tag", (i) => code(i.name)],
  ["AMI", (i) => code(i.imageId)],
  ["Subnet", (i) => code(i.subnetId)],
  ["VPC", (i) => code(i.vpcId)],
  ["Availability Zone", (i) => orDash(i.availabilityZone)],
  ["Public IP", (i) => (i.publicIpAddress ? `<span class="bad-text">${escapeHtml(i.publicIpAddress)}</span>` : i.found ? "none" : "—")],
  ["Private IP", (i) => orDash(i.privateIpAddress)],
  [
    "IMDSv2",
    (i) =>
      i.httpTokens === "required"
        ? `${badge("required", "ok")} (HttpTokens)`
        : i.httpTokens
          ? `${badge(i.httpTokens, "bad")} (HttpTokens)`
          : "—",
  ],
  ["Launch time", (i) => instantText(i.launchTime)],
  ["Read at", (i) => instantText(i.readAt)],
];

export function instanceView(report: LabReport): string {
  const instance = report.instance;
  const id = typeof report.outputs?.instanceId === "string" ? report.outputs.instanceId : null;
  if (!instance || (!instance.atVerify && !instance.atCleanup)) {
    const why = !id
      ? "No probe instance in this run (its up did not finish, or the run stopped before it)."
      : `EC2 was not asked about ${id} in this run (or this evidence predates the instance view).`;
    return section("instance", "Instance", "", notRead(why));
  }
  const cell = (view: InstanceView | null, row: (i: InstanceView) => string) => (view ? row(view) : "not read");
  const rows = INSTANCE_ROWS.map(
    ([name, row]) =>
      `<tr><th>${escapeHtml(name)}</th><td>${cell(instance.atVerify, row)}</td><td>${cell(instance.atCleanup, row)}</td></tr>`,
  ).join("");
  const instanceId = instance.atVerify?.instanceId ?? instance.atCleanup?.instanceId;
  return section(
    "instance",
    "Instance",
    "DescribeInstances, read by the lab once verify answered and again once destroy finished.",
    `<p>${code(instanceId)}</p><table class="inner side"><thead><tr><th></th><th>after verify</th><th>after cleanup</th></tr></thead><tbody>${rows}</tbody></table>`,
  );
}

export function eventHistoryView(report: LabReport): string {
  const v = report.verify;
  const h = v?.eventHistory;
  if (!v || !h)
    return section("event-history", "Event History", "", notRead(!v ? "Verify did not run." : "Event History was not consulted."));
  const same = h.eventId !== null && h.eventId === v.s3.eventId;
  const rows: [string, string][] = [
    ["Found", h.found ? badge("found", "ok") : badge("not found", "bad")],
    [
      "eventID",
      `${code(h.eventId)} ${h.eventId && v.s3.eventId ? (same ? badge("same as the S3 record's", "ok") : badge(`differs from the S3 record's ${v.s3.eventId}`, "bad")) : ""}`,
    ],
    ["Event time", instantText(h.eventTime)],
    ["Username", code(h.username)],
    ["Found at", instantText(h.foundAt)],
  ];
  return section("event-history", "Event History", "LookupEvents, read by verify.", definitions(rows));
}

/** A control's resource and region, as posture judged it. */
export function resourceCell(control: PostureControl): string {
  const r = control.resource as PostureControl["resource"] | undefined;
  return r
    ? `<span ${attr("class", "resource")}>${code(r.arn)}<br><span class="muted">${escapeHtml(r.type)} · ${orDash(r.region)}${r.role ? ` · ${escapeHtml(r.role)} bucket` : ""}</span></span>`
    : "—";
}
