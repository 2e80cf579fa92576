import Foundation
import RegistryDomain

/// Renders the cohort report as plain text for a terminal or an e-mail.
public enum CohortReportText {
  /// The line saying whether synthetic patients (`demo seed`) are in the figures; nil when
  /// the cohort has none and none were left out.
  public static func syntheticNote(_ r: CohortReport) -> String? {
    if r.syntheticExcluded { return "Synthetic patients (demo seed): excluded" }
    if r.syntheticIncluded {
      return
        "Synthetic patients (demo seed): INCLUDED in these figures; --exclude-synthetic leaves them out"
    }
    return nil
  }

  /// The text.
  public static func render(_ r: CohortReport) -> String {
    let m = r.minCell
    let flowFormat = ReportFormat.flow(r, absent: "–")
    func fmt(_ g: CohortReport.Group) -> ReportFormat {
      ReportFormat.group(g, minCell: m, absent: "–")
    }
    var out: [String] = []
    out.append("Cohort report: \(r.protocol.code) v\(r.protocol.version) — \(r.protocol.title)")
    var scope = "as of \(r.asOf), by \(r.groupBy.rawValue), \(r.ciMethod.rawValue) intervals"
    if let site = r.site { scope += ", site \(site)" }
    if m > 0 { scope += ", counts below \(m) suppressed" }
    out.append(scope)
    if !r.complementary.isEmpty || r.groups.contains(where: { !$0.complementary.isEmpty }) {
      out.append(
        "≥\(m): a count withheld so that no suppressed count can be recovered from a total")
    }
    if let note = syntheticNote(r) { out.append(note) }
    out.append("")
    let f = r.flow
    let c = flowFormat.count
    out.append(
      "Flow: screened \(c(f.screened, "flow.screened")), screen failures \(c(f.screenFailed, "flow.screen_failed")), enrolled \(c(f.enrolled, "flow.enrolled")), treated \(c(f.treated, "flow.treated")), withdrawn \(c(f.withdrawn, "flow.withdrawn")), analysed \(c(f.analysed, "flow.analysed"))"
    )
    if !f.screenFailures.isEmpty {
      out.append(
        "  screen failures by criterion: "
          + f.screenFailures.keys.sorted().map {
            "\($0) \(c(f.screenFailures[$0] ?? nil, "flow.screen_failures.\($0)"))"
          }
          .joined(separator: ", "))
    }
    out.append(
      "  allocated: "
        + f.allocated.keys.sorted().map {
          "\($0) \(c(f.allocated[$0] ?? nil, "flow.allocated.\($0)"))"
        }
        .joined(separator: ", "))
    out.append("")

    let header = ["group", "enrolled", "treated", "withdrawn", "died", "transplanted"]
    let rows = r.groups.map { g in
      [g.group] + Self.statusCounts(g).map { fmt(g).count($0.value, $0.path) }
    }
    out.append(contentsOf: table(header, rows))

    for (index, endpoint) in (r.groups.first?.endpoints ?? []).enumerated() {
      out.append("")
      switch endpoint {
      case .survival(let s):
        out.append(
          "\(s.code): Kaplan–Meier survival (events: \(s.events.joined(separator: ", ")))")
        var h = ["group"]
        for p in s.points { h += ["day \(p.day)", "95% CI", "at risk"] }
        h += ["median (days)", "95% CI"]
        let rows = r.groups.compactMap { g -> [String]? in
          guard case .survival(let gs) = g.endpoints[index] else { return nil }
          let x = fmt(g)
          var row = [g.group]
          for p in gs.points {
            let path = EndpointResult.survivalPath(gs.code, p.day)
            if p.estimable {
              row.append(x.figure(p.survival, path: path, digits: 1, percent: true))
              row.append(x.interval(p.ciLow, p.ciHigh, path: path, percent: true))
            } else {
              row += [ReportFormat.notEstimable, ReportFormat.notEstimable]
            }
            row.append(x.count(p.atRisk, "endpoints.\(gs.code).points.\(p.day).at_risk"))
          }
          row += median(gs)
          return row
        }
        out.append(contentsOf: table(h, rows))
        let anyNE = r.groups.contains { g in
          if case .survival(let gs) = g.endpoints[index] {
            return gs.points.contains { !$0.estimable }
          }
          return false
        }
        if anyNE {
          out.append(
            "  NE: not estimable (the horizon lies beyond the last follow-up of everyone at risk).")
        }
        if let c = r.comparisons.first(where: { $0.endpoint == s.code }) {
          out.append(contentsOf: comparison(c))
        }
      case .proportion(let p):
        out.append("\(p.code): \(p.kind) at \(p.visit) (non-responder imputation)")
        let renal = p.kind == "renal_response"
        let rows = r.groups.compactMap { g -> [String]? in
          guard case .proportion(let gp) = g.endpoints[index] else { return nil }
          let x = fmt(g)
          let path = EndpointResult.ratePath(gp.code)
          var row = [
            g.group, x.count(gp.responders, "endpoints.\(gp.code).responders"),
            x.count(gp.patients, "endpoints.\(gp.code).patients"),
          ]
          if renal { row.append(x.count(gp.population, "endpoints.\(gp.code).population")) }
          row += [
            x.figure(gp.rate, path: path, digits: 1, percent: true),
            x.interval(gp.ciLow, gp.ciHigh, path: path, percent: true),
          ]
          let counts = "endpoints.\(gp.code)"
          if renal {
            row += [
              x.count(gp.complete, "\(counts).complete"), x.count(gp.partial, "\(counts).partial"),
            ]
          }
          row.append(x.count(gp.missing, "\(counts).missing"))
          return row
        }
        var h = ["group", "responders", "patients"]
        if renal { h.append("population") }
        h += ["rate", "95% CI (Wilson)"]
        if renal { h += ["complete", "partial"] }
        h.append("missing")
        out.append(contentsOf: table(h, rows))
        if renal {
          out.append(
            "  population: baseline UPCR ≥ \(String(format: "%g", p.populationUPCRMin ?? 0.5)) g/g (KDIGO 2024); rate = responders / population; missing: no visit or no UPCR/creatinine."
          )
        }
      case .change(let ch):
        out.append("\(ch.code): change in \(ch.measure) from baseline to \(ch.visit)")
        let rows = r.groups.compactMap { g -> [String]? in
          guard case .change(let gc) = g.endpoints[index] else { return nil }
          let x = fmt(g)
          let path = EndpointResult.meanPath(gc.code)
          return [
            g.group, x.count(gc.n, "endpoints.\(gc.code).n"),
            x.figure(gc.mean, path: path, digits: 2),
            x.figure(gc.sd, path: path, digits: 2),
            x.interval(gc.ciLow, gc.ciHigh, path: path, percent: false),
          ]
        }
        out.append(contentsOf: table(["group", "n", "mean", "SD", "95% CI (t)"], rows))
      }
    }
    out.append("")
    out.append("Adverse events (patients)")
    let aeRows = r.groups.map { g in
      let x = fmt(g)
      return [
        g.group, x.count(g.adverseEvents.patientsAny, "adverse_events.patients_any"),
        x.count(g.adverseEvents.patientsSerious, "adverse_events.patients_serious"),
      ]
        + (1...5).map {
          x.count(g.adverseEvents.worstGrade[String($0)] ?? nil, "adverse_events.worst_grade.\($0)")
        }
    }
    out.append(
      contentsOf: table(
        ["group", "any", "serious", "worst 1", "worst 2", "worst 3", "worst 4", "worst 5"], aeRows))
    out.append("")
    out.append(
      "Adverse events by relatedness to MSC (related: possible/probable/definite; unrelated: unrelated/unlikely)"
    )
    let relRows = r.groups.map { g in
      let x = fmt(g)
      let ae = g.adverseEvents
      return [g.group] + relatednessCells(ae, x)
    }
    out.append(
      contentsOf: table(
        [
          "group", "related pts", "serious pts", "events", "serious", "unrelated pts",
          "serious pts", "events", "serious",
        ], relRows))
    return out.joined(separator: "\n") + "\n"
  }

  /// The related and unrelated adverse-event counts of a group (patients, patients with a
  /// serious AE, events, serious events), each rendered under its suppression path.
  static func relatednessCells(_ ae: CohortReport.AdverseEventSummary, _ x: ReportFormat)
    -> [String]
  {
    [("related", ae.related), ("unrelated", ae.unrelated)].flatMap { name, r in
      let path = "adverse_events.\(name)"
      return [
        x.count(r.patients, "\(path).patients"),
        x.count(r.patientsSerious, "\(path).patients_serious"),
        x.count(r.events, "\(path).events"),
        x.count(r.eventsSerious, "\(path).events_serious"),
      ]
    }
  }

  /// A group's status counts with their paths, in the order of the status table.
  static func statusCounts(_ g: CohortReport.Group) -> [(value: Int?, path: String)] {
    [
      (g.enrolled, "enrolled"), (g.treated, "treated"), (g.withdrawn, "withdrawn"),
      (g.died, "died"), (g.transplanted, "transplanted"),
    ]
  }

  /// The median and its 95% CI as two cells: `–` when not shown, `not reached`, `NR` for an
  /// open upper end.
  static func median(_ s: EndpointResult.Survival) -> [String] {
    guard let m = s.medianDays else {
      return [s.curve.isEmpty ? "–" : "not reached", "–"]
    }
    let low = s.medianCILow.map { String(format: "%g", $0) } ?? "NR"
    let high = s.medianCIHigh.map { String(format: "%g", $0) } ?? "NR"
    return [String(format: "%g", m), "\(low)–\(high)"]
  }

  /// The MSC-versus-control lines of a survival endpoint.
  static func comparison(_ c: SurvivalComparison) -> [String] {
    let arms =
      "MSC (\(c.mscArms.joined(separator: ", "))) vs control (\(c.controlArms.joined(separator: ", ")))"
    let logRank =
      c.logRank.map {
        String(format: "χ² %.3f, %ld df, ", $0.chiSquare, $0.df) + ReportFormat.pValue($0.p)
      } ?? "not computable"
    let hr =
      c.hazardRatio.map {
        String(format: "%.2f (95%% CI %.2f–%.2f), ", $0.estimate, $0.ciLow, $0.ciHigh)
          + ReportFormat.pValue($0.p)
      } ?? "not estimable"
    return [
      "  \(arms): log-rank \(logRank); Cox hazard ratio (Efron ties, Wald CI) \(hr)"
    ]
  }

  static func table(_ header: [String], _ rows: [[String]]) -> [String] {
    var widths = header.map(\.count)
    for row in rows { for (i, c) in row.enumerated() { widths[i] = max(widths[i], c.count) } }
    func line(_ cells: [String]) -> String {
      cells.enumerated().map { i, c in
        i == 0
          ? c.padding(toLength: widths[i], withPad: " ", startingAt: 0)
          : String(repeating: " ", count: widths[i] - c.count) + c
      }.joined(separator: "  ")
    }
    return [line(header)] + rows.map(line)
  }
}
