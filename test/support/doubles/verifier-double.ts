// A stand-in for verify/ in runs of the whole lab whose trail writes no logs (the stand-in pulumi,
// the stand-in AWS plugin): verify answers that the probe's RunInstances was found, naming the
// instance the run asked about; the copy of the matched log object is a small gzip file; posture
// has no controls to judge; integrity is never asked for (no --wait-digest). It records each request.
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { gzipSync } from "node:zlib";
import type { LabVerifier, LabVerifyRequest } from "../../../automation/verifier/lab-verifier";
import { LOG_KEY, evidence } from "./lab-fakes";

export interface VerifierDouble extends LabVerifier {
  requests: LabVerifyRequest[];
}

export function verifierDouble(): VerifierDouble {
  const requests: LabVerifyRequest[] = [];
  return {
    requests,
    verify: async (request) => {
      requests.push(request);
      const found = evidence(true);
      const instanceId = request.resource ?? null;
      return Promise.resolve({
        ...found,
        trail: { ...found.trail, name: request.trail, bucket: request.bucket },
        s3: { ...found.s3, bucket: request.bucket, key: LOG_KEY },
        event: found.event && { ...found.event, responseElements: { instancesSet: { items: [{ instanceId }] } } },
      });
    },
    copyLogObject: async (request) => {
      const raw = gzipSync(JSON.stringify({ Records: [{ eventName: "RunInstances" }] }));
      fs.mkdirSync(path.dirname(request.file), { recursive: true });
      fs.writeFileSync(request.file, raw);
      return Promise.resolve({ bytes: raw.length, sha256: createHash("sha256").update(raw).digest("hex") });
    },
    integrity: () => Promise.reject(new Error("the verifier double checks no integrity: the run has no --wait-digest")),
    posture: () => Promise.resolve({ controls: [], checkedAt: new Date().toISOString() }),
  };
}
