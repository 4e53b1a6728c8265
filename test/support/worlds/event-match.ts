// How AWS matches an event, for test worlds that play AWS's delivery: an EventBridge event pattern
// (the subset the stack's rules use: a list of values a field may take, nested objects, and
// EventBridge's rule that a field absent from the event matches no value), and a CloudWatch Logs
// metric filter of the form CIS writes (`{($.eventName=X) || (...)}` with && and ||, parentheses,
// `=` on a JSON field). Anything outside that subset throws, so a pattern the world cannot read is
// never taken as matching or not.

/** Whether `event` matches an EventBridge pattern: every key of the pattern, recursively; a list is "one of". */
export function matchesEventPattern(pattern: Record<string, unknown>, event: Record<string, unknown>): boolean {
  return Object.entries(pattern).every(([key, expected]) => {
    const actual = event[key];
    if (Array.isArray(expected)) {
      if (expected.some((v) => typeof v === "object" && v !== null)) {
        throw new Error(`event-match: content filters (${JSON.stringify(expected)}) are outside what the test world reads`);
      }
      // A field holding an array matches when any of its values does, as EventBridge reads arrays.
      const values = Array.isArray(actual) ? actual : [actual];
      return values.some((value) => value !== undefined && expected.includes(value));
    }
    if (typeof expected === "object" && expected !== null) {
      return (
        typeof actual === "object" &&
        actual !== null &&
        matchesEventPattern(expected as Record<string, unknown>, actual as Record<string, unknown>)
      );
    }
    throw new Error(`event-match: pattern value ${JSON.stringify(expected)} at ${key} is neither a list nor an object`);
  });
}

type Term = { kind: "eq"; path: string[]; value: string } | { kind: "and" | "or"; left: Term; right: Term };

/** Parses `{ ($.a=b) || (($.c=d) && ($.e=f)) }` into a tree; anything else throws. */
export function parseMetricFilter(pattern: string): Term {
  const text = pattern.trim();
  if (!text.startsWith("{") || !text.endsWith("}")) throw new Error(`metric filter: not a JSON filter pattern: ${pattern}`);
  let at = 0;
  const body = text.slice(1, -1);
  const skip = () => {
    while (body[at] === " ") at++;
  };
  const expression = (): Term => {
    let left = operand();
    for (;;) {
      skip();
      const op = body.startsWith("||", at) ? "or" : body.startsWith("&&", at) ? "and" : null;
      if (!op) return left;
      at += 2;
      left = { kind: op, left, right: operand() };
    }
  };
  const operand = (): Term => {
    skip();
    if (body[at] === "(") {
      at++;
      const inner = expression();
      skip();
      if (body[at] !== ")") throw new Error(`metric filter: expected ) at ${at} in ${pattern}`);
      at++;
      return inner;
    }
    const m = /^\$\.([A-Za-z0-9_.]+)\s*=\s*([^\s()|&]+)/.exec(body.slice(at));
    if (!m) throw new Error(`metric filter: cannot read a comparison at ${at} in ${pattern}`);
    at += m[0].length;
    return { kind: "eq", path: m[1].split("."), value: m[2] };
  };
  const tree = expression();
  skip();
  if (at !== body.length) throw new Error(`metric filter: unread text at ${at} in ${pattern}`);
  return tree;
}

/** Whether a CloudTrail record (a log event's JSON) matches the metric filter. */
export function matchesMetricFilter(pattern: string, record: Record<string, unknown>): boolean {
  const evaluate = (term: Term): boolean => {
    if (term.kind !== "eq")
      return term.kind === "and" ? evaluate(term.left) && evaluate(term.right) : evaluate(term.left) || evaluate(term.right);
    let value: unknown = record;
    for (const part of term.path) value = (value as Record<string, unknown> | null | undefined)?.[part];
    return value === term.value;
  };
  return evaluate(parseMetricFilter(pattern));
}
