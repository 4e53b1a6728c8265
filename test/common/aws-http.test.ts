// common/: the transport every AWS client gets (the behaviour against a silent endpoint is
// tested with each room's clients: test/verify/clients, test/automation/aws/aws-clients).
import { expect } from "chai";
import { DEFAULT_CONNECT_TIMEOUT_MS, DEFAULT_IDLE_TIMEOUT_MS, requestHandlerOptions } from "../../common/aws-http";

describe("common: the transport of every AWS client", () => {
  it("connects within 10 s, gives up on 30 s of silence, and keeps connections alive", () => {
    expect(DEFAULT_CONNECT_TIMEOUT_MS).to.equal(10_000);
    expect(DEFAULT_IDLE_TIMEOUT_MS).to.equal(30_000);
    expect(requestHandlerOptions()).to.deep.equal({
      connectionTimeout: 10_000,
      socketTimeout: 30_000,
      httpAgent: { keepAlive: true, maxSockets: 50 },
      httpsAgent: { keepAlive: true, maxSockets: 50 },
    });
    expect(requestHandlerOptions({ connectMs: 500, idleMs: 200 })).to.include({ connectionTimeout: 500, socketTimeout: 200 });
  });

  it("refuses a timeout that would mean none", () => {
    for (const idleMs of [0, -1, Number.NaN, Infinity])
      expect(() => requestHandlerOptions({ idleMs }), String(idleMs)).to.throw(RangeError, /idleMs must be a number of milliseconds > 0/);
  });
});
