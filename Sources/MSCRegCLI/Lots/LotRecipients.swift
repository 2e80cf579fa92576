import ArgumentParser
import RegistryDomain
import RegistryService

/// `mscreg lot recipients LOT [--format text|csv|json]`.
struct LotRecipients: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "recipients",
    abstract: "Every patient who received a lot: the list for a recall.",
    discussion: """
      One row per live infusion from the lot: study ID, protocol, site, current status, infusion \
      id and date, total cells, dose per kg and route. No identity: sites resolve study IDs to \
      their patients.

      Examples:
        mscreg lot recipients UC-2611-01
        mscreg lot recipients UC-2611-01 --format csv > recall-UC-2611-01.csv
      """
  )

  @OptionGroup var global: GlobalOptions
  @Argument(help: "Lot number.") var lot: String
  @Option(help: "Output format.") var format: TableFormat = .text

  func run() throws {
    let recipients = try LotService(global.registry).recipients(lotNumber: lot)
    if format == .json { return try Output.json(recipients) }
    let header = [
      "study_id", "protocol", "site", "status", "infusion_id", "infused_on", "total_cells",
      "dose_per_kg", "route",
    ]
    let rows = recipients.map {
      [
        $0.studyID, $0.protocolCode, $0.site, $0.status.rawValue, String($0.infusionID),
        $0.infusedOn.description, "\($0.totalCells)",
        format == .csv ? DosePerKg.plain($0.dosePerKg) : DosePerKg.text($0.dosePerKg),
        $0.route.rawValue,
      ]
    }
    if format == .csv { return Output.csv(header, rows) }
    Output.table(header, rows)
  }
}

extension LotRecipients: PositionalFields {
  static var positionalFields: [String: String] { ["lot": "LOT"] }
}
