// What the lab needs from verify/: the in-process check and a copy of the matched raw log object.
// verify-adapter.ts binds it to verify/'s public entry, loaded only once preflight has passed.
import type { IntegrityResult, PostureReport, VerifyEvidence } from "../../verify";

export interface LabVerifyRequest {
  trail: string;
  region: string;
  bucket: string;
  /** @default the account in the trail's ARN (verify's own) */
  account?: string;
  eventName: string;
  /**
   * The probe instance id: the record must name it.
   * @default none: any record of `eventName` counts
   */
  resource?: string;
  since: Date;
  /** @default verify's DEFAULT_TIMEOUT_MS (verify/index.ts) */
  timeoutMs?: number;
  /** @default verify's DEFAULT_INTERVAL_MS (verify/index.ts) */
  intervalMs?: number;
  /**
   * Search the logs with Athena over this table instead of reading objects (--search athena).
   * @default "s3" (verify's own)
   */
  search?: "s3" | "athena";
  /** The Athena table, with `search: "athena"` only. */
  athena?: { workgroup: string; database: string; table: string };
  onProgress: (line: string) => void;
  signal: AbortSignal;
}

/** verify/'s evidence, as `npm run verify -- --json` prints it (a type import: nothing loads). */
export type LabVerifyEvidence = VerifyEvidence;

/** The integrity and posture results, as verify/ gives them, for the lab's record (evidence.ts). */
export type { IntegrityResult, PostureReport };

/** `--wait-digest`: wait for the first digest that lists the matched log object, then validate. */
export interface LabIntegrityRequest {
  trail: string;
  region: string;
  bucket: string;
  /** @default the account in the trail's ARN (verify's own) */
  account?: string;
  since: Date;
  /** The matched log object, which a digest must list before the check runs. */
  logKey: string;
  /** How long to wait for that digest; the lab passes LabOptions.digestWaitMs. @default verify's
   * DEFAULT_DIGEST_WAIT_MS (verify/index.ts) */
  timeoutMs?: number;
  /** The pause between two looks for it; the lab passes LabOptions.digestPollMs. @default verify's DEFAULT_DIGEST_POLL_MS */
  intervalMs?: number;
  onProgress: (line: string) => void;
  signal: AbortSignal;
}

export interface LabPostureRequest {
  trail: string;
  region: string;
  /**
   * The stack's other buckets (its access-log bucket): judged even when the audit bucket's logging
   * no longer names them.
   * @default none: posture finds the access-log bucket from the audit bucket's logging
   */
  buckets?: string[];
  /** The stack's Athena workgroup, whose results bucket is judged too. @default none */
  workgroup?: string;
  /** The stack's trail-lab:retentionDays. @default verify's DEFAULT_RETENTION_DAYS (infra's default) */
  retentionDays?: number;
  signal: AbortSignal;
}

export interface LabVerifier {
  verify(request: LabVerifyRequest): Promise<LabVerifyEvidence>;
  /** verify's integrity check (`npm run verify -- --integrity`), waiting for the digest first. */
  integrity(request: LabIntegrityRequest): Promise<IntegrityResult>;
  /** verify's posture check (`npm run verify -- --posture`) of the deployed trail, its bucket and the stack's other buckets. */
  posture(request: LabPostureRequest): Promise<PostureReport>;
  /** Downloads s3://bucket/key as-is (still gzipped) to `file`: its size and SHA-256 as written. */
  copyLogObject(request: { bucket: string; key: string; file: string; region: string }): Promise<{ bytes: number; sha256: string }>;
}
