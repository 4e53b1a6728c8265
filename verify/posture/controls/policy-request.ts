// Whether a bucket policy lets one request by an AWS service through, as IAM evaluates a resource
// policy for a service principal: an explicit Deny that applies wins, else an Allow that applies
// allows, else the request is implicitly denied. A statement applies when its principal, action,
// resource and every condition match; conditions are evaluated against the request's context keys
// with IAM's rules (a missing key fails a positive operator and satisfies a negated one; IfExists
// and Null). An operator posture does not evaluate (Numeric*, Date*, IpAddress, ForAnyValue:...)
// leaves its statement undecided: an Allow is then not credited, and a Deny is reported as one that
// may apply. TrailLab.Delivery asks it for CloudTrail's writes to a trail's bucket.
import { globMatches, list, type Statement } from "./policy-document";

export interface ServiceRequest {
  /** The service principal, such as cloudtrail.amazonaws.com. */
  service: string;
  action: string;
  resource: string;
  /** The request's condition keys (lower-case names are matched regardless of case). */
  context: Record<string, string>;
}

export type Decision = "allowed" | "denied" | "implicitly denied" | "undecided";

export interface RequestVerdict {
  decision: Decision;
  /** The Sids (or positions, #n) of the statements that decided it: the allowing or denying ones. */
  by: string[];
  /** Why a statement could not be decided, when one could not. */
  undecided: string[];
}

type Applies = boolean | { unknown: string };

const OPERATORS: Record<string, { negated: boolean; test: (actual: string, expected: string) => boolean }> = {
  stringequals: { negated: false, test: (a, e) => a === e },
  stringnotequals: { negated: true, test: (a, e) => a === e },
  stringequalsignorecase: { negated: false, test: (a, e) => a.toLowerCase() === e.toLowerCase() },
  stringnotequalsignorecase: { negated: true, test: (a, e) => a.toLowerCase() === e.toLowerCase() },
  stringlike: { negated: false, test: (a, e) => globMatches(e, a) },
  stringnotlike: { negated: true, test: (a, e) => globMatches(e, a) },
  arnequals: { negated: false, test: (a, e) => a === e },
  arnnotequals: { negated: true, test: (a, e) => a === e },
  arnlike: { negated: false, test: (a, e) => globMatches(e, a) },
  arnnotlike: { negated: true, test: (a, e) => globMatches(e, a) },
  bool: { negated: false, test: (a, e) => a.toLowerCase() === e.toLowerCase() },
};

function statementName(s: Statement, index: number): string {
  return typeof s.Sid === "string" && s.Sid ? s.Sid : `#${index + 1}`;
}

function principalApplies(s: Statement, service: string): boolean {
  const names = (p: unknown) =>
    p === "*"
      ? ["*"]
      : p && typeof p === "object"
        ? Object.entries(p as Record<string, unknown>).flatMap(([kind, v]) => list(v).map((x) => `${kind}:${String(x)}`))
        : [];
  const matches = (p: unknown) => names(p).some((n) => n === "*" || n === "AWS:*" || n === `Service:${service}`);
  if (s.NotPrincipal !== undefined) return !matches(s.NotPrincipal);
  return matches(s.Principal);
}

function listed(patterns: unknown, value: string, caseless: boolean): boolean {
  return list(patterns).some((p) => typeof p === "string" && globMatches(p, value, caseless));
}

function conditionApplies(condition: unknown, context: Record<string, string>): Applies {
  if (condition === undefined) return true;
  if (!condition || typeof condition !== "object") return { unknown: "a Condition that is not an object" };
  const lookup = (key: string) => Object.entries(context).find(([k]) => k.toLowerCase() === key.toLowerCase())?.[1];
  for (const [rawOperator, keys] of Object.entries(condition as Record<string, unknown>)) {
    if (!keys || typeof keys !== "object") return { unknown: `${rawOperator} without keys` };
    const lower = rawOperator.toLowerCase();
    const ifExists = lower.endsWith("ifexists");
    const name = ifExists ? lower.slice(0, -"ifexists".length) : lower;
    for (const [key, expectedRaw] of Object.entries(keys as Record<string, unknown>)) {
      const expected = list(expectedRaw).map(String);
      const actual = lookup(key);
      if (name === "null") {
        const wantsAbsent = expected.some((e) => e.toLowerCase() === "true");
        if ((actual === undefined) !== wantsAbsent) return false;
        continue;
      }
      const operator = OPERATORS[name];
      if (!operator) return { unknown: `the condition operator ${rawOperator} (on ${key})` };
      if (actual === undefined) {
        if (ifExists || operator.negated) continue;
        return false;
      }
      const any = expected.some((e) => operator.test(actual, e));
      if (operator.negated ? any : !any) return false;
    }
  }
  return true;
}

function applies(s: Statement, request: ServiceRequest): Applies {
  if (!principalApplies(s, request.service)) return false;
  const action = s.NotAction !== undefined ? !listed(s.NotAction, request.action, true) : listed(s.Action, request.action, true);
  if (!action) return false;
  const resource =
    s.NotResource !== undefined ? !listed(s.NotResource, request.resource, false) : listed(s.Resource, request.resource, false);
  if (!resource) return false;
  return conditionApplies(s.Condition, request.context);
}

export function evaluateRequest(statements: readonly Statement[], request: ServiceRequest): RequestVerdict {
  const allows: string[] = [];
  const denies: string[] = [];
  const undecided: string[] = [];
  statements.forEach((s, i) => {
    const result = applies(s, request);
    const name = statementName(s, i);
    if (result === false) return;
    if (result !== true) {
      undecided.push(`statement ${name} (${String(s.Effect)}): ${result.unknown}`);
      if (s.Effect === "Deny") denies.push(name);
      return;
    }
    if (s.Effect === "Deny") denies.push(name);
    else if (s.Effect === "Allow") allows.push(name);
  });
  const sureDenies = denies.filter((d) => !undecided.some((u) => u.startsWith(`statement ${d} `)));
  if (sureDenies.length > 0) return { decision: "denied", by: sureDenies, undecided };
  if (denies.length > 0) return { decision: "undecided", by: denies, undecided };
  if (allows.length > 0) return { decision: "allowed", by: allows, undecided };
  return { decision: undecided.length > 0 ? "undecided" : "implicitly denied", by: [], undecided };
}
