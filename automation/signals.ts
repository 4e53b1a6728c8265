// SIGINT/SIGTERM/SIGHUP handling for the lab. The first signal asks the cycle to stop and clean up: it
// aborts `stop`, which also tells a running `pulumi up` to stop (its one SIGINT, sent by the
// engine; Pulumi runs in a process group of its own and hears no signal but the lab's). A second
// signal gives up waiting for cleanup (`giveUp`, which stops a running destroy the same way).
// Under `npm run`, one Ctrl-C arrives twice (the terminal signals the process group, and npm
// forwards its own copy), so a repeat within a short window counts as the same interrupt.
// SIGHUP (the terminal closed, or the `trail-lab` launcher forwarding one) is a stop like the
// others: left to its default it would end the lab at once, with everything it created left running.
// The lab's waits (a sleep, unlessAborted) end early, without throwing, when their signal fires, so
// that the cycle decides what to do next.

export type LabSignal = "SIGINT" | "SIGTERM" | "SIGHUP";

export interface SignalSource {
  on(event: LabSignal, listener: () => void): unknown;
  off(event: LabSignal, listener: () => void): unknown;
}

/** Repeats closer together than this are one interrupt (npm's forwarded copy of a Ctrl-C). */
export const REPEAT_WINDOW_MS = 1500;

export class Interruption {
  /** Fires at the first signal: stop starting new work, abort waits and polling. */
  readonly stop = new AbortController();
  /** Fires at the second signal: stop waiting for cleanup, report what is left. */
  readonly giveUp = new AbortController();
  signal: LabSignal | null = null;
  private firstAt = 0;
  private readonly listeners: [LabSignal, () => void][] = [];

  constructor(
    private readonly source: SignalSource,
    private readonly log: (line: string) => void,
    private readonly now: () => number = Date.now,
  ) {
    for (const name of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
      const listener = () => this.receive(name);
      source.on(name, listener);
      this.listeners.push([name, listener]);
    }
  }

  get interrupted(): boolean {
    return this.signal !== null;
  }

  private receive(name: LabSignal): void {
    if (!this.signal) {
      this.signal = name;
      this.firstAt = this.now();
      this.log(`${name} received: stopping, then destroying what was created. Send it again to stop waiting (resources may be left).`);
      this.stop.abort();
    } else if (this.now() - this.firstAt < REPEAT_WINDOW_MS) {
      return;
    } else if (!this.giveUp.signal.aborted) {
      this.log(`${name} received again: no longer waiting for cleanup.`);
      this.giveUp.abort();
    }
  }

  dispose(): void {
    for (const [name, listener] of this.listeners) this.source.off(name, listener);
  }
}

/** Resolves with the work's result, or with `undefined` as soon as `signal` fires. */
export async function unlessAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<{ value: T } | undefined> {
  if (signal.aborted) return undefined;
  let onAbort: () => void = () => undefined;
  const aborted = new Promise<undefined>((resolve) => {
    onAbort = () => resolve(undefined);
    signal.addEventListener("abort", onAbort, { once: true });
  });
  const settled = work.then((value) => ({ value }));
  // When the abort wins, a later rejection of the abandoned work must not crash the process.
  settled.catch(() => undefined);
  try {
    return await Promise.race([settled, aborted]);
  } finally {
    signal.removeEventListener("abort", onAbort);
  }
}

/** A sleep that ends early, without throwing, when `signal` fires. */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

export const sleep: Sleep = (ms, signal) =>
  new Promise<void>((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
