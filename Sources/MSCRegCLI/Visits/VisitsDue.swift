import ArgumentParser
import RegistryDomain
import RegistryService

/// `mscreg visits due [--site S] [--protocol P] [--as-of D] [--format text|json|csv]`.
struct VisitsDue: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "due",
    abstract: "Visits to call patients for: overdue, due now, or opening within 14 days.",
    discussion: """
      For each active patient (enrolled, treated, completed), each protocol visit without a live \
      assessment: `overdue` when its window has closed, `due` when the date is inside it (ends \
      included), `upcoming` when it opens within the next 14 days. `days` is the number of days \
      overdue, left in the window (today included), or until it opens.

      Examples:
        mscreg visits due
        mscreg visits due --site PAN --as-of 2026-07-01
        mscreg visits due --protocol ACLF-BMMSC --format csv > calls.csv
      """
  )

  @OptionGroup var global: GlobalOptions
  @Option(help: "Site code.") var site: String?
  @Option(help: "Protocol code.") var `protocol`: String?
  @Option(help: "Date to look from, YYYY-MM-DD (default: today).") var asOf: String?
  @Option(help: "Output format.") var format: TableFormat = .text

  func run() throws {
    let visits = try AssessmentService(global.registry).visitsDue(
      protocolCode: `protocol`, site: site,
      asOf: try asOf.map { try TextField.date($0, field: "--as-of") } ?? .today())
    let header = [
      "study_id", "protocol", "site", "visit", "day", "target", "window_start", "window_end",
      "state", "days",
    ]
    let rows = visits.map { v in
      [
        v.studyID, v.protocolCode, v.site, v.visit, String(v.day), v.target.description,
        v.windowStart.description, v.windowEnd.description, v.state.rawValue, String(v.days),
      ]
    }
    switch format {
    case .json: try Output.json(visits)
    case .csv: Output.csv(header, rows)
    default: Output.table(header, rows)
    }
  }
}
