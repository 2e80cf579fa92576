import Foundation
import RegistryDomain

/// Renders the cohort report as one self-contained HTML page: inline CSS and SVG, no script,
/// no font, image or link from outside, so it can be mailed, archived and printed as is.
///
/// Sections: the report's scope; the CONSORT flow diagram; status per group; for each endpoint
/// a chart and a table (Kaplan–Meier curves with confidence bands, horizon markers and numbers
/// at risk; response rates with Wilson whiskers; changes from baseline with t whiskers); adverse
/// events by worst grade. Suppressed figures print as the mark (`<N`) and are never drawn.
/// Every inserted text is escaped; the page is well-formed XML as well as HTML.
public enum CohortReportHTML {
  /// The HTML page.
  public static func render(_ report: CohortReport) -> String {
    let page = Page(report: report)
    let title = "Cohort report \(report.protocol.code) v\(report.protocol.version)"
    return """
      <!DOCTYPE html>
      <html lang="en">
      <head>
      <meta charset="utf-8"/>
      <meta name="viewport" content="width=device-width, initial-scale=1"/>
      <title>\(Markup.escape(title))</title>
      <style>
      \(ReportStyle.css)
      </style>
      </head>
      <body>
      <main>
      \(page.sections.joined(separator: "\n"))
      </main>
      </body>
      </html>

      """
  }
}

/// The sections of the page, built from one report.
struct Page {
  let report: CohortReport

  var minCell: Int { report.minCell }
  var flowFormat: ReportFormat { ReportFormat.flow(report, absent: "–") }
  func format(_ g: CohortReport.Group) -> ReportFormat {
    ReportFormat.group(g, minCell: minCell, absent: "–")
  }
  var swatches: [String?] { report.groups.indices.map { ReportPalette.color($0) } }
  var groupNoun: String {
    switch report.groupBy {
    case .arm: "arm"
    case .site: "site"
    case .source: "cell source"
    case .dose: "dose band"
    }
  }

  var sections: [String] {
    var out = [header, flow, status]
    for (index, endpoint) in (report.groups.first?.endpoints ?? []).enumerated() {
      switch endpoint {
      case .survival(let s): out.append(survival(s, index))
      case .proportion(let p): out.append(proportion(p, index))
      case .change(let c): out.append(change(c, index))
      }
    }
    out.append(adverseEvents)
    out.append(footer)
    return out
  }

  // MARK: Header

  var header: String {
    let p = report.protocol
    var items: [(String, String)] = [
      ("Protocol", "\(p.code) v\(p.version)"),
      (
        "Condition",
        p.condition == "sle"
          ? "Systemic lupus erythematosus"
          : p.condition == "liver_failure" ? "Liver failure" : p.condition
      ),
      ("As of", report.asOf.description),
      ("Grouped by", groupNoun),
      ("Survival CI", report.ciMethod == .loglog ? "log-log, 95%" : "plain (linear), 95%"),
      (
        "Small counts",
        minCell > 1
          ? "1–\(minCell - 1) shown as <\(minCell); ≥\(minCell): withheld so that none can be recovered from a total"
          : "all shown"
      ),
    ]
    if let site = report.site { items.insert(("Site", site), at: 3) }
    if report.syntheticExcluded {
      items.append(("Synthetic patients", "excluded (demo seed cohorts left out)"))
    } else if report.syntheticIncluded {
      items.append(
        ("Synthetic patients", "INCLUDED (demo seed); --exclude-synthetic leaves them out"))
    }
    let meta = items.map {
      Markup.element("div", [:], Markup.text("dt", [:], $0.0) + Markup.text("dd", [:], $0.1))
    }
    return Markup.element(
      "header", ["class": "report"],
      Markup.text("p", ["class": "eyebrow"], "MSC registry · cohort report")
        + Markup.text("h1", [:], p.title.isEmpty ? p.code : p.title)
        + Markup.text(
          "p", ["class": "subtitle"], "\(p.code) version \(p.version) · data as of \(report.asOf)")
        + Markup.element("dl", ["class": "meta"], meta.joined()))
  }

  // MARK: Flow and status

  var flow: String {
    let f = report.flow
    let x = flowFormat
    let failures = f.screenFailures.map { (criterion: $0.key, n: $0.value) }
      .sorted { ($0.n ?? 0, $1.criterion) > ($1.n ?? 0, $0.criterion) }
      .map {
        (criterion: $0.criterion, count: x.count($0.n, "flow.screen_failures.\($0.criterion)"))
      }
    var order =
      report.groupBy == .arm ? report.groups.map(\.group).filter { f.allocated[$0] != nil } : []
    order += f.allocated.keys.sorted().filter { !order.contains($0) }
    let perArm = report.groupBy == .arm && report.site == nil
    let arms = order.map { code -> ConsortDiagram.Arm in
      var arm = ConsortDiagram.Arm(
        code: code, allocated: x.count(f.allocated[code] ?? nil, "flow.allocated.\(code)"))
      if perArm, let g = report.groups.first(where: { $0.group == code }) {
        let gx = format(g)
        arm.followUp = (
          gx.count(g.treated, "treated"), gx.count(g.withdrawn, "withdrawn"),
          gx.count(g.enrolled, "enrolled")
        )
      }
      return arm
    }
    let allPerArm = !arms.isEmpty && arms.allSatisfy { $0.followUp != nil }
    let diagram = ConsortDiagram(
      screened: x.count(f.screened, "flow.screened"),
      screenFailed: x.count(f.screenFailed, "flow.screen_failed"), failures: failures,
      enrolled: x.count(f.enrolled, "flow.enrolled"),
      arms: allPerArm
        ? arms
        : arms.map {
          var a = $0; a.followUp = nil; return a
        },
      treated: x.count(f.treated, "flow.treated"),
      withdrawn: x.count(f.withdrawn, "flow.withdrawn"),
      analysed: x.count(f.analysed, "flow.analysed"))
    return Markup.element(
      "section", ["id": "flow"],
      Markup.text("h2", [:], "Participant flow (CONSORT)")
        + Markup.element(
          "figure", [:],
          diagram.svg(title: "CONSORT flow diagram")
            + Markup.text(
              "figcaption", [:],
              "A candidate failing several criteria counts under each. Analysed: every enrolled patient (intention to treat)."
            )))
  }

  var status: String {
    let rows = report.groups.map { g in
      [g.group] + CohortReportText.statusCounts(g).map { format(g).count($0.value, $0.path) }
    }
    let table = HTMLTable(
      caption: nil,
      header: [groupNoun.capitalized, "Enrolled", "Treated", "Withdrawn", "Died", "Transplanted"],
      rows: rows, swatches: swatches)
    return Markup.element(
      "section", ["id": "status"], Markup.text("h2", [:], "Patients by \(groupNoun)") + table.html)
  }

  // MARK: Endpoints

  func heading(_ code: String, _ text: String) -> String {
    Markup.element("h2", [:], Markup.text("code", [:], code) + " " + Markup.escape(text))
  }

  func legend(_ items: [(index: Int, label: String, detail: String)]) -> String {
    let li = items.map { item in
      let dash = ReportPalette.dash(item.index)
      let swatch = Markup.element(
        "svg", ["viewBox": "0 0 30 12", "aria-hidden": "true"],
        Markup.element(
          "line",
          [
            "x1": "1", "y1": "6", "x2": "29", "y2": "6", "stroke": ReportPalette.color(item.index),
            "stroke-width": "3", "stroke-dasharray": dash.isEmpty ? "none" : dash,
          ]))
      return Markup.element(
        "li", [:],
        swatch + Markup.text("strong", [:], item.label)
          + Markup.text("span", ["class": "detail"], item.detail))
    }
    return Markup.element("ul", ["class": "legend"], li.joined())
  }

  func survival(_ first: EndpointResult.Survival, _ index: Int) -> String {
    var series: [KaplanMeierChart.Series] = []
    var items: [(index: Int, label: String, detail: String)] = []
    for (i, g) in report.groups.enumerated() {
      guard case .survival(let s) = g.endpoints[index] else { continue }
      series.append(.init(label: g.group, index: i, survival: s))
      let x = format(g)
      var detail: String
      if s.curve.isEmpty {
        detail = s.patients == 0 ? "not shown (no patients)" : "not shown (suppressed)"
      } else {
        detail =
          "n \(x.count(s.patients, "endpoints.\(s.code).patients")), \(x.count(s.eventsObserved, "endpoints.\(s.code).events_observed")) events"
        detail +=
          ", median " + (s.medianDays.map { "\(SVGPlot.tickLabel($0)) days" } ?? "not reached")
      }
      items.append((i, g.group, detail))
    }
    let events = first.events.map { $0.replacingOccurrences(of: "_", with: " ") }
    let title = "\(first.code): Kaplan–Meier survival free of \(events.joined(separator: " or "))"
    let chart = KaplanMeierChart(
      series: series, minCell: minCell, horizons: first.points.map(\.day))

    var header = [groupNoun.capitalized, "Patients", "Events", "Median (days)", "Median 95% CI"]
    for p in first.points { header += ["Day \(p.day)", "95% CI", "At risk"] }
    let rows = report.groups.compactMap { g -> [String]? in
      guard case .survival(let s) = g.endpoints[index] else { return nil }
      let x = format(g)
      var row = [
        g.group, x.count(s.patients, "endpoints.\(s.code).patients"),
        x.count(s.eventsObserved, "endpoints.\(s.code).events_observed"),
      ]
      row += CohortReportText.median(s)
      for p in s.points {
        let path = EndpointResult.survivalPath(s.code, p.day)
        if p.estimable {
          row.append(x.figure(p.survival, path: path, digits: 1, percent: true))
          row.append(x.interval(p.ciLow, p.ciHigh, path: path, percent: true))
        } else {
          row += [ReportFormat.notEstimable, ReportFormat.notEstimable]
        }
        row.append(x.count(p.atRisk, "endpoints.\(s.code).points.\(p.day).at_risk"))
      }
      return row
    }
    var note =
      "Shaded: pointwise 95% confidence band. Ticks: censored patients. Dashed lines: the protocol's horizons."
    if minCell > 1 { note += " Curves stop where fewer than \(minCell) patients remain at risk." }
    var comparison = ""
    if let c = report.comparisons.first(where: { $0.endpoint == first.code }) {
      comparison = comparisonTable(c)
    }
    return Markup.element(
      "section", ["id": "endpoint-\(Markup.identifier(first.code))", "class": "endpoint survival"],
      heading(first.code, "Kaplan–Meier survival free of \(events.joined(separator: " or "))")
        + legend(items)
        + Markup.element(
          "figure", [:], chart.svg(title: title) + Markup.text("figcaption", [:], note))
        + HTMLTable(
          caption: "Survival at the horizons", header: header, rows: rows, swatches: swatches
        ).html
        + Markup.text(
          "p", ["class": "note"],
          "NE: not estimable — the horizon lies beyond the last follow-up of every patient still at risk. Median CI: where the confidence band crosses 50% (NR: not reached)."
        )
        + comparison)
  }

  /// The MSC-versus-control table of a survival endpoint: log-rank test and Cox hazard ratio.
  func comparisonTable(_ c: SurvivalComparison) -> String {
    let label: String =
      c.mscArms.joined(separator: ", ") + " vs " + c.controlArms.joined(separator: ", ")
    var row: [String] = [label]
    if let l = c.logRank {
      row += [String(format: "%.3f", l.chiSquare), String(l.df), ReportFormat.pValue(l.p)]
    } else {
      row += ["–", "–", "–"]
    }
    if let h = c.hazardRatio {
      row.append(String(format: "%.2f", h.estimate))
      row.append(String(format: "%.2f–%.2f", h.ciLow, h.ciHigh))
      row.append(ReportFormat.pValue(h.p))
    } else {
      row += ["NE", "NE", "–"]
    }
    return HTMLTable(
      caption:
        "MSC versus control: log-rank test and Cox proportional-hazards hazard ratio (Efron ties, Wald 95% CI)",
      header: [
        "Comparison", "Log-rank χ²", "df", "Log-rank p", "Hazard ratio", "95% CI", "Wald p",
      ],
      rows: [row], swatches: [nil]
    ).html
  }

  func proportionTitle(_ p: EndpointResult.Proportion) -> String {
    let what =
      p.kind == "sri4"
      ? "SRI-4 response" : p.kind == "renal_response" ? "Renal response (KDIGO 2024)" : p.kind
    return "\(what) at \(p.visit)"
  }

  func proportion(_ first: EndpointResult.Proportion, _ index: Int) -> String {
    var chartRows: [IntervalChart.Row] = []
    var rows: [[String]] = []
    let renal = first.kind == "renal_response"
    for (i, g) in report.groups.enumerated() {
      guard case .proportion(let p) = g.endpoints[index] else { continue }
      let x = format(g)
      let path = EndpointResult.ratePath(p.code)
      let rate = x.figure(p.rate, path: path, digits: 1, percent: true)
      let ci = x.interval(p.ciLow, p.ciHigh, path: path, percent: true)
      let value =
        p.rate == nil ? (rate == "–" ? "no patients" : "\(rate) (suppressed)") : "\(rate)  (\(ci))"
      let drawn = p.responders != nil && p.patients != nil ? p.rate : nil
      chartRows.append(
        .init(label: g.group, index: i, estimate: drawn, low: p.ciLow, high: p.ciHigh, value: value)
      )
      let counts = "endpoints.\(p.code)"
      var row = [
        g.group, x.count(p.responders, "\(counts).responders"),
        x.count(p.patients, "\(counts).patients"),
      ]
      if renal { row.append(x.count(p.population, "\(counts).population")) }
      row += [rate, ci]
      if renal {
        row += [x.count(p.complete, "\(counts).complete"), x.count(p.partial, "\(counts).partial")]
      }
      row.append(x.count(p.missing, "\(counts).missing"))
      rows.append(row)
    }
    var header = [groupNoun.capitalized, "Responders", "Patients"]
    if renal { header.append("Population") }
    header += ["Rate", "95% CI (Wilson)"]
    if renal { header += ["Complete", "Partial"] }
    header.append("Missing")
    let title = "\(first.code): \(proportionTitle(first))"
    return Markup.element(
      "section",
      ["id": "endpoint-\(Markup.identifier(first.code))", "class": "endpoint proportion"],
      heading(first.code, proportionTitle(first))
        + Markup.text(
          "p", ["class": "note"],
          renal
            ? "KDIGO 2024: population = patients with baseline UPCR ≥ \(String(format: "%g", first.populationUPCRMin ?? 0.5)) g/g; rate = responders / population. Complete: UPCR < 0.5 g/g and creatinine ≤ 1.15 × baseline; partial: UPCR reduced ≥ 50% and < 3 g/g with the same creatinine condition. A visit without UPCR or creatinine counts as missing (no response)."
            : "Responders among all patients of the group due at the visit; a missing or not evaluable visit counts as no response, and a death before the visit's window closes as non-response."
        )
        + Markup.element(
          "figure", [:],
          IntervalChart(rows: chartRows, axis: .proportion).svg(title: title)
            + Markup.text("figcaption", [:], "Dot: response rate. Whiskers: Wilson 95% interval."))
        + HTMLTable(caption: nil, header: header, rows: rows, swatches: swatches).html)
  }

  func change(_ first: EndpointResult.Change, _ index: Int) -> String {
    var chartRows: [IntervalChart.Row] = []
    var rows: [[String]] = []
    for (i, g) in report.groups.enumerated() {
      guard case .change(let c) = g.endpoints[index] else { continue }
      let x = format(g)
      let path = EndpointResult.meanPath(c.code)
      let mean = x.figure(c.mean, path: path, digits: 2)
      let ci = x.interval(c.ciLow, c.ciHigh, path: path, percent: false)
      let value =
        c.mean == nil
        ? (mean == "–" ? "no patients" : "\(mean) (suppressed)")
        : (c.ciLow == nil ? mean : "\(mean)  (\(ci))")
      let drawn = (c.n ?? 0) > 0 ? c.mean : nil
      chartRows.append(
        .init(label: g.group, index: i, estimate: drawn, low: c.ciLow, high: c.ciHigh, value: value)
      )
      rows.append([
        g.group, x.count(c.n, "endpoints.\(c.code).n"), mean, x.figure(c.sd, path: path, digits: 2),
        ci,
      ])
    }
    let measure = first.measure.replacingOccurrences(of: "_", with: " ")
    let text = "Change in \(measure) from baseline to \(first.visit)"
    let hasAny = chartRows.contains { $0.estimate != nil }
    var body = heading(first.code, text)
    if hasAny {
      body += Markup.element(
        "figure", [:],
        IntervalChart(rows: chartRows, axis: .value(title: "Mean change in \(measure)")).svg(
          title: "\(first.code): \(text)")
          + Markup.text(
            "figcaption", [:],
            "Dot: mean change (visit − baseline). Whiskers: t-based 95% interval."))
    }
    body +=
      HTMLTable(
        caption: nil, header: [groupNoun.capitalized, "n", "Mean", "SD", "95% CI (t)"], rows: rows,
        swatches: swatches
      ).html
    return Markup.element(
      "section", ["id": "endpoint-\(Markup.identifier(first.code))", "class": "endpoint change"],
      body)
  }

  // MARK: Safety

  var adverseEvents: String {
    var chartRows: [AdverseEventChart.Row] = []
    var rows: [[String]] = []
    for g in report.groups {
      let x = format(g)
      let ae = g.adverseEvents
      let grades = (1...5).map { ae.worstGrade[String($0)] ?? nil }
      chartRows.append(
        .init(
          label: g.group, enrolled: g.enrolled, grades: grades,
          value:
            "any \(x.count(ae.patientsAny, "adverse_events.patients_any")) of \(x.count(g.enrolled, "enrolled"))"
        ))
      rows.append(
        [
          g.group, x.count(ae.patientsAny, "adverse_events.patients_any"),
          x.count(ae.patientsSerious, "adverse_events.patients_serious"),
        ]
          + grades.enumerated().map {
            x.count($0.element, "adverse_events.worst_grade.\($0.offset + 1)")
          })
    }
    let gradeLegend =
      (1...5).map { grade in
        Markup.element(
          "li", [:],
          Markup.element(
            "span", ["class": "swatch", "style": "background:\(ReportPalette.grades[grade - 1])"],
            "")
            + Markup.escape("Grade \(grade)" + (grade == 5 ? " (death)" : "")))
      } + [
        Markup.element(
          "li", [:],
          Markup.element("span", ["class": "swatch", "style": "background:#eef1f5"], "")
            + "Enrolled")
      ]
    var caption =
      "Patients by the worst CTCAE grade of their adverse events, over the patients enrolled."
    if minCell > 1 { caption += " Suppressed counts (<\(minCell)) are not drawn." }
    return Markup.element(
      "section", ["id": "safety"],
      Markup.text("h2", [:], "Adverse events")
        + Markup.element("ul", ["class": "legend"], gradeLegend.joined())
        + Markup.element(
          "figure", [:],
          AdverseEventChart(rows: chartRows).svg(title: "Patients by worst adverse-event grade")
            + Markup.text("figcaption", [:], caption))
        + HTMLTable(
          caption: nil,
          header: [
            groupNoun.capitalized, "Any AE", "Serious", "Grade 1", "Grade 2", "Grade 3", "Grade 4",
            "Grade 5",
          ],
          rows: rows, swatches: swatches
        ).html
        + HTMLTable(
          caption:
            "By relatedness to MSC — related: possible, probable or definite; unrelated: unrelated or unlikely",
          header: [
            groupNoun.capitalized, "Related: patients", "with serious", "events", "serious events",
            "Unrelated: patients", "with serious", "events", "serious events",
          ],
          rows: report.groups.map { g in
            let x = format(g)
            let ae = g.adverseEvents
            return [g.group] + CohortReportText.relatednessCells(ae, x)
          }, swatches: swatches
        ).html)
  }

  var footer: String {
    let count = report.suppressed.count + report.groups.reduce(0) { $0 + $1.suppressed.count }
    var text =
      "Generated by mscreg from the registry as of \(report.asOf). Day 0 is the enrollment date; survival is censored at the last contact."
    if minCell > 1 {
      text +=
        " \(count) figure\(count == 1 ? "" : "s") withheld under the minimum cell size of \(minCell)."
    }
    return Markup.element("footer", [:], Markup.text("p", [:], text))
  }
}
