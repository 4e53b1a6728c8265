// The cutoff on its own: an abort signal by the clock, told apart from the caller's.
import { expect } from "chai";
import { Cutoff } from "../../../verify/pacing/cutoff";

describe("verify: the cutoff", () => {
  it("fires by the clock (reached), or with the caller's signal (not reached)", async () => {
    const past = new Cutoff(Date.now() - 1);
    expect(past.signal.aborted).to.equal(true);
    expect(past.reached).to.equal(true);
    past.dispose();

    const caller = new AbortController();
    const later = new Cutoff(Date.now() + 60_000, caller.signal);
    expect(later.signal.aborted).to.equal(false);
    caller.abort();
    expect(later.signal.aborted).to.equal(true);
    expect(later.reached).to.equal(false);
    later.dispose();

    // Beyond what one Node timer holds, and still not fired.
    const far = new Cutoff(Date.now() + 2 ** 33);
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(far.signal.aborted).to.equal(false);
    far.dispose();
  });
});
