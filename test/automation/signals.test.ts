// The lab's signal handling on its own: which signal stops, which gives up, what a repeat within
// npm's forwarding window is, what is said at each step, and the waits that end early without
// throwing. A clock and an EventEmitter stand in for time and the process.
import { expect } from "chai";
import { EventEmitter, getEventListeners } from "node:events";
import { Interruption, REPEAT_WINDOW_MS, sleep, unlessAborted, type LabSignal } from "../../automation/signals";

function interruption(start = 1_000_000) {
  const source = new EventEmitter();
  const lines: string[] = [];
  const clock = { now: start };
  const i = new Interruption(
    source,
    (line) => lines.push(line),
    () => clock.now,
  );
  return { source, lines, clock, i };
}

describe("automation/signals: Interruption", function () {
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as LabSignal[]) {
    it(`the first ${signal} stops (and says so, naming it) without giving up`, function () {
      const { source, lines, i } = interruption();
      expect(i.interrupted).to.equal(false);
      expect(i.signal).to.equal(null);
      source.emit(signal);
      expect(i.interrupted).to.equal(true);
      expect(i.signal).to.equal(signal);
      expect(i.stop.signal.aborted).to.equal(true);
      expect(i.giveUp.signal.aborted).to.equal(false);
      expect(lines).to.deep.equal([
        `${signal} received: stopping, then destroying what was created. Send it again to stop waiting (resources may be left).`,
      ]);
    });
  }

  it("a repeat inside the window (npm's forwarded copy) is the same interrupt, up to the window's last millisecond", function () {
    const { source, lines, clock, i } = interruption();
    source.emit("SIGINT");
    source.emit("SIGINT");
    clock.now += REPEAT_WINDOW_MS - 1;
    source.emit("SIGTERM");
    expect(i.giveUp.signal.aborted).to.equal(false);
    expect(i.signal).to.equal("SIGINT");
    expect(lines).to.have.length(1);
  });

  it("a second signal once the window has passed gives up, once, naming the signal; more signals say nothing", function () {
    const { source, lines, clock, i } = interruption();
    source.emit("SIGTERM");
    clock.now += REPEAT_WINDOW_MS;
    source.emit("SIGHUP");
    expect(i.giveUp.signal.aborted).to.equal(true);
    expect(i.signal).to.equal("SIGTERM");
    expect(lines[1]).to.equal("SIGHUP received again: no longer waiting for cleanup.");
    clock.now += 10 * REPEAT_WINDOW_MS;
    source.emit("SIGINT");
    expect(lines).to.have.length(2);
  });

  it("the window counts from the first signal, not from the last repeat", function () {
    const { source, clock, i } = interruption();
    source.emit("SIGINT");
    clock.now += REPEAT_WINDOW_MS - 100;
    source.emit("SIGINT");
    clock.now += 100;
    source.emit("SIGINT");
    expect(i.giveUp.signal.aborted).to.equal(true);
  });

  it("listens to SIGINT, SIGTERM and SIGHUP only, and dispose removes every listener it added", function () {
    const { source, i } = interruption();
    expect(source.eventNames().sort()).to.deep.equal(["SIGHUP", "SIGINT", "SIGTERM"]);
    for (const name of ["SIGINT", "SIGTERM", "SIGHUP"]) expect(source.listenerCount(name), name).to.equal(1);
    i.dispose();
    expect(source.eventNames()).to.deep.equal([]);
    source.emit("SIGINT");
    expect(i.interrupted).to.equal(false);
  });

  it("uses the real clock by default: a repeat at once is the same interrupt", function () {
    const source = new EventEmitter();
    const i = new Interruption(source, () => undefined);
    source.emit("SIGINT");
    source.emit("SIGINT");
    expect(i.giveUp.signal.aborted).to.equal(false);
  });
});

describe("automation/signals: unlessAborted and sleep", function () {
  it("ends with undefined when the signal fires during the wait, and leaves no listener on the signal either way", async function () {
    const stop = new AbortController();
    expect(await unlessAborted(Promise.resolve("x"), stop.signal)).to.deep.equal({ value: "x" });
    expect(getEventListeners(stop.signal, "abort")).to.have.length(0);
    const never = new Promise<string>(() => undefined);
    const waiting = unlessAborted(never, stop.signal);
    expect(getEventListeners(stop.signal, "abort")).to.have.length(1);
    stop.abort();
    expect(await waiting).to.equal(undefined);
    expect(getEventListeners(stop.signal, "abort")).to.have.length(0);
  });

  it("a work that fails after the abort won does not reject anything; one that fails first rejects the wait", async function () {
    const stop = new AbortController();
    let fail: (e: Error) => void = () => undefined;
    const late = new Promise<string>((_, reject) => (fail = reject));
    const waiting = unlessAborted(late, stop.signal);
    stop.abort();
    expect(await waiting).to.equal(undefined);
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    const others = process.listeners("unhandledRejection");
    process.removeAllListeners("unhandledRejection");
    process.on("unhandledRejection", onUnhandled);
    try {
      fail(new Error("late"));
      for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
    } finally {
      process.off("unhandledRejection", onUnhandled);
      for (const l of others) process.on("unhandledRejection", l);
    }
    expect(unhandled).to.deep.equal([]);
    const error = await unlessAborted(Promise.reject(new Error("first")), new AbortController().signal).catch((e: Error) => e);
    expect(error).to.be.an("error").with.property("message", "first");
  });

  it("sleep resolves after its time, at once when already aborted, and early on abort, leaving no timer behind", async function () {
    let slept = false;
    const short = sleep(20).then(() => (slept = true));
    await new Promise((r) => setImmediate(r));
    expect(slept).to.equal(false);
    await short;
    expect(slept).to.equal(true);
    const done = new AbortController();
    done.abort();
    await sleep(3_600_000, done.signal);
    const stop = new AbortController();
    const waiting = sleep(3_600_000, stop.signal);
    let resolved = false;
    void waiting.then(() => (resolved = true));
    await new Promise((r) => setImmediate(r));
    expect(resolved).to.equal(false);
    const timers = () => process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;
    const before = timers();
    stop.abort();
    await waiting;
    expect(resolved).to.equal(true);
    expect(timers()).to.equal(before - 1);
    expect(getEventListeners(stop.signal, "abort")).to.have.length(0);
  });

  it("a sleep that ran its course removes its abort listener", async function () {
    const stop = new AbortController();
    const waiting = sleep(1, stop.signal);
    expect(getEventListeners(stop.signal, "abort")).to.have.length(1);
    await waiting;
    expect(getEventListeners(stop.signal, "abort")).to.have.length(0);
  });
});
