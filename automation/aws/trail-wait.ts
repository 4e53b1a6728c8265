// Waits until the new trail reports IsLogging: trail creation is eventually consistent, and the
// probe must not launch before the trail records.
import { GetTrailStatusCommand } from "@aws-sdk/client-cloudtrail";
import type { LabClients } from "./aws-clients";
import { awsErrorCode } from "../../common/aws-error-code";
import { AwsCallError } from "../../common/errors";
import { TrailNotLoggingInTimeError } from "../errors";
import type { Sleep } from "../signals";

export interface TrailStatus {
  isLogging: boolean;
  latestDeliveryError: string | null;
}

export interface TrailStatusReader {
  status(trailName: string): Promise<TrailStatus | null>;
}

export function cloudTrailStatusReader(clients: Pick<LabClients, "cloudtrail">): TrailStatusReader {
  return {
    async status(trailName) {
      try {
        const s = await clients.cloudtrail.send(new GetTrailStatusCommand({ Name: trailName }));
        return { isLogging: s.IsLogging ?? false, latestDeliveryError: s.LatestDeliveryError ?? null };
      } catch (error) {
        // Right after CreateTrail the trail may not be visible yet.
        if (awsErrorCode(error) === "TrailNotFoundException") return null;
        throw AwsCallError.of("cloudtrail:GetTrailStatus", error);
      }
    },
  };
}

/** The wait's options; the lab passes LabOptions' trailWaitMs and trailPollMs (LAB_DEFAULTS in lab.ts). */
export interface WaitOptions {
  /** How long the trail may take to report IsLogging. */
  timeoutMs: number;
  /** The pause between two reads of its status. */
  intervalMs: number;
  sleep: Sleep;
  now: () => number;
  log: (line: string) => void;
  /**
   * The run's stop signal: the wait ends at once, returning false.
   * @default none: only the deadline ends it
   */
  signal?: AbortSignal;
}

/** Resolves once IsLogging (or at the signal, returning false); throws when the deadline passes. */
export async function waitForLogging(reader: TrailStatusReader, trailName: string, options: WaitOptions): Promise<boolean> {
  const started = options.now();
  let last: TrailStatus | null = null;
  for (;;) {
    if (options.signal?.aborted) return false;
    last = await reader.status(trailName);
    if (last?.isLogging) return true;
    const elapsed = options.now() - started;
    if (elapsed >= options.timeoutMs) {
      throw new TrailNotLoggingInTimeError(trailName, elapsed, last?.latestDeliveryError ?? null);
    }
    options.log(
      `trail ${trailName}: ${last ? "not logging yet" : "not visible yet"} after ${Math.round(elapsed / 1000)} s, checking again`,
    );
    await options.sleep(options.intervalMs, options.signal);
  }
}
