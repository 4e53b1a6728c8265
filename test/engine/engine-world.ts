// The real Pulumi engine, offline, for one test run: the CLI built by build-pulumi.sh, a copy of
// the project in a temp folder (so `pulumi stack init` writes its salt there, not into the
// checked-in Pulumi.dev.yaml), a fresh PULUMI_HOME holding the stand-in AWS plugin at the
// version @pulumi/aws asks for, a file backend, and the stand-in's store to read back.
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Store, STANDIN_DIR_VAR } from "./plugin/store";

const ROOT = path.resolve(__dirname, "../..");
const BUILD_SCRIPT = "test/engine/build-pulumi.sh";
export const PLUGIN_SHIM = path.join(__dirname, "plugin", "pulumi-resource-aws");
/** What a user's clone holds that `pulumi` reads: the project, its dev stack, the program. */
const PROJECT_FILES = ["Pulumi.yaml", "Pulumi.dev.yaml", "package.json", "tsconfig.json", "infra"];
/** One CLI command's bound: generous, since the machine is shared and ts-node type-checks infra/. */
const COMMAND_TIMEOUT_MS = 10 * 60 * 1000;

export class EngineMissingError extends Error {
  constructor(
    readonly bin: string,
    reason: string,
  ) {
    super(
      `The real Pulumi CLI is not built (${reason}). Build it with ${BUILD_SCRIPT} ` +
        `(about 15 minutes on 2 cores the first time, a second after), or set PULUMI_ENGINE_BIN to its folder.`,
    );
    this.name = "EngineMissingError";
  }
}

export function pinnedVersions(): { pulumi: string; languageHostSdk: string } {
  const text = fs.readFileSync(path.join(__dirname, "versions.env"), "utf8");
  const value = (key: string) => {
    const m = new RegExp(`^${key}=(\\S+)$`, "m").exec(text);
    if (!m) throw new Error(`test/engine/versions.env has no ${key}=`);
    return m[1];
  };
  return { pulumi: value("PULUMI_VERSION"), languageHostSdk: value("LANGUAGE_HOST_SDK_VERSION") };
}

/** The folder with `pulumi` and `pulumi-language-nodejs`: PULUMI_ENGINE_BIN, else the build script's cache. */
export function engineBin(env: NodeJS.ProcessEnv = process.env): string {
  const cache = env.TRAIL_LAB_CACHE ?? path.join(os.homedir(), ".cache", "trail-lab");
  const bin = env.PULUMI_ENGINE_BIN ?? path.join(cache, "pulumi", pinnedVersions().pulumi, "bin");
  for (const exe of ["pulumi", "pulumi-language-nodejs"]) {
    const file = path.join(bin, exe);
    try {
      fs.accessSync(file, fs.constants.X_OK);
    } catch {
      throw new EngineMissingError(bin, `no executable ${file}`);
    }
  }
  return bin;
}

/** The provider version the engine will ask for: the one the installed @pulumi/aws declares. */
export function awsPluginVersion(): string {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "node_modules/@pulumi/aws/package.json"), "utf8"));
  return pkg.pulumi?.version ?? pkg.version;
}

export interface CommandResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export class CommandTimeoutError extends Error {
  constructor(args: string[], ms: number) {
    super(`pulumi ${args.join(" ")} did not finish in ${ms / 1000}s and was killed`);
    this.name = "CommandTimeoutError";
  }
}

export interface EngineWorld {
  /** The temp folder everything of this run lives in. */
  dir: string;
  projectDir: string;
  stateDir: string;
  env: NodeJS.ProcessEnv;
  standIn: Store;
  /** Runs `pulumi <args>` in the project folder, as a user at a terminal would. */
  pulumi(args: string[], opts?: { onSpawn?: (pid: number) => void }): Promise<CommandResult>;
  /** `pulumi <args>`, failing with its output unless it exits 0. */
  pulumiOk(args: string[]): Promise<CommandResult>;
  /** `pulumi stack export`, parsed. */
  exportStack(): Promise<any>;
  remove(): void;
}

export function createEngineWorld(opts: { edit?: (projectDir: string) => void } = {}): EngineWorld {
  const bin = engineBin();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "trail-lab-engine-"));
  const projectDir = path.join(dir, "project");
  const home = path.join(dir, "pulumi-home");
  const stateDir = path.join(dir, "state");
  fs.mkdirSync(projectDir);
  // `pulumi login file://...` refuses a folder that does not exist.
  fs.mkdirSync(stateDir);
  for (const f of PROJECT_FILES) fs.cpSync(path.join(ROOT, f), path.join(projectDir, f), { recursive: true });
  // The clone's installed packages; npm ci in a temp folder would cost a minute per run.
  fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(projectDir, "node_modules"), "dir");
  opts.edit?.(projectDir);

  // Installed as `pulumi plugin install` would: the engine looks the plugin up by name and version.
  const pluginDir = path.join(home, "plugins", `resource-aws-v${awsPluginVersion()}`);
  fs.mkdirSync(pluginDir, { recursive: true });
  fs.symlinkSync(PLUGIN_SHIM, path.join(pluginDir, "pulumi-resource-aws"));

  const standIn = new Store(path.join(dir, "aws-standin"));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PATH: `${bin}${path.delimiter}${process.env.PATH ?? ""}`,
    PULUMI_HOME: home,
    PULUMI_CONFIG_PASSPHRASE: "",
    // Offline: no update check, no plugin download, no plugin found by accident on PATH.
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    PULUMI_IGNORE_AMBIENT_PLUGINS: "true",
    [STANDIN_DIR_VAR]: standIn.dir,
  };
  for (const k of ["PULUMI_BACKEND_URL", "PULUMI_ACCESS_TOKEN", "PULUMI_CONFIG_PASSPHRASE_FILE", "PULUMI_ENGINE_BIN"]) delete env[k];
  // Mocha runs under ts-node; its settings must not reach the program's own ts-node.
  for (const k of Object.keys(env)) if (k.startsWith("TS_NODE_")) delete env[k];

  const pulumi: EngineWorld["pulumi"] = (args, o = {}) =>
    new Promise((resolve, reject) => {
      const child = spawn(path.join(bin, "pulumi"), args, { cwd: projectDir, env, stdio: ["ignore", "pipe", "pipe"] });
      if (child.pid !== undefined) o.onSpawn?.(child.pid);
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
      child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
      const timer = setTimeout(() => {
        child.kill("SIGKILL");
        reject(new CommandTimeoutError(args, COMMAND_TIMEOUT_MS));
      }, COMMAND_TIMEOUT_MS);
      child.on("error", (e) => {
        clearTimeout(timer);
        reject(e);
      });
      child.on("close", (code, signal) => {
        clearTimeout(timer);
        resolve({ code, signal, stdout, stderr });
      });
    });

  const pulumiOk = async (args: string[]) => {
    const result = await pulumi(args);
    if (result.code !== 0) {
      throw new Error(`pulumi ${args.join(" ")} exited ${result.code}\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`);
    }
    return result;
  };

  return {
    dir,
    projectDir,
    stateDir,
    env,
    standIn,
    pulumi,
    pulumiOk,
    async exportStack() {
      return JSON.parse((await pulumiOk(["stack", "export"])).stdout);
    },
    remove() {
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
