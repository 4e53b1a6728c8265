// The pulumi command lines the lab prints for a user to type later (destroy a kept stack, lift a
// stale lock, remove the stack), after the environment that reaches the run's backend from a
// shell: the lab may have chosen the backend and the passphrase itself (backend.ts).
import type { LabEngine } from "./lab-engine";

/** The environment prefix a user types before `pulumi ...` to reach the same backend. */
export function shellPrefix(env: Record<string, string>): string {
  return Object.entries(env)
    .map(([k, v]) => `${k}=${v === "" ? "''" : v}`)
    .join(" ");
}

/** `pulumi <verb> --cwd <dir> --stack <stack> --yes`, after the environment that reaches the run's backend. */
export function pulumiCommand(
  verb: "destroy" | "stack rm" | "cancel",
  stack: string,
  engine: Pick<LabEngine, "shellEnv" | "workDir">,
): string {
  const env = shellPrefix(engine.shellEnv);
  return `${env ? `${env} ` : ""}pulumi ${verb} --cwd ${engine.workDir} --stack ${stack} --yes`;
}
