// --drill takes an optional value: alone it means every technique. The flag table's parser
// (node:util parseArgs) knows only flags with a value or without, so a --drill that is last or
// followed by another flag is given the value "all" here, before parsing.
export function drillArgv(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--") return [...out, ...argv.slice(i)];
    out.push(arg);
    if (arg === "--drill" && (i + 1 >= argv.length || argv[i + 1].startsWith("-"))) out.push("all");
  }
  return out;
}
