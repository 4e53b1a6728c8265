// Why a wait ended when its AbortSignal fired: the signal's own reason when it is an Error (a
// round's "another part failed", the deadline's), else an AbortError naming what was waited for.

/** The error a wait on `signal` rejects with; `what` names the wait, as in "The wait for bytes". */
export function abortReason(signal: AbortSignal, what: string): Error {
  return signal.reason instanceof Error ? signal.reason : new DOMException(`${what} was aborted.`, "AbortError");
}
