// Keeping a matched record printable: JSON.parse reads nesting of any depth, but JSON.stringify
// (the --json output, the lab's evidence file) recurses and overflows the stack a few thousand
// levels down. A CloudTrail record nests a dozen levels; anything deeper than MAX_EVIDENCE_DEPTH
// is replaced by a note, and the log file the record came from still holds it whole.

export const MAX_EVIDENCE_DEPTH = 64;

export const trimmedNote = (depth: number) => `[nested deeper than ${depth} levels: left out here; the log file holds the whole record]`;

/** Whether `value` holds containers more than `levels` deep; never recurses past `levels`. */
function deeperThan(value: unknown, levels: number): boolean {
  if (typeof value !== "object" || value === null) return false;
  if (levels === 0) return true;
  for (const child of Object.values(value)) if (deeperThan(child, levels - 1)) return true;
  return false;
}

function trim(value: unknown, levels: number, depth: number): unknown {
  if (typeof value !== "object" || value === null) return value;
  if (levels === 0) return trimmedNote(depth);
  if (Array.isArray(value)) return value.map((v) => trim(v, levels - 1, depth));
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, trim(v, levels - 1, depth)]));
}

/** `record` itself when it nests no deeper than `maxDepth`, else a copy with the deeper parts noted. */
export function printableRecord<T extends object>(record: T, maxDepth = MAX_EVIDENCE_DEPTH): T {
  return deeperThan(record, maxDepth) ? (trim(record, maxDepth, maxDepth) as T) : record;
}
