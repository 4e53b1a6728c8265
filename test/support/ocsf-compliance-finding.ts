// The OCSF 1.3.0 Compliance Finding, as far as trail-lab emits it, written from the schema's own
// files (github.com/ocsf/ocsf-schema at tag 1.3.0), not from trail-lab's output:
//   events/base_event.json      metadata, severity_id required; message, status* recommended
//   includes/classification.json activity_id, category_uid, class_uid, type_uid required
//   includes/occurrence.json    time required (timestamp_t: epoch milliseconds, dictionary.json)
//   events/findings/finding.json finding_info required; activity_id 1 Create, 2 Update, 3 Close;
//                               status_id 1 New, 2 In Progress, 3 Suppressed, 4 Resolved
//   events/findings/compliance_finding.json  uid 3 in category findings (uid 2, categories.json):
//                               class_uid 2003; compliance required; remediation, resources recommended
//   profiles/cloud.json         cloud required once the profile applies (base_event lists it)
//   objects/compliance.json     standards required; control, status, status_id recommended;
//                               status_id 1 Pass, 2 Warning, 3 Fail
//   objects/finding_info.json   uid, title required; desc, types, created_time optional
//   objects/metadata.json       version, product required; profiles optional
//   objects/product.json        vendor_name required; name, version
//   objects/cloud.json          provider required; region recommended; account optional
//   objects/account.json        uid; type_id 10 "AWS Account"
//   objects/remediation.json    desc required; references optional
//   objects/resource_details.json (from _resource, _entity) uid, type, region, cloud_partition,
//                               data (json_t); _entity: at least one of name, uid
//   dictionary.json             type_uid = class_uid * 100 + activity_id; severity_id 0 Unknown,
//                               1 Informational, 2 Low, 3 Medium, 4 High, 5 Critical, 6 Fatal, 99 Other
// Every object is closed: a field trail-lab emits that is not listed here is an error.
import { allOf, anything, arrayOf, exact, integer, matching, oneOf, optional, recordOf, string, type Shape } from "../../automation/report/shape";

const SEVERITY: Record<number, string> = { 0: "Unknown", 1: "Informational", 2: "Low", 3: "Medium", 4: "High", 5: "Critical", 6: "Fatal", 99: "Other" };
const FINDING_STATUS: Record<number, string> = { 1: "New", 2: "In Progress", 3: "Suppressed", 4: "Resolved" };
const COMPLIANCE_STATUS: Record<number, string> = { 1: "Pass", 2: "Warning", 3: "Fail" };
const ACTIVITY: Record<number, string> = { 1: "Create", 2: "Update", 3: "Close" };

/** `sibling` holds the caption of the enum value in `id` (OCSF's sibling convention). */
function captionOf(id: string, sibling: string, captions: Record<number, string>): Shape {
  return (v, p) => {
    const o = v as Record<string, unknown>;
    const caption = captions[o[id] as number];
    if (caption === undefined) return `${p}.${id} is ${String(o[id])}, not one of ${Object.keys(captions).join(", ")}`;
    return o[sibling] === undefined || o[sibling] === caption ? null : `${p}.${sibling} is ${JSON.stringify(o[sibling]).replace(/^"|"$/g, "")}, expected the caption of ${id} ${String(o[id])}: ${caption}`;
  };
}

const timestamp = allOf(integer, (v, p) => ((v as number) > 0 ? null : `${p} is not an epoch-millisecond timestamp`));

const metadata = exact({
  version: oneOf("1.3.0"),
  product: exact({ name: optional(string), vendor_name: string, version: optional(string) }),
  profiles: optional(arrayOf(string)),
});

const cloud = exact({
  provider: string,
  region: optional(string),
  account: optional(allOf(exact({ uid: string, type_id: optional(oneOf(10)), type: optional(string) }), captionOf("type_id", "type", { 10: "AWS Account" }))),
});

const findingInfo = exact({
  uid: string,
  title: string,
  desc: optional(string),
  types: optional(arrayOf(string)),
  created_time: optional(timestamp),
});

const compliance = allOf(
  exact({
    control: optional(string),
    standards: arrayOf(string),
    requirements: optional(arrayOf(string)),
    status_id: optional(oneOf(1, 2, 3)),
    status: optional(string),
    status_detail: optional(string),
  }),
  captionOf("status_id", "status", COMPLIANCE_STATUS),
);

const remediation = exact({ desc: string, references: optional(arrayOf(string)) });

const resource = exact({
  uid: optional(string),
  name: optional(string),
  type: optional(string),
  region: optional(string),
  cloud_partition: optional(string),
  data: optional(recordOf(anything)),
});

const event = exact({
  class_uid: oneOf(2003),
  class_name: optional(oneOf("Compliance Finding")),
  category_uid: oneOf(2),
  category_name: optional(oneOf("Findings")),
  activity_id: oneOf(1, 2, 3),
  activity_name: optional(string),
  type_uid: integer,
  type_name: optional(string),
  time: timestamp,
  severity_id: oneOf(0, 1, 2, 3, 4, 5, 6, 99),
  severity: optional(string),
  status_id: optional(oneOf(1, 2, 3, 4)),
  status: optional(string),
  status_detail: optional(string),
  message: optional(string),
  metadata,
  cloud,
  finding_info: findingInfo,
  compliance,
  remediation: optional(remediation),
  resources: optional(arrayOf(allOf(resource, (v, p) => ((v as { uid?: unknown; name?: unknown }).uid ?? (v as { name?: unknown }).name ? null : `${p} has neither uid nor name`)))),
});

const typeUid: Shape = (v, p) => {
  const o = v as { class_uid: number; activity_id: number; type_uid: number; type_name?: string };
  if (o.type_uid !== o.class_uid * 100 + o.activity_id) return `${p}.type_uid is ${o.type_uid}, expected class_uid * 100 + activity_id = ${o.class_uid * 100 + o.activity_id}`;
  return o.type_name === undefined || o.type_name === `Compliance Finding: ${ACTIVITY[o.activity_id]}` ? null : `${p}.type_name is ${o.type_name}`;
};

export const COMPLIANCE_FINDING: Shape = allOf(
  event,
  typeUid,
  captionOf("severity_id", "severity", SEVERITY),
  captionOf("activity_id", "activity_name", ACTIVITY),
  (v, p) => ((v as { status_id?: unknown }).status_id === undefined ? null : captionOf("status_id", "status", FINDING_STATUS)(v, p)),
);

/** An AWS ARN, or Security Hub's form of an account. */
export const RESOURCE_UID = matching(/^(arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:\d{0,12}:.+|AWS::::Account:\d{12})$/, "an ARN");
