// Where a Pulumi command writes: two files, not pipes. A pipe ties the command's life to the lab's:
// once the lab has gone, Pulumi's next line to a pipe with no reader kills it (SIGPIPE, on stdout
// and stderr in Go), in the middle of the operations its one SIGINT let it finish, leaving them
// pending and its stack locked. A file outlives the lab, so a command the lab stops waiting for
// (a give-up, pulumi-process.ts) still ends cleanly. The lab reads the files as they grow.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { StringDecoder } from "node:string_decoder";

/** How often a running command's files are read for new output. */
export const OUTPUT_POLL_MS = 100;

/** Bytes read in one call; a file read to its end takes as many as it needs. */
const READ_BYTES = 64 * 1024;

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
    private readonly onText?: (text: string) => void,
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

export class CommandOutput {
  readonly dir: string;
  private readonly stdout: GrowingFile;
  private readonly stderr: GrowingFile;
  private readonly timer: NodeJS.Timeout;

  /** Files for one command (`name` goes into the folder's name), read every OUTPUT_POLL_MS. */
  constructor(name: string, onOutput?: (text: string) => void, onError?: (text: string) => void) {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), `trail-lab-pulumi-${name.replace(/[^a-z-]/gi, "")}-`));
    this.stdout = new GrowingFile(path.join(this.dir, "stdout"), onOutput);
    this.stderr = new GrowingFile(path.join(this.dir, "stderr"), onError);
    this.timer = setInterval(() => this.read(), OUTPUT_POLL_MS);
    // The command's process holds the lab open while it is waited for; the reads alone must not.
    this.timer.unref();
  }

  /** The descriptors the command is spawned with: stdin none, stdout and stderr the files. */
  get stdio(): ["ignore", number, number] {
    if (this.stdout.writer === null || this.stderr.writer === null) throw new Error("the command's output files were already handed over");
    return ["ignore", this.stdout.writer, this.stderr.writer];
  }

  /** After the spawn: the command holds its own descriptors, the lab lets go of its copies. */
  handedOver(): void {
    this.stdout.closeWriter();
    this.stderr.closeWriter();
  }

  /** The command has ended: what it wrote, whole; the files go. */
  finish(): { stdout: string; stderr: string } {
    clearInterval(this.timer);
    const said = { stdout: this.stdout.finish(), stderr: this.stderr.finish() };
    fs.rmSync(this.dir, { recursive: true, force: true });
    return said;
  }

  /** The lab stops reading; the command writes on into the files, which stay for the user to read. */
  abandon(): void {
    clearInterval(this.timer);
    this.read();
    this.stdout.finish();
    this.stderr.finish();
  }

  private read(): void {
    this.stdout.read();
    this.stderr.read();
  }
}
