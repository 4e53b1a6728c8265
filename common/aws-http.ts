// The transport of every AWS client trail-lab builds: keep-alive agents, and timeouts on
// connecting and on a socket gone silent, so that no request waits forever on an endpoint that
// stopped answering (before its headers or in the middle of a body). The SDK sets neither by
// default. A request that times out fails with a TimeoutError, which the SDK retries as transient.

export interface HttpTimeouts {
  /** Longest wait for a TCP (and TLS) connection; defaults to DEFAULT_CONNECT_TIMEOUT_MS. */
  connectMs?: number;
  /** Longest silence on an open socket, before the answer or within its body; defaults to DEFAULT_IDLE_TIMEOUT_MS. */
  idleMs?: number;
}

export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
/** S3 and CloudTrail answer within a second or two; half a minute of silence is a dead connection. */
export const DEFAULT_IDLE_TIMEOUT_MS = 30_000;
/** The SDK's own default; kept explicit so that the agents are ours to describe. */
export const DEFAULT_MAX_SOCKETS = 50;

/** NodeHttpHandler's constructor options, which every SDK v3 client takes as `requestHandler`. */
export interface RequestHandlerOptions {
  connectionTimeout: number;
  socketTimeout: number;
  httpAgent: { keepAlive: true; maxSockets: number };
  httpsAgent: { keepAlive: true; maxSockets: number };
}

function positive(name: string, value: number): number {
  if (!(Number.isFinite(value) && value > 0)) throw new RangeError(`${name} must be a number of milliseconds > 0, not ${value}.`);
  return value;
}

/** `maxSockets`: connections per host at once (a scan with more requests in flight asks for more). */
export function requestHandlerOptions(timeouts: HttpTimeouts = {}, maxSockets = DEFAULT_MAX_SOCKETS): RequestHandlerOptions {
  return {
    connectionTimeout: positive("connectMs", timeouts.connectMs ?? DEFAULT_CONNECT_TIMEOUT_MS),
    // socketTimeout is the idle timeout; requestTimeout, in this SDK, bounds the whole exchange and
    // would cut a large download that is still flowing.
    socketTimeout: positive("idleMs", timeouts.idleMs ?? DEFAULT_IDLE_TIMEOUT_MS),
    httpAgent: { keepAlive: true, maxSockets },
    httpsAgent: { keepAlive: true, maxSockets },
  };
}
