import Foundation
import RegistryDomain

/// Renders the cohort report as CSV: one row per group, one column per figure.
///
/// Columns: group counts; then for each endpoint its figures (`<code>_d<day>_survival` …,
/// `<code>_median_days` and its CI; `<code>_rate` …, with `_population`, `_complete` and
/// `_partial` for renal response and `_missing` for both responder endpoints; `<code>_mean` …);
/// for a survival endpoint of a two-arm protocol the MSC-versus-control comparison
/// (`<code>_logrank_chi2`, `_logrank_df`, `_logrank_p`, `_hr`, `_hr_ci_low`, `_hr_ci_high`,
/// `_hr_p`), which belongs to the whole report and is repeated on every row; then adverse
/// events, with `ae_related_*` and `ae_unrelated_*` (patients, patients with a serious AE,
/// events, serious events); then `synthetic_included`. Suppressed figures are `<N` (`≥N`:
/// withheld as a complement); a survival estimate that is not estimable is `NE` in its three
/// columns; a figure that cannot be computed is empty.
public enum CohortReportCSV {
  static let relatednessColumns = ["patients", "patients_serious", "events", "events_serious"]
  static let comparisonColumns = [
    "logrank_chi2", "logrank_df", "logrank_p", "hr", "hr_ci_low", "hr_ci_high", "hr_p",
  ]

  /// The CSV text with a header line, written by `CSVTable.render` (RFC 4180, CRLF).
  public static func render(_ r: CohortReport) -> String {
    let m = r.minCell
    var header = ["group", "enrolled", "treated", "withdrawn", "died", "transplanted"]
    for e in r.groups.first?.endpoints ?? [] {
      switch e {
      case .survival(let s):
        for p in s.points {
          header += ["survival", "ci_low", "ci_high", "at_risk"].map { "\(s.code)_d\(p.day)_\($0)" }
        }
        header += ["median_days", "median_ci_low", "median_ci_high"].map { "\(s.code)_\($0)" }
        if r.comparisons.contains(where: { $0.endpoint == s.code }) {
          header += comparisonColumns.map { "\(s.code)_\($0)" }
        }
      case .proportion(let p):
        var columns = ["responders", "patients"]
        if p.kind == "renal_response" { columns += ["population"] }
        columns += ["rate", "ci_low", "ci_high"]
        if p.kind == "renal_response" { columns += ["complete", "partial"] }
        columns += ["missing"]
        header += columns.map { "\(p.code)_\($0)" }
      case .change(let c):
        header += ["n", "mean", "sd", "ci_low", "ci_high"].map { "\(c.code)_\($0)" }
      }
    }
    header += ["ae_patients_any", "ae_patients_serious"] + (1...5).map { "ae_worst_grade_\($0)" }
    header += relatednessColumns.map { "ae_related_\($0)" }
    header += relatednessColumns.map { "ae_unrelated_\($0)" }
    header.append("synthetic_included")
    var rows: [[String]] = []
    for g in r.groups {
      let x = ReportFormat.group(g, minCell: m, absent: "")
      var row = [g.group] + CohortReportText.statusCounts(g).map { x.count($0.value, $0.path) }
      for e in g.endpoints {
        switch e {
        case .survival(let s):
          for p in s.points {
            let path = EndpointResult.survivalPath(s.code, p.day)
            if p.estimable {
              row += [p.survival, p.ciLow, p.ciHigh].map { x.figure($0, path: path, digits: 4) }
            } else {
              row += Array(repeating: ReportFormat.notEstimable, count: 3)
            }
            row.append(x.count(p.atRisk, "endpoints.\(s.code).points.\(p.day).at_risk"))
          }
          row += [s.medianDays, s.medianCILow, s.medianCIHigh].map {
            $0.map { String(format: "%g", $0) } ?? ""
          }
          if let c = r.comparisons.first(where: { $0.endpoint == s.code }) {
            row += comparison(c)
          }
        case .proportion(let p):
          let path = EndpointResult.ratePath(p.code)
          let renal = p.kind == "renal_response"
          let counts = "endpoints.\(p.code)"
          row += [
            x.count(p.responders, "\(counts).responders"),
            x.count(p.patients, "\(counts).patients"),
          ]
          if renal { row.append(x.count(p.population, "\(counts).population")) }
          row += [p.rate, p.ciLow, p.ciHigh].map { x.figure($0, path: path, digits: 4) }
          if renal {
            row += [
              x.count(p.complete, "\(counts).complete"), x.count(p.partial, "\(counts).partial"),
            ]
          }
          row.append(x.count(p.missing, "\(counts).missing"))
        case .change(let c):
          let path = EndpointResult.meanPath(c.code)
          row.append(x.count(c.n, "endpoints.\(c.code).n"))
          row += [c.mean, c.sd, c.ciLow, c.ciHigh].map { x.figure($0, path: path, digits: 4) }
        }
      }
      let ae = g.adverseEvents
      row += [
        x.count(ae.patientsAny, "adverse_events.patients_any"),
        x.count(ae.patientsSerious, "adverse_events.patients_serious"),
      ]
      row += (1...5).map {
        x.count(ae.worstGrade[String($0)] ?? nil, "adverse_events.worst_grade.\($0)")
      }
      row += CohortReportText.relatednessCells(ae, x)
      row.append(r.syntheticIncluded ? "true" : "false")
      rows.append(row)
    }
    return CSVTable.render(header: header, rows: rows)
  }

  /// The comparison's seven fields; empty where a figure cannot be computed.
  static func comparison(_ c: SurvivalComparison) -> [String] {
    func number(_ v: Double?) -> String { v.map { String(format: "%.6g", $0) } ?? "" }
    return [
      number(c.logRank?.chiSquare), c.logRank.map { String($0.df) } ?? "", number(c.logRank?.p),
      number(c.hazardRatio?.estimate), number(c.hazardRatio?.ciLow),
      number(c.hazardRatio?.ciHigh), number(c.hazardRatio?.p),
    ]
  }
}
