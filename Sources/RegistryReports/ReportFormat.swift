import Foundation
import RegistryDomain

/// Number formatting shared by the renderers.
///
/// A count is nil only when suppressed, so it prints as the mark `<N`, or `≥N` when it was
/// withheld by complementary suppression (a count of at least N, hidden so that no `<N` can be
/// recovered from a printed total); every count is printed with its path. A derived figure
/// (rate, survival, mean, interval) may also be nil because it cannot be computed (no
/// patients); it prints as the mark only when its path is in the group's `suppressed` list,
/// else as `absent` (`–` in text, empty in CSV).
struct ReportFormat {
  /// `minCell` of the report.
  let minCell: Int
  /// Suppressed paths of the group (or of the flow).
  let suppressed: Set<String>
  /// What an absent figure prints as.
  let absent: String
  /// Paths withheld by complementary suppression.
  var complementary: Set<String> = []

  /// The suppression mark.
  var mark: String { "<\(minCell)" }
  /// The mark of a count withheld by complementary suppression.
  var complementaryMark: String { "≥\(minCell)" }

  /// The formats of a report's flow and of one group.
  static func flow(_ r: CohortReport, absent: String) -> ReportFormat {
    ReportFormat(
      minCell: r.minCell, suppressed: Set(r.suppressed), absent: absent,
      complementary: Set(r.complementary))
  }

  /// The format of one group's figures.
  static func group(_ g: CohortReport.Group, minCell: Int, absent: String) -> ReportFormat {
    ReportFormat(
      minCell: minCell, suppressed: Set(g.suppressed), absent: absent,
      complementary: Set(g.complementary))
  }

  /// The count at `path` (the path the builder gave it: `enrolled`, `flow.screened`,
  /// `adverse_events.worst_grade.3` …).
  func count(_ value: Int?, _ path: String) -> String {
    value.map(String.init) ?? (complementary.contains(path) ? complementaryMark : mark)
  }

  /// A derived figure at `path`, with `digits` decimals (times 100 with a % when `percent`).
  func figure(_ value: Double?, path: String, digits: Int, percent: Bool = false) -> String {
    guard let value else { return suppressed.contains(path) ? mark : absent }
    return percent
      ? String(format: "%.\(digits)f%%", value * 100) : String(format: "%.\(digits)f", value)
  }

  /// An interval `low–high` for the figure at `path`.
  func interval(_ low: Double?, _ high: Double?, path: String, percent: Bool) -> String {
    guard let low, let high else { return suppressed.contains(path) ? mark : absent }
    return percent
      ? String(format: "%.1f–%.1f", low * 100, high * 100)
      : String(format: "%.2f to %.2f", low, high)
  }

  /// What a survival estimate that is not estimable prints as (text, HTML and CSV).
  static let notEstimable = "NE"

  /// A p-value as printed in text and HTML: `p = 0.073`, `p < 0.001`.
  static func pValue(_ p: Double) -> String {
    p < 0.001 ? "p < 0.001" : String(format: "p = %.3f", p)
  }

  /// Rounds a p-value for JSON to 4 significant digits (small p-values keep their size).
  static func significant4(_ value: Double) -> Double {
    guard value.isFinite, value != 0 else { return value }
    return Double(String(format: "%.4g", value)) ?? value
  }

  /// Rounds for JSON: 4 decimals, as SPEC §6 prints them.
  static func round4(_ value: Double?) -> Double? {
    value.map { ($0 * 10_000).rounded() / 10_000 }
  }
}
