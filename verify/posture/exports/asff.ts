// Posture findings in the AWS Security Finding Format (ASFF, schema 2018-10-08), ready for
// `aws securityhub batch-import-findings --findings file://findings.asff.json` into the account's
// own private product (arn:<partition>:securityhub:<region>:<account>:product/<account>/default).
// One finding per verdict, with every attribute ASFF requires; the verdict as Compliance.Status
// (PASSED, FAILED, NOT_AVAILABLE for n/a) and its framework requirements as RelatedRequirements;
// a pass, an n/a and an accepted failure carry the INFORMATIONAL label ASFF's guidance gives them,
// a failure the control's severity; an accepted failure says why in a Note. Lengths are held to
// the API's limits (Title 256, Description 1024, Recommendation text 512, ProductFields values 2048).
import { UsageError } from "../../../common/errors";
import type { ControlResource, Severity } from "../types";
import { acceptanceText, frameworkRequirements, type Finding, type FindingsContext } from "./findings";

export const ASFF_SCHEMA_VERSION = "2018-10-08";

/** ASFF's Severity.Label values, as Security Hub's API model names them. */
type SeverityLabel = "INFORMATIONAL" | "LOW" | "MEDIUM" | "HIGH" | "CRITICAL";
const LABEL: Record<Severity, SeverityLabel> = { low: "LOW", medium: "MEDIUM", high: "HIGH", critical: "CRITICAL" };
const COMPLIANCE = { pass: "PASSED", fail: "FAILED", "n/a": "NOT_AVAILABLE" } as const;
const RESOURCE_TYPE: Record<ControlResource["type"], string> = {
  "AWS::CloudTrail::Trail": "AwsCloudTrailTrail",
  "AWS::S3::Bucket": "AwsS3Bucket",
  "AWS::::Account": "AwsAccount",
};

export interface AsffFinding {
  SchemaVersion: string;
  Id: string;
  ProductArn: string;
  ProductName: string;
  CompanyName: string;
  GeneratorId: string;
  AwsAccountId: string;
  Types: string[];
  CreatedAt: string;
  UpdatedAt: string;
  Severity: { Label: SeverityLabel };
  Title: string;
  Description: string;
  Remediation?: { Recommendation: { Text: string; Url?: string } };
  ProductFields: Record<string, string>;
  Resources: { Type: string; Id: string; Partition: string; Region?: string; Details?: { Other: Record<string, string> } }[];
  Compliance: { Status: (typeof COMPLIANCE)[keyof typeof COMPLIANCE]; RelatedRequirements?: string[] };
  FindingProviderFields: { Severity: { Label: SeverityLabel }; Types: string[] };
  RecordState: "ACTIVE";
  Note?: { Text: string; UpdatedBy: string; UpdatedAt: string };
}

const clip = (text: string, max: number) => (text.length <= max ? text : `${text.slice(0, max - 1)}…`);

function typesOf(finding: Finding): string[] {
  const frameworks = frameworkRequirements(finding.control).map((f) => f.framework);
  const types = ["Software and Configuration Checks/Industry and Regulatory Standards"];
  if (frameworks.some((f) => f.startsWith("CIS AWS Foundations Benchmark")))
    types.push("Software and Configuration Checks/Industry and Regulatory Standards/CIS AWS Foundations Benchmark");
  if (frameworks.some((f) => f.startsWith("AWS Foundational Security Best Practices")))
    types.push("Software and Configuration Checks/Industry and Regulatory Standards/AWS-Foundational-Security-Best-Practices");
  return types;
}

export function toAsff(finding: Finding, context: FindingsContext): AsffFinding {
  const account = context.account;
  if (!account) throw new UsageError("ASFF findings name the account they belong to, and the trail's ARN names none.");
  const c = finding.control;
  const partition = c.resource.arn.startsWith("arn:") ? c.resource.arn.split(":")[1] : "aws";
  const region = c.resource.region ?? context.region;
  const at = new Date(context.time).toISOString();
  const types = typesOf(finding);
  const label: SeverityLabel = c.status === "fail" && !finding.accepted ? (LABEL[c.severity] ?? "INFORMATIONAL") : "INFORMATIONAL";
  const fields: Record<string, string> = {
    "trail-lab/ControlId": c.id,
    "trail-lab/Status": finding.status,
    "trail-lab/ControlSeverity": c.severity,
    ...(c.risk ? { "trail-lab/Risk": clip(c.risk, 2048) } : {}),
    ...(c.remediation
      ? { "trail-lab/FixCli": clip(c.remediation.cli, 2048), "trail-lab/FixPulumi": clip(c.remediation.pulumi, 2048) }
      : {}),
    ...(c.resource.role ? { "trail-lab/BucketRole": c.resource.role } : {}),
    "trail-lab/Version": context.product.version,
  };
  const recommendation = c.status !== "pass" && c.fix ? c.fix : null;
  const requirements = frameworkRequirements(c).map((f) => `${f.framework}/${f.requirement}`);
  return {
    SchemaVersion: ASFF_SCHEMA_VERSION,
    Id: clip(`${context.product.name}/${region}/${account}/${c.id}/${c.resource.arn}`, 512),
    ProductArn: `arn:${partition}:securityhub:${context.region}:${account}:product/${account}/default`,
    ProductName: context.product.name,
    CompanyName: context.product.name,
    GeneratorId: `${context.product.name}/${c.id}`,
    AwsAccountId: account,
    Types: types,
    CreatedAt: at,
    UpdatedAt: at,
    Severity: { Label: label },
    Title: clip(`${c.id} ${c.title}`, 256),
    Description: clip(c.statusDetail ?? `${c.id} ${c.status}.`, 1024),
    ...(recommendation
      ? { Remediation: { Recommendation: { Text: clip(recommendation, 512), ...(c.remediationUrl ? { Url: c.remediationUrl } : {}) } } }
      : {}),
    ProductFields: fields,
    Resources: [
      {
        Type: RESOURCE_TYPE[c.resource.type] ?? "Other",
        Id: c.resource.arn,
        Partition: partition,
        ...(c.resource.region ? { Region: c.resource.region } : {}),
        ...(c.resource.role ? { Details: { Other: { role: c.resource.role } } } : {}),
      },
    ],
    Compliance: { Status: COMPLIANCE[c.status], ...(requirements.length > 0 ? { RelatedRequirements: requirements.slice(0, 32) } : {}) },
    FindingProviderFields: { Severity: { Label: label }, Types: types },
    RecordState: "ACTIVE",
    ...(finding.accepted
      ? { Note: { Text: clip(acceptanceText(finding.accepted), 512), UpdatedBy: context.product.name, UpdatedAt: at } }
      : {}),
  };
}

export function asffFindings(findings: readonly Finding[], context: FindingsContext): AsffFinding[] {
  return findings.map((f) => toAsff(f, context));
}
