// evidence.json against the LabReport type, before anything renders it: `npm run report` reads a
// file that may be old, foreign or tampered with, so every field the page reads is checked for its
// type and, where the type is a set of words (a control's status, cleanup's mode), for its word.
// Fields added after the first lab runs are optional, so evidence of any release still renders.
import { anything, arrayOf, boolean, instant, nullable, number, object, oneOf, optional, recordOf, string, type Shape } from "./shape";

const text = nullable(string);

const trail = object({
  name: string,
  arn: text,
  isLogging: nullable(boolean),
  bucket: string,
  prefix: text,
  latestDeliveryTime: text,
  latestDeliveryError: text,
});

const s3 = object({
  bucket: string,
  found: boolean,
  key: text,
  eventId: text,
  eventTime: text,
  objectsScanned: number,
  bytesScanned: number,
  bytesDownloaded: number,
  skipped: arrayOf(object({ key: string, reason: string })),
});

const eventHistory = object({ found: boolean, eventId: text, eventTime: text });

const verify = object({
  verified: boolean,
  trail,
  s3,
  eventHistory: nullable(eventHistory),
  event: nullable(recordOf(anything)),
  engine: optional(oneOf("s3", "athena")),
  athena: optional(nullable(recordOf(anything))),
});

const control = object({
  id: string,
  title: string,
  status: oneOf("pass", "fail", "n/a"),
  evidence: recordOf(anything),
  fix: text,
});

const posture = object({ controls: arrayOf(control) });

const integrityResult = object({
  valid: boolean,
  covered: nullable(object({ from: string, to: string })),
  digests: object({ valid: number, total: number }),
  logs: object({ valid: number, total: number }),
  failures: arrayOf(object({ kind: string, key: string, reason: string })),
  gaps: arrayOf(object({ region: string, from: text, to: text, reason: string })),
});

const integrity = object({
  status: oneOf("not-checked", "valid", "invalid"),
  reason: text,
  result: nullable(integrityResult),
});

const cleanup = object({
  mode: oneOf("destroy", "kept"),
  complete: boolean,
  destroyed: boolean,
  destroyAttempts: number,
  leftovers: arrayOf(object({ kind: string, id: string, region: string })),
  commands: arrayOf(string),
});

const timing = object({ startedAt: instant, endedAt: nullable(instant), ms: nullable(number) });

export const LAB_REPORT: Shape = object({
  command: oneOf("lab", "cleanup"),
  stack: string,
  region: text,
  accountId: text,
  callerArn: text,
  startedAt: instant,
  finishedAt: nullable(instant),
  exitCode: nullable(number),
  verified: nullable(boolean),
  outputs: nullable(recordOf(anything)),
  since: optional(nullable(instant)),
  verify: nullable(verify),
  posture: optional(nullable(posture)),
  integrity: optional(integrity),
  rawObject: text,
  evidenceFile: optional(text),
  timings: recordOf(timing),
  cleanup: nullable(cleanup),
  interrupted: nullable(string),
  error: nullable(object({ name: string, message: string, exitCode: nullable(number) })),
  warnings: arrayOf(string),
});

/** The first field of `value` that does not fit a LabReport, or null when it fits. */
export function evidenceProblem(value: unknown): string | null {
  return LAB_REPORT(value, "");
}
