// An abort signal that fires at an instant, or as soon as the caller's own signal does: work
// still in flight then (a request that never answers, a body that stopped mid-way) is aborted
// instead of waited for. `reached` tells a cut by the clock from the caller's abort.

/** Node's timers hold at most 2^31 - 1 ms; a longer wait is armed again in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export class Cutoff {
  private readonly controller = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  /** Fires at `at`, or when the caller's signal aborts. */
  readonly signal: AbortSignal;

  constructor(
    /** Epoch ms. */
    readonly at: number,
    parent?: AbortSignal,
  ) {
    this.signal = parent ? AbortSignal.any([parent, this.controller.signal]) : this.controller.signal;
    this.arm();
  }

  /** True when the clock, not the caller, ended the work. */
  get reached(): boolean {
    return this.controller.signal.aborted;
  }

  /** Stops the clock; call it once the work is over, so that no timer outlives it. */
  dispose(): void {
    clearTimeout(this.timer);
  }

  private arm(): void {
    const left = this.at - Date.now();
    if (left <= 0) {
      this.controller.abort(new DOMException("The deadline passed with work still in flight.", "AbortError"));
      return;
    }
    this.timer = setTimeout(() => this.arm(), Math.min(left, MAX_TIMER_MS));
  }
}
