// The in-flight limit: slots up to the limit, halved by a SlowDown once per burst (not once per
// request of the burst), grown back one per `limit` answers, and waits that an abort ends.
import { expect } from "chai";
import { InFlightLimit } from "../../../../verify/event/scan/in-flight";
import { rejection } from "../../../support/rejection";

describe("verify: the in-flight limit", () => {
  it("gives at most `limit` slots at once, the next as one is given back", async () => {
    const limit = new InFlightLimit(2);
    const a = await limit.acquire();
    await limit.acquire();
    let third = false;
    const waiting = limit.acquire().then((slot) => ((third = true), slot));
    await Promise.resolve();
    expect(third).to.equal(false);
    a.release();
    a.release();
    await waiting;
    expect(third).to.equal(true);
    expect(limit.active).to.equal(2);
    expect(limit.peak).to.equal(2);
  });

  it("halves once for a burst of SlowDowns from requests already in flight, and grows back one per round of answers", async () => {
    const limit = new InFlightLimit(8);
    const burst = await Promise.all(Array.from({ length: 8 }, () => limit.acquire()));
    for (const slot of burst) limit.slowDown(slot);
    expect(limit.limit).to.equal(4);
    // A SlowDown to a request sent after the halving halves again.
    for (const slot of burst) slot.release();
    const later = await limit.acquire();
    limit.slowDown(later);
    later.release();
    expect(limit.limit).to.equal(2);
    expect(limit.lowest).to.equal(2);
    for (let i = 0; i < 2; i++) limit.succeeded();
    expect(limit.limit).to.equal(3);
    for (let i = 0; i < 3 + 4 + 5 + 6 + 7; i++) limit.succeeded();
    expect(limit.limit).to.equal(8);
    limit.succeeded();
    expect(limit.limit).to.equal(8);
  });

  it("never goes below one slot, and a wait ends when its signal aborts", async () => {
    const limit = new InFlightLimit(1);
    const only = await limit.acquire();
    limit.slowDown(only);
    expect(limit.limit).to.equal(1);
    const abort = new AbortController();
    const waiting = limit.acquire(abort.signal);
    abort.abort(new DOMException("stop", "AbortError"));
    expect((await rejection(waiting)).name).to.equal("AbortError");
    only.release();
    expect(limit.active).to.equal(0);
    expect(() => new InFlightLimit(0)).to.throw(RangeError, /whole number >= 1/);
  });
});
