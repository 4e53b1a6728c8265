// Binds the lab's LabVerifier to verify/'s public entry: one set of verify clients per region,
// created once for the run, with the lab's AWS profile.
import { checkPosture, copyLogObject, createAthenaClient, createAwsClients, validateIntegrity, verifyTrail } from "../../verify";
import type { LabVerifier } from "./lab-verifier";

export function verifyAdapter(region: string, profile?: string): LabVerifier {
  const clients = createAwsClients({ region, profile });
  // Only --search athena needs Athena: its client is made on first use, then kept.
  let athena: ReturnType<typeof createAthenaClient> | undefined;
  return {
    verify: (request) =>
      verifyTrail({
        trail: request.trail,
        region: request.region,
        profile,
        bucket: request.bucket,
        account: request.account,
        eventName: request.eventName,
        resource: request.resource,
        since: request.since,
        timeoutMs: request.timeoutMs,
        intervalMs: request.intervalMs,
        search: request.search,
        athena: request.athena,
        onProgress: request.onProgress,
        signal: request.signal,
        clients: request.search === "athena" ? { ...clients, athena: (athena ??= createAthenaClient({ region, profile })) } : clients,
      }),
    integrity: (request) =>
      validateIntegrity({
        trail: request.trail,
        region: request.region,
        profile,
        bucket: request.bucket,
        account: request.account,
        since: request.since,
        waitForLogKey: request.logKey,
        waitTimeoutMs: request.timeoutMs,
        waitIntervalMs: request.intervalMs,
        onProgress: request.onProgress,
        signal: request.signal,
        clients,
      }),
    posture: (request) =>
      checkPosture({
        trail: request.trail,
        region: request.region,
        profile,
        buckets: request.buckets,
        workgroup: request.workgroup,
        retentionDays: request.retentionDays,
        signal: request.signal,
        clients: request.workgroup ? { ...clients, athena: (athena ??= createAthenaClient({ region, profile })) } : clients,
      }),
    copyLogObject: (request) => copyLogObject({ bucket: request.bucket, key: request.key, file: request.file, client: clients.s3 }),
  };
}
