// A small structural checker for JSON read from disk: each shape names what it expects, and a value
// that does not fit fails with the path of the first field that is wrong ("posture.controls[2].status
// is 42, expected one of pass, fail, n/a"), so a tampered or foreign file is refused by name before
// any code trusts its types.

export type Shape = (value: unknown, path: string) => string | null;

function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "string") return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  if (typeof value === "number" || typeof value === "boolean") return `${typeof value} ${value}`;
  return typeof value === "object" ? "an object" : typeof value;
}

const expected = (path: string, value: unknown, what: string) => `${path || "the file"} is ${describeValue(value)}, expected ${what}`;

export const string: Shape = (v, p) => (typeof v === "string" ? null : expected(p, v, "a string"));
export const number: Shape = (v, p) => (typeof v === "number" && Number.isFinite(v) ? null : expected(p, v, "a number"));
export const boolean: Shape = (v, p) => (typeof v === "boolean" ? null : expected(p, v, "true or false"));
/** Any JSON value: the record's own fields, evidence a control rests on. */
export const anything: Shape = () => null;

/** An ISO-8601 instant such as 2026-11-25T21:15:00.000Z. */
export const instant: Shape = (v, p) =>
  typeof v === "string" && /^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)$/.test(v) && !Number.isNaN(Date.parse(v))
    ? null
    : expected(p, v, "an ISO-8601 instant");

export function oneOf(...values: readonly (string | number | boolean | null)[]): Shape {
  return (v, p) => (values.includes(v as string) ? null : expected(p, v, `one of ${values.map(String).join(", ")}`));
}

/** A string matching `pattern`; `what` says in words what it is. */
export function matching(pattern: RegExp, what: string): Shape {
  return (v, p) => (typeof v === "string" && pattern.test(v) ? null : expected(p, v, what));
}

export function nullable(shape: Shape): Shape {
  return (v, p) => (v === null ? null : shape(v, p));
}

export function arrayOf(shape: Shape, { min = 0 } = {}): Shape {
  return (v, p) => {
    if (!Array.isArray(v)) return expected(p, v, "an array");
    if (v.length < min) return `${p} has ${v.length} entries, expected at least ${min}`;
    for (let i = 0; i < v.length; i++) {
      const problem = shape(v[i], `${p}[${i}]`);
      if (problem) return problem;
    }
    return null;
  };
}

/** An object whose values all fit `shape`, keyed by any name. */
export function recordOf(shape: Shape): Shape {
  return (v, p) => {
    if (!v || typeof v !== "object" || Array.isArray(v)) return expected(p, v, "an object");
    for (const [key, value] of Object.entries(v)) {
      const problem = shape(value, `${p}.${key}`);
      if (problem) return problem;
    }
    return null;
  };
}

/** Marks a field of `object()` that may be absent (evidence written before the field existed). */
export function optional(shape: Shape): Shape & { optional: true } {
  return Object.assign((v: unknown, p: string) => shape(v, p), { optional: true as const });
}

/** An object with at least these fields; fields not named are allowed (a newer writer may add some). */
export function object(fields: Record<string, Shape>): Shape {
  return (v, p) => {
    if (!v || typeof v !== "object" || Array.isArray(v)) return expected(p, v, "an object");
    const record = v as Record<string, unknown>;
    for (const [key, shape] of Object.entries(fields)) {
      const path = p ? `${p}.${key}` : key;
      if (!(key in record)) {
        if ((shape as { optional?: true }).optional) continue;
        return `${path} is missing`;
      }
      const problem = shape(record[key], path);
      if (problem) return problem;
    }
    return null;
  };
}

/** An object with exactly these fields, each present unless optional(): a field not named is an error. */
export function exact(fields: Record<string, Shape>): Shape {
  const open = object(fields);
  return (v, p) => {
    const problem = open(v, p);
    if (problem) return problem;
    const extra = Object.keys(v as Record<string, unknown>).find((key) => !(key in fields));
    return extra === undefined ? null : `${p ? `${p}.` : ""}${extra} is not a field of this object`;
  };
}

/** A value that fits every one of `shapes` (a type and a rule between fields, say). */
export function allOf(...shapes: Shape[]): Shape {
  return (v, p) => {
    for (const shape of shapes) {
      const problem = shape(v, p);
      if (problem) return problem;
    }
    return null;
  };
}

export const integer: Shape = (v, p) => (Number.isSafeInteger(v) ? null : `${p} is ${describeValue(v)}, expected an integer`);
