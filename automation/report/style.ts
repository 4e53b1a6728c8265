// The report's stylesheet, inline in the page: system fonts only (no @font-face, no url()), so the
// page fetches nothing; print keeps the colours an auditor reads status by.
export const STYLE = `
  :root { --ink: #1d2430; --muted: #556070; --line: #e6eaf0; --paper: #fff; --ground: #f4f6f9; }
  body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--ink); margin: 0; background: var(--ground); }
  main { max-width: 1100px; margin: 0 auto; padding: 24px 28px 48px; }
  h1 { font-size: 22px; margin: 0 0 6px; }
  h2 { font-size: 16px; margin: 28px 0 4px; border-bottom: 1px solid #d5dbe3; padding-bottom: 4px; }
  .meta { color: var(--muted); margin: 0 0 8px; }
  .source { color: var(--muted); font-size: 12.5px; margin: 0 0 8px; }
  .muted { color: var(--muted); font-size: 12.5px; }
  .bad-text { color: #8f1d16; font-weight: 600; }
  .empty { margin: 4px 0; }
  table { border-collapse: collapse; width: 100%; background: var(--paper); box-shadow: 0 1px 2px rgba(0,0,0,.06); }
  th, td { text-align: left; vertical-align: top; padding: 6px 10px; border-bottom: 1px solid var(--line); }
  th { background: #eef1f5; font-weight: 600; font-size: 13px; }
  table.inner { box-shadow: none; font-size: 13px; }
  table.inner th, table.inner td { padding: 4px 8px; }
  table.side th { width: 150px; }
  table.side td { width: 40%; }
  table.counts { width: auto; margin: 0 0 12px; }
  table.counts td.num { text-align: right; font-variant-numeric: tabular-nums; min-width: 56px; }
  table.counts tr.total td { font-weight: 600; }
  table.findings td.todo { font-size: 13px; max-width: 330px; }
  table.findings td.todo code { word-break: normal; }
  table.findings td.cis { font-size: 12.5px; }
  td.when, td.id, .nowrap { white-space: nowrap; font-variant-numeric: tabular-nums; }
  code, pre { font: 12.5px/1.4 ui-monospace, "DejaVu Sans Mono", Menlo, monospace; word-break: break-all; }
  pre { background: var(--paper); border: 1px solid #d5dbe3; padding: 12px; overflow-x: auto; white-space: pre-wrap; margin: 6px 0 0; }
  td pre { border: 0; padding: 0; background: transparent; max-width: 260px; }
  details summary { cursor: pointer; color: #2d5bb9; white-space: nowrap; }
  tr.finding.fail td { background: #fff6f5; }
  tr.finding.accepted td { background: #fffaf0; }
  .policy { margin-top: 8px; }
  .policy h3 { font-size: 13px; margin: 0 0 4px; color: var(--muted); font-weight: 600; }
  .policy td:first-child code, .policy td:nth-child(4) code { word-break: normal; }
  a { color: #2d5bb9; }
  .badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px; font-weight: 600; letter-spacing: .02em; white-space: nowrap; }
  .ok { background: #dcf3e3; color: #11612b; }
  .bad { background: #fbe0de; color: #8f1d16; }
  .warn { background: #fdf0d5; color: #7a4d00; }
  .none { background: #e8ebf0; color: #4a5565; }
  .verdict { font-size: 15px; padding: 3px 12px; vertical-align: 2px; }
  .sev { font-size: 12px; font-weight: 600; text-transform: uppercase; letter-spacing: .03em; }
  .sev-critical { color: #6d0f0a; } .sev-high { color: #a3251b; } .sev-medium { color: #9a5b00; } .sev-low { color: #4a5565; }
  dl { display: grid; grid-template-columns: 190px 1fr; gap: 5px 16px; background: var(--paper); padding: 12px; margin: 0; box-shadow: 0 1px 2px rgba(0,0,0,.06); }
  dt { color: var(--muted); }
  dd { margin: 0; word-break: break-word; }
  ul { margin: 4px 0; padding-left: 20px; }
  .path span.sep { color: var(--muted); }
  .path { font: 12.5px/1.6 ui-monospace, "DejaVu Sans Mono", Menlo, monospace; word-break: break-all; }
  .head { background: var(--paper); padding: 14px 16px; box-shadow: 0 1px 2px rgba(0,0,0,.06); }
  .head p { margin: 2px 0; }
  .figure { background: var(--paper); padding: 8px 4px 4px; box-shadow: 0 1px 2px rgba(0,0,0,.06); margin-bottom: 10px; overflow-x: auto; }
  svg.timeline { display: block; font: 12px system-ui, -apple-system, "Segoe UI", sans-serif; }
  svg.timeline text { fill: var(--ink); }
  svg.timeline .tick { fill: var(--muted); font-size: 11px; }
  svg.timeline .note { fill: var(--muted); font-size: 11px; }
  svg.timeline line.grid { stroke: var(--line); }
  svg.timeline rect.bar { fill: #4c7bd9; }
  svg.timeline rect.bar.cleanup { fill: #8a94a6; }
  svg.timeline rect.bar.open { fill: #c9a227; }
  svg.timeline rect.bar.failed { fill: #b3261e; }
  svg.timeline text.note.inside { fill: #fff; }
  svg.timeline .mark line { stroke-width: 1.5; stroke-dasharray: 4 3; }
  svg.timeline .mark.event-time line, svg.timeline .mark.event-time circle { stroke: #b3261e; fill: #b3261e; }
  svg.timeline .mark.delivered line, svg.timeline .mark.delivered circle { stroke: #7a4d00; fill: #7a4d00; }
  svg.timeline .mark.s3-found line, svg.timeline .mark.s3-found circle { stroke: #11612b; fill: #11612b; }
  svg.timeline .mark.history-found line, svg.timeline .mark.history-found circle { stroke: #5b3fb5; fill: #5b3fb5; }
  @media print { body { background: #fff; } main { max-width: none; } details > pre { display: block; } }
`;
