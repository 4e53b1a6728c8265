// Request pacing and retry, on a fake clock: no test here waits for real time.
import { expect } from "chai";
import { forEachConcurrent } from "../../../verify/pacing/concurrency";
import type { Clock } from "../../../verify/pacing/clock";
import { RateLimiter } from "../../../verify/pacing/rate-limit";
import { retryDropped, retryThrottled, retryWhile } from "../../../verify/pacing/retry";

function fakeClock(): Clock & { slept: number[] } {
  let now = 1_000_000;
  const slept: number[] = [];
  return {
    slept,
    now: () => now,
    sleep: (ms) => {
      slept.push(ms);
      now += ms;
      return Promise.resolve();
    },
  };
}

const throttled = () => Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException" });

describe("verify: pacing, retry and bounded concurrency", () => {
  it("spaces requests at 2 per second", async () => {
    const clock = fakeClock();
    const limiter = new RateLimiter(2, clock);
    const starts: number[] = [];
    for (let i = 0; i < 5; i++) {
      await limiter.acquire();
      starts.push(clock.now());
    }
    expect(starts.map((t) => t - starts[0])).to.deep.equal([0, 500, 1000, 1500, 2000]);
  });

  it("retries throttling with growing, capped backoff, and gives up at the deadline", async () => {
    const clock = fakeClock();
    let calls = 0;
    const result = await retryThrottled(
      () => {
        calls += 1;
        return calls < 4 ? Promise.reject(throttled()) : Promise.resolve("ok");
      },
      { deadline: clock.now() + 60_000, clock, baseMs: 1000, maxMs: 2000 },
    );
    expect(result).to.equal("ok");
    expect(calls).to.equal(4);
    expect(clock.slept).to.have.length(3);
    clock.slept.forEach((ms, i) => expect(ms).to.be.at.most(Math.min(2000, 1000 * 2 ** i)));

    const stuck = fakeClock();
    let tries = 0;
    const failure = await retryThrottled(
      () => {
        tries += 1;
        return Promise.reject(throttled());
      },
      { deadline: stuck.now() + 5_000, clock: stuck, baseMs: 1000, maxMs: 1000 },
    ).catch((e: unknown) => e);
    expect((failure as Error).name).to.equal("ThrottlingException");
    expect(stuck.now()).to.be.at.most(1_000_000 + 5_000);
    expect(tries).to.be.greaterThan(1);
  });

  it("does not retry other errors", async () => {
    let calls = 0;
    const failure = await retryThrottled(
      () => {
        calls += 1;
        return Promise.reject(Object.assign(new Error("no"), { name: "AccessDeniedException" }));
      },
      { deadline: Date.now() + 60_000 },
    ).catch((e: unknown) => e);
    expect((failure as Error).name).to.equal("AccessDeniedException");
    expect(calls).to.equal(1);
  });

  it("keeps at most `limit` tasks in flight and stops starting new ones after a failure", async () => {
    let inFlight = 0;
    let peak = 0;
    const started: number[] = [];
    const failure = await forEachConcurrent(
      Array.from({ length: 50 }, (_, i) => i),
      4,
      async (i) => {
        started.push(i);
        inFlight += 1;
        peak = Math.max(peak, inFlight);
        await new Promise((resolve) => setImmediate(resolve));
        inFlight -= 1;
        if (i === 10) throw new Error("boom");
      },
    ).catch((e: unknown) => e);
    expect((failure as Error).message).to.equal("boom");
    expect(peak).to.equal(4);
    expect(inFlight).to.equal(0);
    expect(started.length).to.be.lessThan(50);
  });

  it("stops after maxAttempts when given, and retries a dropped connection but nothing else", async () => {
    const clock = fakeClock();
    let calls = 0;
    const failure = await retryWhile(
      () => {
        calls += 1;
        return Promise.reject(throttled());
      },
      () => true,
      { deadline: Infinity, maxAttempts: 3, clock },
    ).catch((e: unknown) => e);
    expect((failure as Error).name).to.equal("ThrottlingException");
    expect(calls).to.equal(3);
    expect(clock.slept).to.have.length(2);
    const refused = await retryWhile(
      () => Promise.resolve(1),
      () => true,
      { deadline: Infinity, maxAttempts: 0 },
    ).catch((e: unknown) => e);
    expect(refused)
      .to.be.instanceOf(RangeError)
      .with.property("message")
      .that.matches(/maxAttempts must be a whole number >= 1/);

    const dropped = [
      Object.assign(new Error("aborted"), { code: "ECONNRESET" }),
      Object.assign(new Error("Premature close"), { code: "ERR_STREAM_PREMATURE_CLOSE" }),
    ];
    let reads = 0;
    const read = await retryDropped(() => (reads < dropped.length ? Promise.reject(dropped[reads++]) : Promise.resolve("body")), {
      clock: fakeClock(),
    });
    expect(read).to.equal("body");
    let denied = 0;
    await retryDropped(
      () => {
        denied += 1;
        return Promise.reject(Object.assign(new Error("Access Denied"), { name: "AccessDenied" }));
      },
      { clock: fakeClock() },
    ).catch(() => undefined);
    expect(denied).to.equal(1);
  });

  it("does not retry once the caller has aborted, whatever the error looks like", async () => {
    const controller = new AbortController();
    let calls = 0;
    const failure = await retryDropped(
      () => {
        calls += 1;
        controller.abort();
        return Promise.reject(Object.assign(new Error("aborted"), { code: "ECONNRESET" }));
      },
      { signal: controller.signal, clock: fakeClock() },
    ).catch((e: unknown) => e);
    expect((failure as { code?: string }).code).to.equal("ECONNRESET");
    expect(calls).to.equal(1);
  });
});
