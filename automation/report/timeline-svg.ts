// The timeline as an inline SVG picture: one time axis (UTC), a bar per phase, and below them one
// row per mark in true time order, each a line down to its moment and a label saying what it is.
// Plain SVG elements only (no script, no link, no image, no font), so the page's
// Content-Security-Policy still forbids every fetch; the exact values stay in the table below it.
import type { LabReport } from "../evidence";
import { attr, escapeHtml } from "./markup";
import { phaseSpans, timelineMarks, timelineRange, type PhaseSpan } from "./timeline";

const WIDTH = 1040;
const LABEL_X = 226;
const X0 = 236;
const X1 = WIDTH - 16;
const AXIS_Y = 22;
const PHASES_Y = 34;
const ROW = 22;
const MARK_ROW = 21;

const TICK_STEPS_S = [10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600];

/** About how wide a label of the picture's 12px sans-serif is; generous, so that nothing overlaps. */
const textWidth = (text: string) => text.length * 7;
const clock = (ms: number, seconds: boolean) => new Date(ms).toISOString().slice(11, seconds ? 19 : 16);
const n = (value: number) => (Math.round(value * 10) / 10).toString();

function ticks(from: number, to: number): { at: number; text: string }[] {
  const span = (to - from) / 1000;
  const step = TICK_STEPS_S.find((s) => span / s <= 10) ?? TICK_STEPS_S[TICK_STEPS_S.length - 1];
  const first = Math.ceil(from / (step * 1000)) * step * 1000;
  const out: { at: number; text: string }[] = [];
  for (let t = first; t <= to && out.length < 40; t += step * 1000) out.push({ at: t, text: clock(t, step < 60) });
  return out;
}

/** What the end of a bar is: the end of a Pulumi up is Pulumi's, not the instance's. */
function endLabel(phase: PhaseSpan): string {
  return phase.name.startsWith("up-") ? "Pulumi up finished" : "ended";
}

export function timelineSvg(report: LabReport): string {
  const phases = phaseSpans(report);
  const marks = timelineMarks(report);
  const { from, to } = timelineRange(report);
  const x = (ms: number) => X0 + ((ms - from) / (to - from)) * (X1 - X0);
  const marksY = PHASES_Y + phases.length * ROW + 14;
  const height = marksY + Math.max(marks.length, 1) * MARK_ROW + 8;
  const parts: string[] = [];

  parts.push(`<g class="axis">`);
  for (const tick of ticks(from, to)) {
    const tx = n(x(tick.at));
    parts.push(`<line class="grid" ${attr("x1", tx)} ${attr("x2", tx)} ${attr("y1", AXIS_Y + 4)} ${attr("y2", marksY - 8)}/>`);
    parts.push(`<text class="tick" ${attr("x", tx)} ${attr("y", AXIS_Y)} text-anchor="middle">${escapeHtml(tick.text)}</text>`);
  }
  parts.push(`</g>`);

  phases.forEach((phase, i) => {
    const y = PHASES_Y + i * ROW;
    const start = Date.parse(phase.startedAt);
    const end = phase.endedAt ? Date.parse(phase.endedAt) : to;
    const bx = x(start);
    const bw = Math.max(x(end) - bx, 2);
    const cls = `bar${phase.name === "destroy" || phase.name === "sweep" ? " cleanup" : ""}${phase.endedAt ? "" : " open"}${phase.failed ? " failed" : ""}`;
    const note = phase.failed
      ? `failed (${phase.failed}) ${clock(end, true)}`
      : phase.endedAt
        ? `${endLabel(phase)} ${clock(end, true)}`
        : "did not end";
    const width = textWidth(note);
    // Beside the bar when there is room, else inside it when it is long enough, else before it.
    const place =
      bx + bw + 6 + width < X1
        ? { x: bx + bw + 6, anchor: "start", cls: "note" }
        : bw > width + 12
          ? { x: bx + bw - 6, anchor: "end", cls: "note inside" }
          : { x: bx - 6, anchor: "end", cls: "note" };
    parts.push(
      `<g ${attr("class", "phase")} ${attr("data-phase", phase.name)}>` +
        `<text class="label" ${attr("x", LABEL_X)} ${attr("y", y + 11)} text-anchor="end">${escapeHtml(phase.label)}</text>` +
        `<rect ${attr("class", cls)} ${attr("x", n(bx))} ${attr("y", y)} ${attr("width", n(bw))} height="14" rx="2"/>` +
        `<text ${attr("class", place.cls)} ${attr("x", n(place.x))} ${attr("y", y + 11)} ${attr("text-anchor", place.anchor)}>${escapeHtml(note)}</text>` +
        `</g>`,
    );
  });

  if (marks.length === 0) {
    parts.push(`<text class="note" ${attr("x", X0)} ${attr("y", marksY + 12)}>no moment recorded by AWS or verify in this run</text>`);
  }
  marks.forEach((mark, i) => {
    const mx = x(Date.parse(mark.at));
    const y = marksY + i * MARK_ROW + 8;
    const text = `${clock(Date.parse(mark.at), true)} ${mark.label}`;
    // Left of the dot: a later mark's line lies to the right, and an earlier one stops above this row.
    const left = mx - 9 - textWidth(text) >= 4;
    parts.push(
      `<g ${attr("class", `mark ${mark.kind}`)} ${attr("data-kind", mark.kind)} ${attr("data-at", mark.at)} ${attr("data-x", n(mx))}>` +
        `<title>${escapeHtml(`${mark.label}: ${mark.at} (${mark.source})`)}</title>` +
        `<line ${attr("x1", n(mx))} ${attr("x2", n(mx))} ${attr("y1", PHASES_Y - 6)} ${attr("y2", y)}/>` +
        `<circle ${attr("cx", n(mx))} ${attr("cy", y)} r="4"/>` +
        `<text class="label" ${attr("x", n(left ? mx - 9 : mx + 9))} ${attr("y", y + 4)} ${attr("text-anchor", left ? "end" : "start")}>${escapeHtml(text)}</text>` +
        `</g>`,
    );
  });

  const summary = `Phases of lab run ${report.stack} on one time axis, and ${marks.length} moment${marks.length === 1 ? "" : "s"} in time order: ${marks.map((m) => m.label).join(", ") || "none"}.`;
  return (
    `<svg class="timeline" xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="timeline-title" ${attr("viewBox", `0 0 ${WIDTH} ${height}`)} ${attr("width", WIDTH)} ${attr("height", height)}>` +
    `<title id="timeline-title">${escapeHtml(summary)}</title>${parts.join("")}</svg>`
  );
}
