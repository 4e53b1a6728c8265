// The kept raw log object, hashed again each time the page is rendered. The evidence records the
// SHA-256 of the copy as the lab wrote it; a page that showed that hash without reading the file
// would vouch for bytes nobody looked at. So the copy beside evidence.json (the one that travels
// with it, named as the evidence names it) is read and hashed, and the page and `npm run report`
// say when it differs from the record or is not there: exit 1, checked and the answer is no.
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { TrailLabError } from "../../common/errors";
import { ExitCode } from "../../common/exit-codes";
import type { LabReport } from "../evidence";

export type RawObjectCheck =
  /** The run kept no copy: nothing to check. */
  | { status: "none" }
  /** The file hashes as recorded. */
  | { status: "same"; file: string; sha256: string; bytes: number }
  /** The file's bytes are not the ones the lab wrote. */
  | { status: "differs"; file: string; sha256: string; bytes: number; recordedSha256: string; recordedBytes: number | null }
  /** No readable file where the copy should be. */
  | { status: "missing"; file: string; reason: string }
  /** Evidence from before the hash was kept: the file is hashed, with nothing to compare it to. */
  | { status: "unrecorded"; file: string; sha256: string; bytes: number };

/** Where the copy is: beside evidence.json under the name the evidence gives it, else where it says. */
export function rawObjectFile(report: LabReport, evidenceDir: string | null): string | null {
  if (!report.rawObject) return null;
  return evidenceDir === null ? report.rawObject : path.join(evidenceDir, path.basename(report.rawObject));
}

/** Reads and hashes the copy the evidence points to, and compares it with what the lab recorded. */
export function checkRawObject(report: LabReport, evidenceDir: string | null): RawObjectCheck {
  const file = rawObjectFile(report, evidenceDir);
  if (file === null) return { status: "none" };
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return { status: "missing", file, reason: code === "ENOENT" ? "no such file" : (error as Error).message };
  }
  const sha256 = createHash("sha256").update(bytes).digest("hex");
  const recorded = report.rawObjectSha256 ?? null;
  if (recorded === null) return { status: "unrecorded", file, sha256, bytes: bytes.length };
  if (sha256 === recorded) return { status: "same", file, sha256, bytes: bytes.length };
  return { status: "differs", file, sha256, bytes: bytes.length, recordedSha256: recorded, recordedBytes: report.rawObjectBytes ?? null };
}

/** The copy no longer holds the bytes the evidence vouches for: exit 1, naming the file and both hashes. */
export class RawObjectCheckError extends TrailLabError {
  constructor(readonly check: Extract<RawObjectCheck, { status: "differs" | "missing" }>) {
    super(
      check.status === "differs"
        ? `The kept raw log object ${check.file} is not the one the lab wrote: its SHA-256 is now ${check.sha256} (${check.bytes} bytes), ` +
            `the evidence records ${check.recordedSha256}${check.recordedBytes === null ? "" : ` (${check.recordedBytes} bytes)`}. ` +
            `The page says so; the copy cannot stand as the run's proof. If the trail's bucket still holds the object, fetch it again and compare.`
        : `The kept raw log object ${check.file} cannot be read (${check.reason}), so the SHA-256 the evidence records was not checked. ` +
            `Keep the .json.gz beside evidence.json, as the lab left it, and render the report again.`,
      ExitCode.CheckFailed,
    );
  }
}

/** The error the check amounts to, or null when the copy holds (or there is nothing to hold to). */
export function rawObjectProblem(check: RawObjectCheck): RawObjectCheckError | null {
  return check.status === "differs" || check.status === "missing" ? new RawObjectCheckError(check) : null;
}
