// The byte budget on its own: reservations granted in order, bounded, abortable.
import { expect } from "chai";
import { ByteBudget } from "../../../../verify/event/scan/byte-budget";

describe("verify: the byte budget", () => {
  it("grants in order, never more than the limit at once, and a reservation larger than the limit alone", async () => {
    const budget = new ByteBudget(100);
    const order: string[] = [];
    const a = await budget.reserve(60);
    const b = budget.reserve(50).then((g) => (order.push("b"), g));
    const c = budget.reserve(10).then((g) => (order.push("c"), g));
    const huge = budget.reserve(250).then((g) => (order.push("huge"), g));
    await new Promise((resolve) => setImmediate(resolve));
    // c would fit beside a, but b is ahead of it: nobody overtakes.
    expect(order).to.deep.equal([]);
    expect(budget.inFlight).to.equal(60);
    a.release();
    const [gb, gc] = await Promise.all([b, c]);
    expect(order).to.deep.equal(["b", "c"]);
    expect(budget.inFlight).to.equal(60);
    gb.release();
    gc.release();
    gc.release();
    const gh = await huge;
    expect(budget.inFlight).to.equal(250);
    gh.release();
    expect(budget.inFlight).to.equal(0);
    expect(budget.peak).to.equal(250);
  });

  it("an aborted wait leaves the queue, and lets those behind it go", async () => {
    const budget = new ByteBudget(100);
    const held = await budget.reserve(90);
    const controller = new AbortController();
    const blocked = budget.reserve(80, controller.signal).catch((e: unknown) => e);
    const small = budget.reserve(10);
    controller.abort();
    expect(((await blocked) as Error).name).to.equal("AbortError");
    expect((await small).bytes).to.equal(10);
    expect(budget.inFlight).to.equal(100);
    held.release();
    expect(() => new ByteBudget(0)).to.throw(RangeError);
  });
});
