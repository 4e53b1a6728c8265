// `trail-lab <command> [flags]`: the one front of the four commands. It picks the command by its
// first word and hands it the rest, so `trail-lab verify ...` is `npm run -s verify -- ...`; alone,
// it answers --help (the commands, each with its summary from its own flag table) and --version.
// A command's module is loaded only when it runs, so `trail-lab verify` never loads the lab.
import { UsageError } from "../common/errors";
import { errorText } from "../common/error-detail";
import { ExitCode } from "../common/exit-codes";
import type { CommandSpec, FlagTable } from "../common/flag-table";
import { versionLine } from "../common/provenance";

interface Command {
  spec: CommandSpec<FlagTable>;
  runProcess(argv: string[]): Promise<number>;
}

export const COMMANDS: Record<string, () => Promise<Command>> = {
  lab: async () => import("../automation/cli").then((m) => ({ spec: m.LAB_COMMAND, runProcess: m.runProcess })),
  verify: async () => import("../verify/cli").then((m) => ({ spec: m.VERIFY_COMMAND, runProcess: m.runProcess })),
  report: async () => import("../automation/report/cli").then((m) => ({ spec: m.REPORT_COMMAND, runProcess: m.runProcess })),
  bench: async () => import("../bench/cli").then((m) => ({ spec: m.BENCH_COMMAND, runProcess: m.runProcess })),
};

const names = () => Object.keys(COMMANDS).join(", ");

export async function topHelp(): Promise<string> {
  const commands = await Promise.all(Object.entries(COMMANDS).map(async ([name, load]) => [name, (await load()).spec.summary] as const));
  return [
    "trail-lab: stand up an AWS audit trail, prove it records what happens in the account, and tear it all down again.",
    "",
    "Usage: trail-lab <command> [flags]        (npx trail-lab <command> [flags] in the checkout)",
    "",
    "Commands:",
    ...commands.map(([name, summary]) => `  ${name.padEnd(8)}${summary}`),
    "",
    "Flags:",
    "  --version   print trail-lab's name, version and commit, and exit",
    "  -h, --help  print this text and exit",
    "",
    "Run 'trail-lab <command> --help' for a command's flags, each with its default.",
    "",
    "Examples:",
    "  npx trail-lab lab --profile lab --region eu-west-1",
    "  npx trail-lab verify --trail my-logs-trail --posture",
    "",
  ].join("\n");
}

export async function main(
  argv: string[],
  io: { stdout: (t: string) => void; stderr: (t: string) => void } = defaultIo(),
): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined) {
    io.stderr(await topHelp());
    return ExitCode.Usage;
  }
  if (first === "--help" || first === "-h" || first === "help") {
    io.stdout(await topHelp());
    return ExitCode.Ok;
  }
  if (first === "--version") {
    io.stdout(versionLine());
    return ExitCode.Ok;
  }
  const load = Object.hasOwn(COMMANDS, first) ? COMMANDS[first] : undefined;
  if (!load) {
    io.stderr(
      errorText(new UsageError(`'${first}' is not a trail-lab command; the commands are ${names()}. Run 'trail-lab --help'.`), false),
    );
    return ExitCode.Usage;
  }
  return (await load()).runProcess(rest);
}

function defaultIo() {
  return { stdout: (t: string) => void process.stdout.write(t), stderr: (t: string) => void process.stderr.write(t) };
}
