// One flag table per command, and from it both the parser's options (node:util parseArgs) and
// the --help text: a flag cannot be parsed without being documented, or documented without
// being parsed. The flags every command shares (--help, --version, --debug) and those of the
// commands that call AWS (--profile) are defined here once; each command spreads them into its
// own table.
import { parseArgs } from "node:util";
import { UsageError } from "./errors";

export interface FlagSpec {
  type: "string" | "boolean";
  short?: string;
  /** The value's placeholder in --help, such as "<name>"; string flags only. */
  value?: string;
  /** What the flag does, in a phrase. */
  help: string;
  /** The default as --help shows it; a switch without one is off. */
  default?: string;
}

export type FlagTable = Record<string, FlagSpec>;

export interface CommandSpec<T extends FlagTable> {
  /** The word after `trail-lab`: "lab". */
  name: string;
  /** What the command does, in a sentence. */
  summary: string;
  /** The positional arguments in the usage line ("<evidence.json>"); none when absent. */
  positionals?: string;
  flags: T;
  /** Command lines a user can copy; the first is the one to start with. */
  examples: string[];
  /** Rules that span flags, shown after them. */
  notes?: string[];
  /**
   * Flags that were renamed, old name to new: given, the old one is refused with a message that
   * names the new one, never taken silently (as p-retry refuses an option it no longer has).
   */
  renamed?: Record<string, string>;
}

export type FlagValues<T extends FlagTable> = { [K in keyof T]?: T[K]["type"] extends "boolean" ? boolean : string };

export const SHARED_FLAGS = {
  debug: { type: "boolean", help: "on an error, print its full detail too: the stack, the AWS request id, the raw Pulumi output" },
  version: { type: "boolean", help: "print trail-lab's name, version and commit, and exit" },
  help: { type: "boolean", short: "h", help: "print this text and exit" },
} as const satisfies FlagTable;

export const PROFILE_FLAG = {
  profile: {
    type: "string",
    value: "<name>",
    help: "the AWS CLI profile (~/.aws/config, ~/.aws/credentials) whose credentials and region to use, the same as AWS_PROFILE",
    default: "AWS_PROFILE, else the default profile",
  },
} as const satisfies FlagTable;

/** An AWS region's name: us-east-1, eu-central-2, us-gov-west-1, cn-north-1. */
export const REGION_PATTERN = /^[a-z]{2}(-[a-z]+)+-\d+$/;

/** How a user reaches the flags of a command, for the end of a usage error. */
export function helpHint(command: string): string {
  return `Run 'trail-lab ${command} --help' for the flags.`;
}

/**
 * A negative number after a flag that takes a value (`--timeout -5`) is that flag's value, so
 * that the flag's own parser says what it accepts; parseArgs would call it ambiguous.
 */
function joinNegativeValues(table: FlagTable, argv: string[]): string[] {
  const out: string[] = [];
  let i = 0;
  // After "--" everything is a positional argument, as parseArgs reads it.
  for (; i < argv.length && argv[i] !== "--"; i++) {
    const arg = argv[i];
    const spec = arg.startsWith("--") ? table[arg.slice(2)] : undefined;
    if (spec?.type === "string" && i + 1 < argv.length && /^-\.?\d/.test(argv[i + 1])) out.push(`${arg}=${argv[++i]}`);
    else out.push(arg);
  }
  return [...out, ...argv.slice(i)];
}

/** Refuses a renamed flag by its old name, naming the new one and how to write the same call. */
function refuseRenamed(command: CommandSpec<FlagTable>, argv: string[]): void {
  for (const arg of argv) {
    if (arg === "--") return;
    const [name, value] = arg.startsWith("--") ? arg.slice(2).split(/=(.*)/s) : [];
    const now = name !== undefined && command.renamed && Object.hasOwn(command.renamed, name) ? command.renamed[name] : undefined;
    if (now === undefined) continue;
    throw new UsageError(
      `--${name} is now --${now}: write --${now}${value !== undefined ? `=${value}` : " <value>"} instead (the old name is no longer taken).\n${helpHint(command.name)}`,
    );
  }
}

export function parseCommandLine<T extends FlagTable>(
  command: CommandSpec<T>,
  argv: string[],
): { values: FlagValues<T>; positionals: string[] } {
  refuseRenamed(command, argv);
  const options = Object.fromEntries(
    Object.entries(command.flags).map(([name, spec]) => [name, spec.short ? { type: spec.type, short: spec.short } : { type: spec.type }]),
  );
  try {
    const parsed = parseArgs({
      args: joinNegativeValues(command.flags, argv),
      options,
      strict: true,
      allowPositionals: command.positionals !== undefined,
    });
    return { values: parsed.values as FlagValues<T>, positionals: parsed.positionals };
  } catch (error) {
    throw new UsageError(`${error instanceof Error ? error.message : String(error)}\n${helpHint(command.name)}`);
  }
}

const WIDTH = 100;

/** Words wrapped to the width, every line after the first indented by `indent`. */
function wrap(text: string, indent: number, first = 0): string {
  const lines: string[] = [];
  let line = "";
  let room = WIDTH - first;
  for (const word of text.split(/\s+/)) {
    if (line && line.length + 1 + word.length > room) {
      lines.push(line);
      line = word;
      room = WIDTH - indent;
    } else line = line ? `${line} ${word}` : word;
  }
  lines.push(line);
  return lines.join(`\n${" ".repeat(indent)}`);
}

export function flagLabel(name: string, spec: FlagSpec): string {
  return `${spec.short ? `-${spec.short}, ` : ""}--${name}${spec.type === "string" ? ` ${spec.value ?? "<value>"}` : ""}`;
}

/** The --help text: what the command does, how to call it, each flag with its default, examples. */
export function helpText<T extends FlagTable>(command: CommandSpec<T>): string {
  const args = `[flags]${command.positionals ? ` ${command.positionals}` : ""}`;
  const labels = Object.entries(command.flags).map(([name, spec]) => [flagLabel(name, spec), spec] as const);
  const column = Math.min(Math.max(...labels.map(([label]) => label.length)) + 4, 32);
  const lines = [
    wrap(`trail-lab ${command.name}: ${command.summary}`, 2),
    "",
    `Usage: trail-lab ${command.name} ${args}`,
    `   or: npm run -s ${command.name} -- ${args}`,
    "",
    "Flags:",
    ...labels.map(([label, spec]) => {
      const text = `${spec.help}${spec.default !== undefined ? ` (default: ${spec.default})` : ""}`;
      const head = `  ${label}`;
      return head.length + 2 > column
        ? `${head}\n${" ".repeat(column)}${wrap(text, column, column)}`
        : `${head.padEnd(column)}${wrap(text, column, column)}`;
    }),
    ...(command.notes && command.notes.length > 0 ? ["", ...command.notes.map((note) => wrap(note, 2))] : []),
    "",
    command.examples.length === 1 ? "Example:" : "Examples:",
    ...command.examples.map((example) => `  ${example}`),
  ];
  return `${lines.join("\n")}\n`;
}
