// The event check's defaults that its command line shows in --help, apart from the check's code:
// `trail-lab verify --help` reads them without loading the check, the scanner and the AWS SDK.
// verify-trail.ts and scan/log-scanner.ts export them under the same names.

export const DEFAULT_EVENT_NAME = "RunInstances";
export const DEFAULT_INTERVAL_MS = 30_000;
export const DEFAULT_TIMEOUT_MS = 20 * 60_000;
/**
 * Objects downloaded and decoded at once, by default: enough requests in flight to hide S3's
 * latency behind the decoding, few enough to stay under S3's 5,500 GETs a second per prefix even
 * if every key shared one. docs/bench.md has the sweep it was chosen from, and the arithmetic.
 */
export const DEFAULT_CONCURRENCY = 128;
/** The most `--concurrency` takes: past it, only the S3 rates and the sockets suffer. */
export const MAX_CONCURRENCY = 512;
