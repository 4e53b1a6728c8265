// CloudTrail's digest-signing public keys, fetched with ListPublicKeys once per region (each
// region signs with its own key pairs) and looked up by fingerprint.
import { paginateListPublicKeys, type CloudTrailClient } from "@aws-sdk/client-cloudtrail";
import type { KeyObject } from "node:crypto";
import { toVerifyError } from "../aws-errors";
import { retryThrottled, type RetryPolicy } from "../retry";
import { rsaPublicKey } from "./digest-file";

export interface KeyRange {
  start: Date;
  end: Date;
}

export class PublicKeyRing {
  private readonly byRegion = new Map<string, Promise<Map<string, KeyObject>>>();

  constructor(
    private readonly clientIn: (region: string) => CloudTrailClient,
    private readonly range: KeyRange,
    private readonly retry: Omit<RetryPolicy, "signal">,
    private readonly signal?: AbortSignal,
  ) {}

  /** The key whose fingerprint the digest names, or null when the region lists no such key. */
  async find(region: string, fingerprint: string): Promise<KeyObject | null> {
    let keys = this.byRegion.get(region);
    if (!keys) {
      keys = this.load(region);
      this.byRegion.set(region, keys);
    }
    return (await keys).get(fingerprint.toLowerCase()) ?? null;
  }

  private async load(region: string): Promise<Map<string, KeyObject>> {
    const client = this.clientIn(region);
    const request = { StartTime: this.range.start, EndTime: this.range.end };
    try {
      // Throttled: list again from the first page; a region has a handful of keys at most.
      return await retryThrottled(async () => {
        const keys = new Map<string, KeyObject>();
        for await (const page of paginateListPublicKeys({ client }, request, { abortSignal: this.signal })) {
          for (const key of page.PublicKeyList ?? []) {
            if (key.Fingerprint && key.Value) keys.set(key.Fingerprint.toLowerCase(), rsaPublicKey(key.Value));
          }
        }
        return keys;
      }, { ...this.retry, signal: this.signal });
    } catch (err) {
      throw toVerifyError("ListPublicKeys", `CloudTrail in ${region}`, err);
    }
  }
}
