import ArgumentParser
import Foundation
import RegistryDomain
import RegistryReports
import RegistryService

/// `mscreg report cohort --protocol P …`.
struct ReportCohort: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "cohort",
    abstract: "Flow, status counts, every protocol endpoint and adverse events, per group.",
    discussion: """
      Computed in SQL over live (non-voided) records dated on or before --as-of. Day 0 is the \
      enrollment date; survival is Kaplan–Meier with Greenwood intervals (loglog, as lifelines, or \
      plain); proportions use non-responder imputation and Wilson intervals; changes from baseline \
      use t intervals. --min-cell N replaces counts 1…N−1, and every figure built on them, with \
      the mark <N, and withholds further counts (marked ≥N) so that none of them can be \
      recovered by subtraction from a printed total (null in JSON, listed in "suppressed").

      Examples:
        mscreg report cohort --protocol ACLF-BMMSC
        mscreg report cohort --protocol ACLF-BMMSC --by source --as-of 2026-06-30 \\
          --ci plain
        mscreg report cohort --protocol SLE-UCMSC --min-cell 5 --format csv \\
          --output cohort.csv
        mscreg report cohort --protocol SLE-UCMSC --format html \\
          --output report.html
      """
  )

  @OptionGroup var global: GlobalOptions
  @Option(help: "Protocol code.") var `protocol`: String
  @Option(
    help:
      "Group by arm, site, source (lot source of the first infusion) or dose (band of the first infusion's dose per kg)."
  )
  var by: String = "arm"
  @Option(help: "Only patients of this site.") var site: String?
  @Option(help: "Cut-off date, YYYY-MM-DD (default: today).") var asOf: String?
  @Option(help: "Survival intervals: loglog (default, as lifelines) or plain.") var ci: String =
    "loglog"
  @Option(help: "Suppress counts from 1 to N−1, with complementary suppression (0: none).")
  var minCell: Int = 0
  @Option(help: "Output format.") var format: ReportOutputFormat = .text
  @Option(help: "Write to this file instead of standard output.") var output: String?
  @Flag(help: "Leave out the patients of synthetic cohorts (written by demo seed).")
  var excludeSynthetic = false

  func run() throws {
    var query = ReportService.CohortQuery(protocolCode: `protocol`)
    query.groupBy = try CohortGrouping.parse(by, field: "--by")
    query.ciMethod = try SurvivalCIMethod.parse(ci, field: "--ci")
    query.site = site
    query.minCell = minCell
    query.excludeSynthetic = excludeSynthetic
    if let asOf { query.asOf = try TextField.date(asOf, field: "--as-of") }
    let report = try ReportService(global.registry).cohort(query)
    let text: String
    switch format {
    case .text: text = CohortReportText.render(report)
    case .csv: text = CohortReportCSV.render(report)
    case .json: text = try CohortReportJSON.render(report) + "\n"
    case .html: text = CohortReportHTML.render(report)
    }
    if let output {
      do {
        try Data(text.utf8).write(to: CommandContext.current.url(forPath: output))
      } catch {
        throw RegistryError.notFound(
          "--output", "cannot write \(output): \(error.localizedDescription)")
      }
      print("wrote \(output)")
    } else {
      print(text, terminator: "")
    }
  }
}
