/// The report's style sheet: system fonts only, light print-friendly colours, charts that
/// scale with the page and do not break across printed pages.
enum ReportStyle {
  static let css = """
    :root { --ink: #1d2330; --muted: #5f6b7a; --rule: #d9dee5; --panel: #f6f8fa;
      --accent: #0b5cad; }
    * { box-sizing: border-box; }
    html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
    body { margin: 0; color: var(--ink); background: #fff; font: 15px/1.45 system-ui,
      -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans",
      "Liberation Sans", sans-serif; }
    main { max-width: 1000px; margin: 0 auto; padding: 28px 32px 48px; }
    header.report { border-bottom: 3px solid var(--accent); padding-bottom: 14px;
      margin-bottom: 8px; }
    .eyebrow { text-transform: uppercase; letter-spacing: .08em; font-size: 12px;
      color: var(--accent); font-weight: 600; margin: 0; }
    h1 { font-size: 26px; margin: 2px 0 2px; line-height: 1.2; }
    .subtitle { margin: 0 0 12px; color: var(--muted); font-size: 16px; }
    dl.meta { display: flex; flex-wrap: wrap; gap: 8px 12px; margin: 0; }
    dl.meta div { flex: 1 1 auto; background: var(--panel); border-radius: 6px;
      padding: 6px 12px; }
    dl.meta dt { font-size: 11px; text-transform: uppercase; letter-spacing: .06em;
      color: var(--muted); }
    dl.meta dd { margin: 0; font-weight: 600; }
    section { margin-top: 30px; }
    h2 { font-size: 19px; margin: 0 0 4px; padding-bottom: 4px;
      border-bottom: 1px solid var(--rule); }
    h2 code { font-size: 16px; background: var(--panel); padding: 1px 6px; border-radius: 4px; }
    h3 { font-size: 15px; margin: 18px 0 6px; color: var(--muted); }
    p.note { color: var(--muted); font-size: 13px; margin: 4px 0 10px; }
    figure { margin: 10px 0 14px; break-inside: avoid; page-break-inside: avoid; }
    figcaption { color: var(--muted); font-size: 13px; margin-top: 4px; }
    svg.chart { display: block; width: 100%; height: auto; max-width: 900px;
      font-family: inherit; }
    svg text { fill: var(--ink); font-size: 12px; }
    svg .tick { fill: var(--muted); font-size: 11px; }
    svg .axis-title, svg .at-risk-title { font-size: 12px; font-weight: 600; }
    svg .grid { stroke: #e8ebf0; stroke-width: 1; }
    svg .zero { stroke: #8a94a3; stroke-width: 1.2; }
    svg .axis { stroke: #8a94a3; stroke-width: 1; fill: none; }
    svg .horizon { stroke: #8a94a3; stroke-width: 1; stroke-dasharray: 3 3; }
    svg .horizon-label { fill: var(--muted); font-size: 11px; }
    svg .horizon-point { stroke: #fff; stroke-width: 1.2; }
    svg .km-band { fill-opacity: .14; stroke: none; }
    svg .km-curve { fill: none; stroke-width: 2.2; stroke-linejoin: round; }
    svg .at-risk-label, svg .row-label { font-size: 12.5px; font-weight: 600; }
    svg .at-risk-count { font-variant-numeric: tabular-nums; }
    svg .at-risk-none, svg .muted { fill: var(--muted); font-style: italic; }
    svg .whisker { stroke-width: 2; fill: none; }
    svg .estimate { stroke: #fff; stroke-width: 1.5; }
    svg .row-value { font-variant-numeric: tabular-nums; font-size: 12.5px; }
    svg .ae-enrolled { fill: #eef1f5; }
    svg .ae-grade { stroke: #fff; stroke-width: 1; }
    svg .bar-count { font-size: 11px; font-weight: 600; }
    svg .box { fill: #f3f7fc; stroke: #7d9cc0; stroke-width: 1.2; }
    svg .box.side { fill: #fbf6ef; stroke: #c7a678; }
    svg .box-title { font-weight: 700; font-size: 13px; }
    svg .box-count { font-size: 13px; font-variant-numeric: tabular-nums; }
    svg .box-detail { font-size: 12px; fill: #3b4452; }
    svg .flow { stroke: #55657a; stroke-width: 1.4; }
    svg .arrowhead { fill: #55657a; }
    ul.legend { list-style: none; display: flex; flex-wrap: wrap; gap: 4px 22px;
      padding: 0; margin: 8px 0 2px; font-size: 13.5px; }
    ul.legend li { display: flex; align-items: center; gap: 7px; }
    ul.legend svg { width: 30px; height: 12px; flex: none; }
    ul.legend .swatch { width: 14px; height: 14px; border-radius: 3px; display: inline-block;
      border: 1px solid rgba(0,0,0,.15); }
    ul.legend .detail { color: var(--muted); }
    table { border-collapse: collapse; margin: 8px 0 4px; font-size: 13.5px; min-width: 50%;
      font-variant-numeric: tabular-nums; }
    caption { text-align: left; color: var(--muted); font-size: 12.5px; padding-bottom: 4px; }
    th, td { padding: 5px 12px; border-bottom: 1px solid var(--rule); }
    thead th { text-align: right; font-size: 12px; color: var(--muted); font-weight: 600;
      border-bottom: 2px solid #b9c1cc; white-space: nowrap; }
    thead th:first-child, tbody th { text-align: left; }
    tbody th { font-weight: 600; }
    td { text-align: right; white-space: nowrap; }
    td.mark { color: #8a5a00; }
    tbody tr:nth-child(even) { background: #fafbfc; }
    span.dot { display: inline-block; width: 10px; height: 10px; border-radius: 50%;
      margin-right: 8px; }
    footer { margin-top: 36px; padding-top: 10px; border-top: 1px solid var(--rule);
      color: var(--muted); font-size: 12.5px; }
    @media print {
      body { font-size: 10.5pt; }
      main { max-width: none; padding: 0; }
      section { break-inside: auto; }
      h2, h3 { break-after: avoid; page-break-after: avoid; }
      table, figure { break-inside: avoid; page-break-inside: avoid; }
      tbody tr:nth-child(even) { background: none; }
    }
    @page { margin: 16mm 14mm; }
    """
}
