import ArgumentParser
import RegistryDomain
import RegistryService

/// `mscreg lot list [--status S]`.
struct LotList: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "list",
    abstract: "List MSC lots.",
    discussion: """
      Examples:
        mscreg lot list
        mscreg lot list --status quarantine
        mscreg lot list --format csv > lots.csv
      """
  )

  @OptionGroup var global: GlobalOptions
  @Option(help: "Status: quarantine, released or rejected.") var status: String?
  @Option(help: "Output format.") var format: TableFormat = .text

  func run() throws {
    let parsed = try status.map { try LotStatus.parse($0, field: "--status") }
    let lots = try LotService(global.registry).list(status: parsed)
    if format == .json { return try Output.json(lots) }
    let header = [
      "lot_number", "source", "donor", "product", "passage", "viability_pct", "manufactured_on",
      "expires_on", "status",
    ]
    let rows = lots.map {
      [
        $0.lotNumber, $0.source.rawValue, $0.donor.rawValue, $0.product.rawValue,
        String($0.passage), LotText.number($0.viabilityPct), $0.manufacturedOn.description,
        $0.expiresOn.description, $0.status.rawValue,
      ]
    }
    if format == .csv { return Output.csv(header, rows) }
    Output.table(header, rows)
  }
}
