// ESLint flat config: typescript-eslint's type-aware rules on every room of the project.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

/** What every file of automation/ may not import. */
const AUTOMATION = { "infra|bench|test": "automation/ drives infra/ through Pulumi, never by import." };
const VERIFY_ENTRY = { "verify/*": "automation/ calls verify/ through its public entry (verify/index.ts) only." };
/** For automation/'s rooms: the lab's face and run at its root (cli, lab, run, summary) import them, never the other way. */
const UNDER_THE_RUN = {
  "cli|lab|run|summary": "a room of automation/ is used by the lab's run (cli.ts, lab.ts, run.ts, summary.ts), never uses it.",
};

export default tseslint.config(
  { ignores: ["node_modules/", "build/", "lab-runs/", ".pulumi-state/", "bench/corpus/", ".stryker-tmp/", "reports/"] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-misused-promises": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "no-restricted-syntax": [
        "error",
        {
          selector: "CallExpression[callee.object.name='process'][callee.property.name='exit']",
          message: "Set process.exitCode and return, so that cleanup in finally blocks runs.",
        },
      ],
    },
  },
  {
    files: ["**/*.mjs", "**/*.js"],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    // Tests read parsed JSON and mock payloads; typed product code keeps the unsafe-any rules.
    files: ["test/**"],
    rules: {
      "@typescript-eslint/no-explicit-any": "off",
      "@typescript-eslint/no-unsafe-assignment": "off",
      "@typescript-eslint/no-unsafe-member-access": "off",
      "@typescript-eslint/no-unsafe-argument": "off",
      "@typescript-eslint/no-unsafe-call": "off",
      "@typescript-eslint/no-unsafe-return": "off",
      "@typescript-eslint/no-unused-expressions": "off",
    },
  },
  // Each room imports only what its place allows (STYLE.md, "Layout: a folder is a room"), and the
  // IAM simulator (AGPL-3.0) is for tests only: product code never imports it. Product rooms never
  // import test/ at all, so neither the real-engine tests' stand-in AWS provider (a test double).
  ...rooms({
    "common/**": { "infra|automation|verify|bench|test": "common/ is what every room imports; it imports none of them." },
    "infra/**": { "automation|verify|bench|test": "infra/ knows nothing of the other rooms." },
    "verify/**": { "infra|automation|bench|test": "verify/ stands alone: it never imports infra/ or automation/." },
    "automation/**": { ...AUTOMATION, ...VERIFY_ENTRY },
    "automation/*.ts": {
      ...AUTOMATION,
      verify: "the lab's root reaches verify/ through verifier/ (the checks) and report/ (the page) only.",
    },
    // automation/'s own rooms (STYLE.md's layout): the lab's face and run at the root bring them
    // together; below it, engine/ and aws/ stand alone, cleanup/ builds on both, verifier/ is the
    // one way to verify/'s checks, and report/ renders the record the run kept.
    "automation/engine/**": {
      ...AUTOMATION,
      ...UNDER_THE_RUN,
      "aws|cleanup|verifier|report|drill|evidence":
        "engine/ is the Pulumi side alone: cleanup/ and the run build on it, never the other way.",
      verify: "engine/ never reaches verify/: verifier/ is the lab's port to it.",
    },
    "automation/aws/**": {
      ...AUTOMATION,
      ...UNDER_THE_RUN,
      "engine|cleanup|verifier|report|drill|evidence":
        "aws/ makes the lab's own AWS calls and knows nothing of Pulumi, the cleanup, the checks, the drill or the report.",
      verify: "aws/ never reaches verify/: verifier/ is the lab's port to it.",
    },
    "automation/cleanup/**": {
      ...AUTOMATION,
      ...UNDER_THE_RUN,
      "verifier|report|drill|evidence":
        "cleanup/ destroys and sweeps through engine/ and aws/; the checks, the drill and the record are the run's.",
      verify: "cleanup/ never reaches verify/: verifier/ is the lab's port to it.",
    },
    "automation/verifier/**": {
      ...AUTOMATION,
      ...VERIFY_ENTRY,
      ...UNDER_THE_RUN,
      "engine|aws|cleanup|report|drill|evidence": "verifier/ is the lab's port to verify/ and nothing else.",
    },
    "automation/{errors,signals}.ts": {
      ...AUTOMATION,
      "./engine|aws|cleanup|verifier|report|drill|cli|lab|run|summary|evidence":
        "errors.ts and signals.ts are the vocabulary every room of automation/ imports; they import none of them.",
      verify: "errors.ts and signals.ts are the vocabulary every room of automation/ imports; they need nothing of verify/.",
    },
    // drill/ tampers with the run's own trail and bucket (its calls go through aws/'s clients) and
    // reads trail-lab's checks through a port the run hands it, so it imports neither the engine
    // nor the checks; report/ renders the drill's record.
    "automation/drill/**": {
      ...AUTOMATION,
      ...UNDER_THE_RUN,
      "engine|cleanup|verifier|report|evidence":
        "drill/ is given the stack's state and trail-lab's checks by the lab's run (lab.ts); it never drives the engine, the cleanup or the checks itself.",
      verify: "drill/ never reaches verify/: the run hands it posture and the log search as DrillChecks.",
    },
    "automation/report/**": {
      ...AUTOMATION,
      ...VERIFY_ENTRY,
      ...UNDER_THE_RUN,
      "engine|cleanup|verifier":
        "report/ renders the record a run kept (evidence.ts); it never drives the engine, the cleanup or the checks.",
    },
    "bench/**": {
      "infra|automation": "bench/ measures verify/.",
      "verify/*": "bench/ reaches what it measures through verify/index.ts.",
      "test/engine/*": "test/engine holds the real-engine tests and their stand-in AWS provider, a test double.",
    },
  }),
  // verify/'s sub-rooms: the checks stand on trail/, s3/ and pacing/ and never on one another.
  ...rooms(verifyRooms()),
);

/**
 * One flat-config entry per room: its forbidden rooms, plus the AGPL rule every product room shares.
 * A key names rooms up the tree (`infra|bench`), a room's inside but not its entry (`verify/*`),
 * or, after `./`, rooms below the file's own folder (`./engine|aws`).
 */
function rooms(table) {
  return Object.entries(table).map(([files, forbidden]) => ({
    files: [files],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            { group: ["@cloud-copilot/*"], message: "AGPL-3.0 test-only dependency." },
            ...Object.entries(forbidden).map(([names, message]) => ({
              regex: names.endsWith("/*")
                ? `^(\\.\\./)+${names.slice(0, -2)}/.+`
                : names.startsWith("./")
                  ? `^\\./(${names.slice(2)})(/|$)`
                  : `^(\\.\\./)+(${names})(/|$)`,
              message,
            })),
          ],
        },
      ],
    },
  }));
}

/**
 * verify/'s sub-rooms (STYLE.md's layout). The three checks (event/, integrity/, posture/) stand on
 * trail/, s3/ and pacing/ and verify/'s root files, never on one another; those lower rooms know no
 * check. Each entry repeats verify/'s own rule: for a file two entries match, the later entry's
 * no-restricted-imports replaces the earlier one's.
 */
function verifyRooms() {
  const standAlone = { "infra|automation|bench|test": "verify/ stands alone: it never imports infra/ or automation/." };
  const checks = "a check stands alone: what two checks share lives in trail/, s3/, pacing/ or verify/'s root files.";
  const event = { "integrity|posture": checks };
  const table = {
    "verify/pacing/**": {
      "s3|trail|event|integrity|posture": "pacing/ (retry, rate limit, clock, concurrency, cutoff) knows nothing of what it paces.",
    },
    "verify/s3/**": { "trail|event|integrity|posture": "s3/ reads the bucket for every check and knows none of them, nor the trail." },
    "verify/trail/**": { "s3|event|integrity|posture": "trail/ reads the trail for every check and knows none of them, nor the bucket." },
    "verify/event/**": event,
    "verify/event/scan/**": {
      ...event,
      athena:
        "the S3 scan and Athena are two ways to search the logs: neither imports the other (their shared shapes live in event/types.ts).",
    },
    "verify/event/athena/**": {
      ...event,
      scan: "the S3 scan and Athena are two ways to search the logs: neither imports the other (their shared shapes live in event/types.ts).",
    },
    "verify/integrity/**": { "event|posture": checks },
    "verify/posture/**": { "event|integrity": checks },
  };
  return Object.fromEntries(Object.entries(table).map(([files, forbidden]) => [files, { ...standAlone, ...forbidden }]));
}
