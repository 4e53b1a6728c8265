// What failed inside a Pulumi update or destroy, from the engine's structured events rather than
// its console text: each failing resource with its name, its type as Pulumi shows it, and the
// provider's message ("probe-instance (aws:ec2:Instance): creating EC2 Instance: VcpuLimitExceeded").
import type { EngineEvent } from "@pulumi/pulumi/automation";

export interface EngineFailure {
  /** The resource's name, the last part of its URN. */
  name: string;
  /** The type as Pulumi prints it: aws:ec2/instance:Instance is shown as aws:ec2:Instance. */
  type: string;
  /** The step that failed (create, update, delete, replace, ...), when the engine said. */
  op: string | null;
  message: string;
}

/** The longest provider message kept; AWS errors fit, a stack trace does not need to. */
const MAX_MESSAGE = 2000;

/**
 * The provider's own words: the bridged AWS provider wraps them as
 * "  sdk-v2/provider2.go:572: sdk.helper_schema: <message>: provider=aws@7.14.0".
 */
export function providerMessage(text: string): string {
  return text
    .trim()
    .replace(/^sdk-v2\/provider2\.go:\d+: sdk\.helper_schema: /, "")
    .replace(/: provider=[\w-]+@[\w.+-]+$/, "");
}

/** `aws:ec2/instance:Instance` -> `aws:ec2:Instance`, as Pulumi's own display does. */
export function displayType(token: string): string {
  const m = /^([^:]+):([^:/]+)\/([^:]+):([^:]+)$/.exec(token);
  if (!m) return token;
  const [, pkg, mod, sub, name] = m;
  return sub.toLowerCase() === name.toLowerCase() ? `${pkg}:${mod}:${name}` : token;
}

function urnParts(urn: string): { name: string; type: string } {
  // urn:pulumi:<stack>::<project>::<parent$type...$type>::<name>
  const parts = urn.split("::");
  const types = (parts[2] ?? "").split("$");
  return { name: parts[3] ?? urn, type: types[types.length - 1] ?? "" };
}

/** Collects failures from the events of one engine command; `onEvent` goes to the Automation API. */
export class EngineFailures {
  private readonly byUrn = new Map<string, EngineFailure>();

  readonly onEvent = (event: EngineEvent): void => {
    const diagnostic = event.diagnosticEvent;
    if (diagnostic?.severity === "error" && diagnostic.urn) {
      const known = this.entry(diagnostic.urn);
      const text = providerMessage(diagnostic.message);
      known.message = known.message ? `${known.message}\n${text}` : text;
    }
    const failed = event.resOpFailedEvent?.metadata;
    if (failed?.urn) {
      const known = this.entry(failed.urn);
      known.op = failed.op;
      if (failed.type) known.type = displayType(failed.type);
    }
  };

  /** Each failing resource once, in the order the engine reported them. */
  list(): EngineFailure[] {
    return [...this.byUrn.values()].filter((f) => f.message !== "").map((f) => ({ ...f, message: f.message.slice(0, MAX_MESSAGE) }));
  }

  private entry(urn: string): EngineFailure {
    let known = this.byUrn.get(urn);
    if (!known) {
      const { name, type } = urnParts(urn);
      known = { name, type: displayType(type), op: null, message: "" };
      this.byUrn.set(urn, known);
    }
    return known;
  }
}

/** One line per failing resource, for a message a person reads. */
export function describeFailures(failures: readonly EngineFailure[]): string {
  return failures.map((f) => `${f.name} (${f.type}): ${f.message.split("\n").join("\n    ")}`).join("\n");
}
