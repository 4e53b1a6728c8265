// Puts the stand-in `pulumi` (test/support/doubles/fake-pulumi/) first on PATH with a fresh state folder,
// and reads back the calls it logged.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

export const FAKE_PULUMI_BIN = path.resolve(__dirname, "fake-pulumi");

export interface FakePulumiCall {
  argv?: string[];
  pid?: number;
  /** The process group it ran in (Linux), null where it could not be read. */
  pgid?: number | null;
  cwd?: string;
  env?: {
    PULUMI_BACKEND_URL: string | null;
    PULUMI_CONFIG_PASSPHRASE: string | null;
    PULUMI_AUTOMATION_API: string | null;
    AWS_PROFILE: string | null;
  };
  signal?: string;
  count?: number;
}

export interface FakePulumi {
  dir: string;
  calls(): FakePulumiCall[];
  /** The state the fake keeps: stacks with config, outputs, resources, pending operations. */
  state(): any;
  restore(): void;
}

const KNOBS = [
  "FAKE_PULUMI_DIR",
  "FAKE_PULUMI_UP_FAIL",
  "FAKE_PULUMI_UP_WAIT_FILE",
  "FAKE_PULUMI_UP_IGNORES_SIGINT",
  "FAKE_PULUMI_DESTROY_FAILS",
  "FAKE_PULUMI_LOCKED",
];

export function installFakePulumi(knobs: Record<string, string> = {}): FakePulumi {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fake-pulumi-"));
  const saved = { PATH: process.env.PATH, ...Object.fromEntries(KNOBS.map((k) => [k, process.env[k]])) };
  process.env.PATH = `${FAKE_PULUMI_BIN}${path.delimiter}${process.env.PATH ?? ""}`;
  process.env.FAKE_PULUMI_DIR = dir;
  for (const [k, v] of Object.entries(knobs)) process.env[k] = v;
  return {
    dir,
    calls() {
      const file = path.join(dir, "calls.jsonl");
      if (!fs.existsSync(file)) return [];
      return fs
        .readFileSync(file, "utf8")
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l) as FakePulumiCall);
    },
    state() {
      return JSON.parse(fs.readFileSync(path.join(dir, "state.json"), "utf8"));
    },
    restore() {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
