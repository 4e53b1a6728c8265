// The project's own Node: node_modules/.bin/node, the registry's Node binary for this platform
// that `npm ci` links there (package.json optionalDependencies) and that npm scripts find first on
// PATH. Also a user's shell environment without npm's additions, and a probe (node-probe.js,
// preloaded through NODE_OPTIONS) that records which Node each process ran on.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

export const ROOT = path.resolve(__dirname, "../../..");
const BIN = path.join(ROOT, "node_modules", ".bin");

export class ProjectNodeMissingError extends Error {
  constructor(where: string) {
    super(`The project's Node is missing at ${where}: run npm ci (it links the registry's Node for this platform there).`);
    this.name = "ProjectNodeMissingError";
  }
}

/** The real path of the binary behind node_modules/.bin/node. */
export function projectNode(): string {
  const link = path.join(BIN, process.platform === "win32" ? "node.exe" : "node");
  if (!fs.existsSync(link)) throw new ProjectNodeMissingError(link);
  return fs.realpathSync(link);
}

/** The environment of the shell the user typed `npm ...` in: npm's node_modules/.bin folders off PATH, no npm_* variables. */
export function userShellEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^npm_/i.test(k)) env[k] = v;
  env.PATH = (process.env.PATH ?? "")
    .split(path.delimiter)
    .filter((dir) => dir && !/node_modules[\\/]\.bin$/.test(dir) && !/node-gyp-bin$/.test(dir))
    .join(path.delimiter);
  return env;
}

export interface NodeRecord {
  pid: number;
  version: string;
  execPath: string;
  argv: string[];
  warnings: string[];
  /** The code it exited with. */
  code: number;
}

export interface NodeProbe {
  /** Variables that make every Node process started with them record itself. */
  env: NodeJS.ProcessEnv;
  /** One record per process that has ended. */
  records(): NodeRecord[];
  /** Every process that started, ended or not. */
  started(): { pid: number; argv: string[] }[];
  close(): void;
}

export function startNodeProbe(): NodeProbe {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "trail-lab-node-probe-"));
  const file = path.join(dir, "processes.jsonl");
  const preload = JSON.stringify(path.join(__dirname, "node-probe.js"));
  return {
    env: { TRAIL_LAB_NODE_PROBE: file, NODE_OPTIONS: [process.env.NODE_OPTIONS, `--require ${preload}`].filter(Boolean).join(" ") },
    records: () => jsonLines<NodeRecord>(file),
    started: () => jsonLines<{ pid: number; argv: string[] }>(`${file}.started`),
    close() {
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

function jsonLines<T>(file: string): T[] {
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, "utf8")
    .trim()
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as T);
}

export function majorOf(version: string): number {
  return Number(/^v(\d+)\./.exec(version)?.[1] ?? NaN);
}
