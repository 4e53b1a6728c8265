// CloudTrail's digest-signing public keys, fetched with ListPublicKeys once per region (each
// region signs with its own key pairs) and looked up by fingerprint. A region that refuses the
// call (an SCP denying regions not in use, an opt-in region not enabled) is an answer for that
// region's digests, not a failure of the whole check: the caller decides what it means.
import { paginateListPublicKeys, type CloudTrailClient } from "@aws-sdk/client-cloudtrail";
import type { KeyObject } from "node:crypto";
import { isRefusal, toVerifyError } from "../aws-errors";
import { retryThrottled, type RetryPolicy } from "../pacing/retry";
import { rsaPublicKey } from "./digest-file";

export interface KeyRange {
  start: Date;
  end: Date;
}

export type KeyLookup =
  /** null when the region lists no key with the fingerprint. */
  | { key: KeyObject | null }
  /** The region refused ListPublicKeys; the named error says what to grant. */
  | { refused: Error };

export class PublicKeyRing {
  private readonly byRegion = new Map<string, Promise<Map<string, KeyObject> | { refused: Error }>>();

  constructor(
    private readonly clientIn: (region: string) => CloudTrailClient,
    private readonly range: KeyRange,
    private readonly retry: Omit<RetryPolicy, "signal">,
    private readonly signal?: AbortSignal,
  ) {}

  /** The key whose fingerprint the digest names, or the region's refusal to list its keys. */
  async find(region: string, fingerprint: string): Promise<KeyLookup> {
    let keys = this.byRegion.get(region);
    if (!keys) {
      keys = this.load(region);
      this.byRegion.set(region, keys);
    }
    const loaded = await keys;
    if (!(loaded instanceof Map)) return loaded;
    return { key: loaded.get(fingerprint.toLowerCase()) ?? null };
  }

  private async load(region: string): Promise<Map<string, KeyObject> | { refused: Error }> {
    const client = this.clientIn(region);
    const request = { StartTime: this.range.start, EndTime: this.range.end };
    try {
      // Throttled: list again from the first page; a region has a handful of keys at most.
      return await retryThrottled(
        async () => {
          const keys = new Map<string, KeyObject>();
          for await (const page of paginateListPublicKeys({ client }, request, { abortSignal: this.signal })) {
            for (const key of page.PublicKeyList ?? []) {
              if (key.Fingerprint && key.Value) keys.set(key.Fingerprint.toLowerCase(), rsaPublicKey(key.Value));
            }
          }
          return keys;
        },
        { ...this.retry, signal: this.signal },
      );
    } catch (err) {
      const named = toVerifyError("ListPublicKeys", `CloudTrail in ${region}`, err);
      if (isRefusal(err) && named instanceof Error) return { refused: named };
      throw named;
    }
  }
}
