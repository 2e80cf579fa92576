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
        let rows = r.groups.compactMap { g -> [String]? in
          guard case .survival(let gs) = g.endpoints[index] else { return nil }
          let x = fmt(g)
          var row = [g.group]
          for p in gs.points {
            let path = EndpointResult.survivalPath(gs.code, p.day)
            row.append(x.figure(p.survival, path: path, digits: 1, percent: true))
            row.append(x.interval(p.ciLow, p.ciHigh, path: path, percent: true))
            row.append(x.count(p.atRisk, "endpoints.\(gs.code).points.\(p.day).at_risk"))
          }
          return row
        }
        out.append(contentsOf: table(h, rows))
      case .proportion(let p):
        out.append("\(p.code): \(p.kind) at \(p.visit) (non-responder imputation)")
        let rows = r.groups.compactMap { g -> [String]? in
          guard case .proportion(let gp) = g.endpoints[index] else { return nil }
          let x = fmt(g)
          let path = EndpointResult.ratePath(gp.code)
          return [
            g.group, x.count(gp.responders, "endpoints.\(gp.code).responders"),
            x.count(gp.patients, "endpoints.\(gp.code).patients"),
            x.figure(gp.rate, path: path, digits: 1, percent: true),
            x.interval(gp.ciLow, gp.ciHigh, path: path, percent: true),
          ]
        }
        out.append(
          contentsOf: table(["group", "responders", "patients", "rate", "95% CI (Wilson)"], rows))
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
    return out.joined(separator: "\n") + "\n"
  }

  /// A group's status counts with their paths, in the order of the status table.
  static func statusCounts(_ g: CohortReport.Group) -> [(value: Int?, path: String)] {
    [
      (g.enrolled, "enrolled"), (g.treated, "treated"), (g.withdrawn, "withdrawn"),
      (g.died, "died"), (g.transplanted, "transplanted"),
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
