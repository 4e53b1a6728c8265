// Where a Pulumi command writes, and how the lab reads it. A read (stack export, config, outputs)
// writes into pipes, as the Automation API's own runs do: it is always waited for, and what it
// prints (secrets among it, with --show-secrets) never touches the disk. An up or destroy, which
// a give-up may stop waiting for (pulumi-process.ts), writes into two files instead: a pipe ties
// the command's life to the lab's, since once the lab has gone Pulumi's next line to a pipe with
// no reader kills it (SIGPIPE, on stdout and stderr in Go) in the middle of the operations its one
// SIGINT let it finish, leaving them pending and its stack locked. A file outlives the lab. The
// lab reads the files as they grow; within one read, stdout's new lines are passed on before
// stderr's (both are kept apart whole for the command's result).
import type { ChildProcess, StdioOptions } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { StringDecoder } from "node:string_decoder";

/** How often a running command's files are read for new output. */
export const OUTPUT_POLL_MS = 100;

/** Bytes read in one call; a file read to its end takes as many as it needs. */
const READ_BYTES = 64 * 1024;

type OnText = ((text: string) => void) | undefined;

/** A running command's output, as the lab collects it. */
export interface CommandOutput {
  /** How the command is spawned: stdin none, stdout and stderr pipes or files. */
  readonly stdio: StdioOptions;
  /** The folder its files are in, for a command that may outlive the lab; null for pipes. */
  readonly dir: string | null;
  /** Called once the command is spawned (or its spawn threw): the lab reads what it writes. */
  attach(child: ChildProcess | null): void;
  /** The command has ended: everything it wrote, whole; its files go. */
  finish(): { stdout: string; stderr: string };
  /** The lab stops reading; the command writes on, into files that stay for the user to read. */
  abandon(): void;
}

/** Output files for a command that may be let go; pipes for any other. */
export function commandOutput(name: string, outlivesLab: boolean, onOutput: OnText, onError: OnText): CommandOutput {
  return outlivesLab ? new FileOutput(name, onOutput, onError) : new PipeOutput(onOutput, onError);
}

class PipeOutput implements CommandOutput {
  readonly stdio: StdioOptions = ["ignore", "pipe", "pipe"];
  readonly dir = null;
  private stdout = "";
  private stderr = "";

  constructor(
    private readonly onOutput: OnText,
    private readonly onError: OnText,
  ) {}

  attach(child: ChildProcess | null): void {
    child?.stdout?.setEncoding("utf8").on("data", (text: string) => {
      this.stdout += text;
      this.onOutput?.(text);
    });
    child?.stderr?.setEncoding("utf8").on("data", (text: string) => {
      this.stderr += text;
      this.onError?.(text);
    });
  }

  finish(): { stdout: string; stderr: string } {
    return { stdout: this.stdout, stderr: this.stderr };
  }

  abandon(): void {
    // Reads are never let go: they end by themselves.
  }
}

/** One of the command's two outputs: a file read from where the last read ended. */
class GrowingFile {
  /** The command's end: a description of its own, so the command's writes never move where the lab reads. */
  writer: number | null;
  private readonly reader: number;
  private text = "";
  /** Text read but not yet passed on: the start of a line not yet ended. */
  private partial = "";
  private readonly decoder = new StringDecoder("utf8");
  private readonly buffer = Buffer.alloc(READ_BYTES);

  constructor(
    readonly file: string,
    private readonly onText: OnText,
  ) {
    this.writer = fs.openSync(file, "w");
    this.reader = fs.openSync(file, "r");
  }

  /** The lab's copy of the command's end, once the command has its own. */
  closeWriter(): void {
    if (this.writer !== null) fs.closeSync(this.writer);
    this.writer = null;
  }

  /** Passes on the whole lines written since the last read. */
  read(): void {
    for (;;) {
      const n = fs.readSync(this.reader, this.buffer, 0, READ_BYTES, null);
      if (n === 0) break;
      this.partial += this.decoder.write(this.buffer.subarray(0, n));
    }
    const end = this.partial.lastIndexOf("\n") + 1;
    if (end > 0) this.pass(this.partial.slice(0, end));
    this.partial = this.partial.slice(end);
  }

  /** Everything the command wrote, the last unended line passed on too. */
  finish(): string {
    this.read();
    this.pass(this.partial + this.decoder.end());
    this.partial = "";
    this.closeWriter();
    fs.closeSync(this.reader);
    return this.text;
  }

  private pass(text: string): void {
    if (!text) return;
    this.text += text;
    this.onText?.(text);
  }
}

class FileOutput implements CommandOutput {
  readonly dir: string;
  private readonly stdout: GrowingFile;
  private readonly stderr: GrowingFile;
  private timer: NodeJS.Timeout | null = null;

  constructor(name: string, onOutput: OnText, onError: OnText) {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), `trail-lab-pulumi-${name.replace(/[^a-z-]/gi, "")}-`));
    this.stdout = new GrowingFile(path.join(this.dir, "stdout"), onOutput);
    this.stderr = new GrowingFile(path.join(this.dir, "stderr"), onError);
  }

  get stdio(): StdioOptions {
    if (this.stdout.writer === null || this.stderr.writer === null) throw new Error("the command's output files were already handed over");
    return ["ignore", this.stdout.writer, this.stderr.writer];
  }

  attach(): void {
    // The command holds its own descriptors now; the lab lets go of its copies and reads.
    this.stdout.closeWriter();
    this.stderr.closeWriter();
    this.timer = setInterval(() => this.read(), OUTPUT_POLL_MS);
    // The command's process holds the lab open while it is waited for; the reads alone must not.
    this.timer.unref();
  }

  finish(): { stdout: string; stderr: string } {
    this.stop();
    const said = { stdout: this.stdout.finish(), stderr: this.stderr.finish() };
    fs.rmSync(this.dir, { recursive: true, force: true });
    return said;
  }

  abandon(): void {
    this.stop();
    // finish() reads what is left, and passes it on, before it closes.
    this.stdout.finish();
    this.stderr.finish();
  }

  private stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private read(): void {
    this.stdout.read();
    this.stderr.read();
  }
}
