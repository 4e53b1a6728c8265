// Stryker's configuration for one target of test/mutation/targets.ts, which the driver
// (test/mutation/run-mutation.ts, `npm run mutation`) passes in TRAIL_LAB_MUTATION as
// { file, tests, name }: the file is mutated, only its tests run (mocha through ts-node, as
// `npm test` runs them), and per-test coverage runs for each mutant only the tests that reach it.
import process from "node:process";

const target = JSON.parse(process.env.TRAIL_LAB_MUTATION ?? "null");
if (!target) throw new Error("Run Stryker through `npm run mutation [-- <file>]`, which names the file to mutate and its tests.");

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: "mocha",
  plugins: ["@stryker-mutator/mocha-runner"],
  mutate: [target.file],
  // mocharc.json, not the project's .mocharc (which names every test): ts-node and the test timeout.
  mochaOptions: { config: "test/mutation/mocharc.json", spec: target.tests },
  coverageAnalysis: "perTest",
  // Two cores shared by several agents and runs: one test process unless TRAIL_LAB_MUTATION_CONCURRENCY says more.
  concurrency: Number(process.env.TRAIL_LAB_MUTATION_CONCURRENCY ?? 1),
  // A loaded machine runs a test several times slower than the dry run measured it.
  timeoutMS: 10000,
  timeoutFactor: 3,
  reporters: ["clear-text", "html", "json"],
  htmlReporter: { fileName: `reports/mutation/${target.name}.html` },
  jsonReporter: { fileName: `reports/mutation/${target.name}.json` },
  clearTextReporter: { allowColor: false, logTests: false, reportScoreTable: true, reportMutants: false },
  tempDirName: ".stryker-tmp",
  // The sandbox needs the code and the tests; not the run artefacts, the corpus or the docs.
  ignorePatterns: ["lab-runs", "bench/corpus", ".pulumi-state", "build", "reports", "docs", "*.log"],
  thresholds: { high: 90, low: 80, break: null },
  cleanTempDir: true,
};
