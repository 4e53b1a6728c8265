// The files whose mutation score the project keeps (docs/testing.md, "Mutation testing"): each one
// decides a verdict or a cleanup. Beside each, the test files that run it in this process: Stryker
// switches mutants inside the test process, so a test that reaches the file only through a child
// process or a worker thread (the CLI, the decode pool) can kill none of its mutants and would
// only slow the run. `npm run mutation` runs them all; `npm run mutation -- <file>` one.

export interface MutationTarget {
  /** The file mutated, from the project's root. */
  file: string;
  /** The tests that run it in process. */
  tests: string[];
  /** Who raises its score, when this branch does not (another room rewrites the file). */
  owner?: string;
}

export const MUTATION_TARGETS: MutationTarget[] = [
  { file: "verify/event/match.ts", tests: ["test/verify/event/decode-match.test.ts", "test/verify/event/match.test.ts"] },
  { file: "verify/s3/log-keys.ts", tests: ["test/verify/s3/log-keys.test.ts"] },
  {
    file: "verify/event/athena/athena-rows.ts",
    tests: ["test/verify/event/athena/athena-rows.test.ts"],
  },
  { file: "automation/signals.ts", tests: ["test/automation/signals.test.ts", "test/automation/lab/lab-stop.test.ts"] },
  {
    file: "automation/cleanup/cleanup.ts",
    // lab.test.ts runs the teardown too, but through the whole cycle: slow for each mutant, and it adds no kill.
    tests: ["test/automation/cleanup/cleanup.test.ts", "test/automation/lab/lab-stop.test.ts"],
  },
  { file: "verify/decode.ts", tests: ["test/verify/event/decode-match.test.ts", "test/verify/event/log-records.test.ts"] },
  {
    file: "verify/log-records.ts",
    // Not log-records-bounds.test.ts (the 16 MiB bounds): past mocha's 60 s under instrumentation; log-records.test.ts tries them small.
    tests: ["test/verify/event/log-records.test.ts", "test/verify/event/decode-match.test.ts"],
  },
  {
    file: "verify/integrity/chain.ts",
    // integrity*.test.ts run it too, through local S3 and CloudTrail servers: a 30 s dry run, minutes a mutant.
    tests: ["test/verify/integrity/chain.test.ts"],
  },
  {
    file: "verify/integrity/digest-file.ts",
    // integrity*.test.ts run it too, through local S3 and CloudTrail servers: ~30 s for each mutant, too slow here.
    tests: ["test/verify/integrity/digest-file.test.ts"],
  },
];
