import Foundation
import RegistryDomain

/// Renders the cohort report as CSV: one row per group, one column per figure.
///
/// Columns: group counts, then for each endpoint its figures (`<code>_d<day>_survival`,
/// `<code>_rate`, `<code>_mean` …), then adverse events. Suppressed figures are `<N` (`≥N`: withheld as a complement).
public enum CohortReportCSV {
  /// The CSV text with a header line (RFC 4180 quoting; cells escaped by `CSVTable.field`).
  public static func render(_ r: CohortReport) -> String {
    let m = r.minCell
    var header = ["group", "enrolled", "treated", "withdrawn", "died", "transplanted"]
    for e in r.groups.first?.endpoints ?? [] {
      switch e {
      case .survival(let s):
        for p in s.points {
          header += ["survival", "ci_low", "ci_high", "at_risk"].map { "\(s.code)_d\(p.day)_\($0)" }
        }
      case .proportion(let p):
        header += ["responders", "patients", "rate", "ci_low", "ci_high"].map { "\(p.code)_\($0)" }
      case .change(let c):
        header += ["n", "mean", "sd", "ci_low", "ci_high"].map { "\(c.code)_\($0)" }
      }
    }
    header += ["ae_patients_any", "ae_patients_serious"] + (1...5).map { "ae_worst_grade_\($0)" }
    header.append("synthetic_included")
    var lines = [CSVTable.line(header)]
    for g in r.groups {
      let x = ReportFormat.group(g, minCell: m, absent: "")
      var row = [g.group] + CohortReportText.statusCounts(g).map { x.count($0.value, $0.path) }
      for e in g.endpoints {
        switch e {
        case .survival(let s):
          for p in s.points {
            let path = EndpointResult.survivalPath(s.code, p.day)
            row += [p.survival, p.ciLow, p.ciHigh].map { x.figure($0, path: path, digits: 4) }
            row.append(x.count(p.atRisk, "endpoints.\(s.code).points.\(p.day).at_risk"))
          }
        case .proportion(let p):
          let path = EndpointResult.ratePath(p.code)
          row += [
            x.count(p.responders, "endpoints.\(p.code).responders"),
            x.count(p.patients, "endpoints.\(p.code).patients"),
          ]
          row += [p.rate, p.ciLow, p.ciHigh].map { x.figure($0, path: path, digits: 4) }
        case .change(let c):
          let path = EndpointResult.meanPath(c.code)
          row.append(x.count(c.n, "endpoints.\(c.code).n"))
          row += [c.mean, c.sd, c.ciLow, c.ciHigh].map { x.figure($0, path: path, digits: 4) }
        }
      }
      row += [
        x.count(g.adverseEvents.patientsAny, "adverse_events.patients_any"),
        x.count(g.adverseEvents.patientsSerious, "adverse_events.patients_serious"),
      ]
      row += (1...5).map {
        x.count(g.adverseEvents.worstGrade[String($0)] ?? nil, "adverse_events.worst_grade.\($0)")
      }
      row.append(r.syntheticIncluded ? "true" : "false")
      lines.append(CSVTable.line(row))
    }
    return lines.joined(separator: "\n") + "\n"
  }
}
