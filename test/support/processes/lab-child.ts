// `npm run lab` as a process of its own, for tests that signal it as a terminal or a supervisor
// does: automation/cli.ts's main with the real wiring (realDeps: the Pulumi CLI on PATH, AWS
// clients that find the test's local servers through AWS_ENDPOINT_URL*), the process's own
// signals, and only verify/ replaced by a double, since the stand-ins write no trail logs.
// Usage: node -r ts-node/register/transpile-only test/support/processes/lab-child.ts <project dir> <lab flags...>
import { main, realDeps, type CliIo } from "../../../automation/cli";
import { verifierDouble } from "../doubles/verifier-double";

const [projectDir, ...argv] = process.argv.slice(2);
const io: CliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env: process.env,
  signals: process,
  projectDir,
};
const deps = realDeps(io);
const real = deps.services;
deps.services = (region) => ({ ...real(region), verifier: verifierDouble() });
void main(argv, io, deps).then((code) => {
  process.exitCode = code;
});
