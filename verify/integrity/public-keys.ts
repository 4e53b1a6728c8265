// CloudTrail's digest-signing public keys, fetched with ListPublicKeys (each region signs with its
// own key pairs) and looked up by fingerprint. A region's keys are listed once for the whole range
// the check covers; a fingerprint not among them is looked for again around the time its digest
// was signed (a digest signed just after a key rotation, a backfill digest signed days after its
// hour), as the AWS CLI learnt to do (aws/aws-cli#10072, #10058). A region that refuses the call
// (an SCP denying regions not in use, an opt-in region not enabled) is an answer for that
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

type Loaded = Map<string, KeyObject> | { refused: Error };

/** Around a digest's signing time: the hour before (its key may be the one about to rotate out) and two after (delivery, rotation). */
const SIGNED_BEFORE_MS = 60 * 60_000;
const SIGNED_AFTER_MS = 2 * 60 * 60_000;

export class PublicKeyRing {
  /** Per region and window asked: the keys, or the region's refusal. */
  private readonly loaded = new Map<string, Promise<Loaded>>();

  constructor(
    private readonly clientIn: (region: string) => CloudTrailClient,
    /** The window every region's keys are first listed for: the whole range checked. */
    private readonly range: KeyRange,
    private readonly retry: Omit<RetryPolicy, "signal">,
    private readonly signal?: AbortSignal,
  ) {}

  /**
   * The key whose fingerprint a digest names, or the region's refusal to list its keys.
   * `signedAt`: when the digest was signed, about (its end time; a backfill digest's generation time).
   */
  async find(region: string, fingerprint: string, signedAt: Date): Promise<KeyLookup> {
    const wanted = fingerprint.toLowerCase();
    const first = await this.load(region, this.range);
    if (!(first instanceof Map)) return first;
    const key = first.get(wanted);
    if (key) return { key };
    const around = await this.load(region, {
      start: new Date(signedAt.getTime() - SIGNED_BEFORE_MS),
      end: new Date(signedAt.getTime() + SIGNED_AFTER_MS),
    });
    if (!(around instanceof Map)) return around;
    return { key: around.get(wanted) ?? null };
  }

  private load(region: string, window: KeyRange): Promise<Loaded> {
    const id = `${region} ${window.start.toISOString()} ${window.end.toISOString()}`;
    let keys = this.loaded.get(id);
    if (!keys) {
      keys = this.list(region, window);
      this.loaded.set(id, keys);
    }
    return keys;
  }

  private async list(region: string, window: KeyRange): Promise<Loaded> {
    const client = this.clientIn(region);
    const request = { StartTime: window.start, EndTime: window.end };
    try {
      // Throttled: list again from the first page; a region has a handful of keys at most.
      return await retryThrottled(
        async () => {
          const keys = new Map<string, KeyObject>();
          for await (const page of paginateListPublicKeys({ client }, { ...request }, { abortSignal: this.signal })) {
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
