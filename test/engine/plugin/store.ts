// TEST DOUBLE. The stand-in AWS provider's memory, one folder per test run: the resources it
// "created" (resources.json), every call the engine made to it, in order (calls.jsonl), and what a
// test told it to do wrong (control.json, read afresh on every call so a test can change it
// between two commands). Product code never imports this (eslint.config.mjs).
import * as fs from "node:fs";
import * as path from "node:path";

/** The folder the stand-in keeps its files in; the engine passes the environment through to plugins. */
export const STANDIN_DIR_VAR = "TRAIL_LAB_AWS_STANDIN_DIR";

export interface StoredResource {
  urn: string;
  type: string;
  name: string;
  id: string;
  inputs: Record<string, unknown>;
  outputs: Record<string, unknown>;
}

/** One line of calls.jsonl; the file's order is the order the engine's calls finished in. */
export interface Call {
  pid: number;
  method: string;
  urn?: string;
  type?: string;
  name?: string;
  id?: string;
  token?: string;
  /** What came of it when it is not a plain success: "failed: ...", "hanging", "canceled". */
  outcome?: string;
}

/** What a test asks the stand-in to get wrong, by logical resource name or type token. */
export interface Control {
  /** Create of these fails with the message given ("" for a realistic default). */
  failCreate?: Record<string, string>;
  failUpdate?: Record<string, string>;
  failDelete?: Record<string, string>;
  /** Create or delete of these hangs until the engine cancels, the entry is removed, or `hangSeconds` pass. */
  hangCreate?: string[];
  hangDelete?: string[];
  /** Bound on a hang, so a test that forgets to stop one cannot hold CI; default 300. */
  hangSeconds?: number;
  /**
   * A hang ends on the engine's Cancel (one Ctrl-C) with a failed operation, as a provider that
   * aborts its API call would. With this set it ignores Cancel, as a provider still waiting on AWS
   * would: the operation goes on until the entry is removed (then succeeds) or the bound passes.
   */
  hangIgnoresCancel?: boolean;
}

export class StandInDirMissingError extends Error {
  constructor() {
    super(
      `${STANDIN_DIR_VAR} is not set: the stand-in AWS provider (a test double) keeps its resources and call log ` +
        `in that folder. Run it through the engine tests (npm run test:engine), which set it.`,
    );
    this.name = "StandInDirMissingError";
  }
}

export class Store {
  readonly dir: string;

  constructor(dir: string) {
    this.dir = dir;
    fs.mkdirSync(dir, { recursive: true });
  }

  static fromEnv(env: NodeJS.ProcessEnv = process.env): Store {
    const dir = env[STANDIN_DIR_VAR];
    if (!dir) throw new StandInDirMissingError();
    return new Store(dir);
  }

  private file(name: string): string {
    return path.join(this.dir, name);
  }

  resources(): Record<string, StoredResource> {
    const file = this.file("resources.json");
    if (!fs.existsSync(file)) return {};
    return JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, StoredResource>;
  }

  private writeResources(all: Record<string, StoredResource>): void {
    // Write then rename, so a reader (a test, or a plugin killed mid-write) never sees half a file.
    const tmp = this.file(`resources.json.${process.pid}.tmp`);
    fs.writeFileSync(tmp, JSON.stringify(all, null, 2));
    fs.renameSync(tmp, this.file("resources.json"));
  }

  get(urn: string): StoredResource | undefined {
    return this.resources()[urn];
  }

  put(resource: StoredResource): void {
    const all = this.resources();
    all[resource.urn] = resource;
    this.writeResources(all);
  }

  remove(urn: string): void {
    const all = this.resources();
    delete all[urn];
    this.writeResources(all);
  }

  /** Appends one line; several plugin processes (preview, then up) share the log, so lines carry a pid. */
  record(call: Omit<Call, "pid">): void {
    const line: Call = { pid: process.pid, ...call };
    fs.appendFileSync(this.file("calls.jsonl"), JSON.stringify(line) + "\n");
  }

  calls(): Call[] {
    const file = this.file("calls.jsonl");
    if (!fs.existsSync(file)) return [];
    return fs
      .readFileSync(file, "utf8")
      .split("\n")
      .filter((l) => l.trim() !== "")
      .map((l) => JSON.parse(l) as Call);
  }

  control(): Control {
    const file = this.file("control.json");
    if (!fs.existsSync(file)) return {};
    return JSON.parse(fs.readFileSync(file, "utf8")) as Control;
  }

  setControl(control: Control): void {
    fs.writeFileSync(this.file("control.json"), JSON.stringify(control, null, 2));
  }
}
