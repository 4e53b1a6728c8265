// The report's markup helpers: every value from the evidence reaches the page through escapeHtml,
// every attribute through attr(), and every instant through one format (UTC, to the second), so
// that no caller-controlled string becomes markup and no two times on the page differ in precision.

export function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

/** `name="value"` with the value escaped: no attribute value is ever written unescaped. */
export function attr(name: string, value: string | number): string {
  return `${name}="${escapeHtml(value)}"`;
}

/** One precision for every instant on the page: 2026-11-25T21:19:10Z. */
export function instantText(at: string | null | undefined): string {
  if (!at) return "—";
  const ms = Date.parse(at);
  if (Number.isNaN(ms)) return escapeHtml(at);
  return `${new Date(ms).toISOString().slice(0, 19)}Z`;
}

/** +4m10s from `from` to `at`. */
export function offsetText(from: string, at: string | null | undefined): string {
  if (!at) return "";
  const s = Math.round((Date.parse(at) - Date.parse(from)) / 1000);
  if (!Number.isFinite(s)) return "";
  return `${s < 0 ? "−" : "+"}${Math.floor(Math.abs(s) / 60)}m${String(Math.abs(s) % 60).padStart(2, "0")}s`;
}

export function durationText(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return "—";
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, "0")} s`;
}

export function bytesText(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined) return "—";
  return bytes < 1024 ? `${bytes} bytes` : `${(bytes / 1024).toFixed(1)} KiB (${bytes.toLocaleString("en-US")} bytes)`;
}

export const orDash = (value: unknown): string => (value === null || value === undefined || value === "" ? "—" : escapeHtml(value));
export const code = (value: unknown): string =>
  value === null || value === undefined || value === "" ? "—" : `<code>${escapeHtml(value)}</code>`;

export type BadgeKind = "ok" | "bad" | "warn" | "none";

export function badge(text: string, kind: BadgeKind, extra = ""): string {
  return `<span ${attr("class", `badge ${kind}${extra ? ` ${extra}` : ""}`)}>${escapeHtml(text)}</span>`;
}

/** yes/no with the word AWS used, for a boolean AWS returned (null: AWS did not say). */
export function flag(value: boolean | null | undefined, yes = "yes", no = "no"): string {
  if (value === null || value === undefined) return "—";
  return value ? badge(yes, "ok") : badge(no, "bad");
}

/** A definition list of [term, already-escaped HTML] rows. */
export function definitions(rows: [string, string][]): string {
  return `<dl>${rows.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${v}</dd>`).join("")}</dl>`;
}

/** A section: heading, where its values come from, body. */
export function section(id: string, title: string, source: string, body: string): string {
  return `<section ${attr("id", id)}><h2>${escapeHtml(title)}</h2>${source ? `<p class="source">${source}</p>` : ""}${body}</section>`;
}
