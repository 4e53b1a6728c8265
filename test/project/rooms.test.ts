// eslint.config.mjs's rooms() table bites: an import across a boundary of automation/'s rooms is
// refused where the file would stand, and an import the room may make is not. The file is linted
// as text through the ESLint Node API, under the project's own config (types off: the rule reads
// only the import's path), so nothing is written into the tree.
import { expect } from "chai";
import { ESLint } from "eslint";
import tseslint from "typescript-eslint";
import { ROOT } from "../support/processes/project-node";

/** Per room: a file in it, the imports its rule refuses, and imports it may make. */
const ROOMS: { file: string; refused: string[]; allowed: string[] }[] = [
  {
    file: "automation/engine/probe.ts",
    refused: [
      "../cleanup/sweep",
      "../aws/aws-clients",
      "../verifier/lab-verifier",
      "../report/write",
      "../evidence",
      "../lab",
      "../../verify",
      "../../infra/tags",
    ],
    allowed: ["./lab-engine", "../errors", "../../common/errors"],
  },
  {
    file: "automation/aws/probe.ts",
    refused: ["../engine/lab-engine", "../cleanup/leftovers", "../run", "../../verify"],
    allowed: ["./aws-clients", "../signals", "../errors"],
  },
  {
    file: "automation/cleanup/probe.ts",
    refused: ["../verifier/lab-verifier", "../report/html", "../evidence", "../cli", "../../verify"],
    allowed: ["../engine/commands", "../aws/aws-clients", "../signals"],
  },
  {
    file: "automation/verifier/probe.ts",
    refused: ["../engine/lab-engine", "../aws/aws-clients", "../drill/drill", "../summary", "../../verify/integrity/validate"],
    allowed: ["../../verify", "./lab-verifier"],
  },
  {
    file: "automation/report/probe.ts",
    refused: ["../engine/lab-engine", "../cleanup/sweep", "../verifier/lab-verifier", "../run", "../../verify/posture/controls"],
    allowed: ["../../verify", "../evidence", "../aws/instance-view"],
  },
  {
    file: "automation/drill/probe.ts",
    refused: ["../engine/lab-engine", "../verifier/lab-verifier", "../cleanup/sweep", "../evidence", "../lab", "../../verify"],
    allowed: ["./techniques", "../aws/drill-clients", "../signals", "../errors", "../../common/errors"],
  },
  {
    file: "automation/errors.ts",
    refused: ["./engine/engine-failures", "./evidence", "./run", "../verify"],
    allowed: ["../common/errors", "../common/exit-codes"],
  },
  {
    file: "automation/signals.ts",
    refused: ["./cleanup/cleanup", "./lab"],
    allowed: ["../common/errors"],
  },
  {
    file: "automation/probe.ts",
    refused: ["../verify", "../verify/s3/listing", "../infra/tags", "../test/support/lab-fakes"],
    allowed: ["./engine/backend", "./cleanup/cleanup", "./verifier/verify-adapter"],
  },
];

describe("eslint.config.mjs: the rooms of automation/", function () {
  this.timeout(60_000);
  let eslint: ESLint;
  before(() => {
    eslint = new ESLint({
      cwd: ROOT,
      overrideConfig: [{ files: ["**/*.ts"], ...tseslint.configs.disableTypeChecked }] as ESLint.Options["overrideConfig"],
    });
  });

  /** The no-restricted-imports messages for one import in `file`. */
  async function refusals(file: string, spec: string): Promise<string[]> {
    const [result] = await eslint.lintText(`import "${spec}";\n`, { filePath: file });
    expect(
      result.messages.filter((m) => m.fatal),
      `${file}: ${spec}`,
    ).to.deep.equal([]);
    return result.messages.filter((m) => m.ruleId === "no-restricted-imports").map((m) => m.message);
  }

  for (const room of ROOMS) {
    it(`${room.file}: refuses ${room.refused.join(", ")}; allows ${room.allowed.join(", ")}`, async function () {
      for (const spec of room.refused)
        expect(await refusals(room.file, spec), `${room.file} imports ${spec}`).to.have.length.greaterThan(0);
      for (const spec of room.allowed) expect(await refusals(room.file, spec), `${room.file} imports ${spec}`).to.deep.equal([]);
    });
  }
});
