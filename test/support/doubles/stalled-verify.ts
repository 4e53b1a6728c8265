// `trail-lab verify` as verify/cli.ts runs it, except that closing its log scanner never ends and
// holds nothing open: the shape of issue #20's lost result (the command still waiting on close(),
// the deadline's timer already stopped, the event loop empty). The process must end non-zero and
// say why, never exit 0 with nothing printed.
import { LogScanner } from "../../../verify/event/scan/log-scanner";
import { runProcess } from "../../../verify/cli";

// eslint-disable-next-line @typescript-eslint/unbound-method -- kept to be called with the scanner as `this`, below
const close = LogScanner.prototype.close;
LogScanner.prototype.close = async function (this: LogScanner) {
  await close.call(this);
  await new Promise<void>(() => undefined);
};

void runProcess(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
