// What the lab needs from verify/: the in-process check and a copy of the matched raw log object.
// The types mirror verify/'s public evidence (issue 3); verify-adapter.ts binds them to verify/.

export interface LabVerifyRequest {
  trail: string;
  region: string;
  bucket: string;
  account?: string;
  eventName: string;
  /** The probe instance id: the record must name it. */
  resource?: string;
  since: Date;
  timeoutMs?: number;
  intervalMs?: number;
  onProgress: (line: string) => void;
  signal: AbortSignal;
}

export interface LabVerifyEvidence {
  verified: boolean;
  trail: {
    name: string;
    arn: string | null;
    isLogging: boolean | null;
    bucket: string | null;
    prefix: string | null;
    latestDeliveryTime: string | null;
    latestDeliveryError: string | null;
  };
  s3: {
    found: boolean;
    key: string | null;
    eventId: string | null;
    eventTime: string | null;
    objectsScanned: number;
    bytesScanned: number;
    bytesDownloaded: number;
    skipped: { key: string; reason: string }[];
  };
  eventHistory: { found: boolean; eventId: string | null; eventTime: string | null } | null;
  event: Record<string, unknown> | null;
}

export interface LabVerifier {
  verify(request: LabVerifyRequest): Promise<LabVerifyEvidence>;
  /** Downloads s3://bucket/key as-is (still gzipped) to `file`. */
  copyLogObject(request: { bucket: string; key: string; file: string; region: string }): Promise<void>;
}
