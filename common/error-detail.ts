// What --debug adds to an error: for the error and each cause behind it, its class, its stack,
// the AWS request id and HTTP status the SDK kept (`$metadata`), and the raw output of the Pulumi
// command that failed. Without --debug a command prints the message alone, once. A URL's secrets
// are masked here as everywhere text is shown.
import { inspect } from "node:util";
import { TrailLabError, describe } from "./errors";
import { redactUrls } from "./redact";

/** Causes followed at most this deep: a loop of causes must not loop the printer. */
const MAX_CAUSES = 5;

interface Metadata {
  httpStatusCode?: unknown;
  requestId?: unknown;
  extendedRequestId?: unknown;
  cfId?: unknown;
  attempts?: unknown;
}

function metadataLine(error: unknown): string | null {
  const m = (error as { $metadata?: Metadata } | null)?.$metadata;
  if (!m || typeof m !== "object") return null;
  const parts = [
    typeof m.requestId === "string" && `request id ${m.requestId}`,
    typeof m.extendedRequestId === "string" && `extended request id ${m.extendedRequestId}`,
    typeof m.cfId === "string" && `CloudFront id ${m.cfId}`,
    typeof m.httpStatusCode === "number" && `HTTP ${m.httpStatusCode}`,
    typeof m.attempts === "number" && `${m.attempts} attempt(s)`,
  ].filter(Boolean);
  return parts.length > 0 ? `  AWS: ${parts.join(", ")}` : null;
}

/** The engine's own words, kept by the lab's engine errors as `output`. */
function rawOutput(error: unknown): string | null {
  const output = (error as { output?: unknown } | null)?.output;
  return typeof output === "string" && output.trim() !== "" ? output.trimEnd() : null;
}

export function errorDetail(error: unknown): string {
  const lines: string[] = ["--debug: the error in full"];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && current !== null && depth <= MAX_CAUSES; depth++) {
    const prefix = depth === 0 ? "" : "caused by ";
    if (current instanceof Error) {
      lines.push(`${prefix}${current.name}: ${current.message}`);
      const aws = metadataLine(current);
      if (aws) lines.push(aws);
      const output = rawOutput(current);
      if (output) lines.push("  raw Pulumi output:", ...output.split("\n").map((line) => `    ${line}`));
      if (current.stack)
        lines.push(
          ...current.stack
            .split("\n")
            .slice(1)
            .map((line) => `  ${line.trim()}`),
        );
      current = current.cause;
    } else {
      // A thrown non-Error (a string, a plain object) shown as it is, its fields included.
      lines.push(`${prefix}${inspect(current, { depth: 3, breakLength: Infinity })}`);
      current = undefined;
    }
  }
  return redactUrls(lines.join("\n"));
}

/**
 * An error as a command prints it, once, on stderr: a trail-lab error's message (it says what to
 * do), or for anything else "Unexpected error:" and what it was; --debug adds the detail.
 */
export function errorText(error: unknown, debug: boolean): string {
  const head =
    error instanceof TrailLabError
      ? error.message
      : `Unexpected error: ${describe(error)}${debug ? "" : " (--debug shows where it came from)"}`;
  return `${redactUrls(head)}\n${debug ? `${errorDetail(error)}\n` : ""}`;
}
