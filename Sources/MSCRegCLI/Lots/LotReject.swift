import ArgumentParser
import RegistryDomain
import RegistryService

/// `mscreg lot reject LOT --reason R`.
struct LotReject: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "reject",
    abstract: "Reject a lot in quarantine, or recall a released one.",
    discussion: """
      A rejected lot can no longer be infused; infusions already given stay on record (see `lot \
      recipients` for a recall). The reason is kept in the lot and the audit trail.

      Examples:
        mscreg lot reject BM-2611-07 --reason "mycoplasma positive on retest"
      """
  )

  @OptionGroup var global: GlobalOptions
  @Argument(help: "Lot number.") var lot: String
  @Option(help: "Why (mandatory; recorded in the audit trail).") var reason: String

  func run() throws {
    let rejected = try LotService(global.registry).reject(lotNumber: lot, reason: reason)
    print("rejected lot \(rejected.lotNumber)")
  }
}

extension LotReject: PositionalFields {
  static var positionalFields: [String: String] { ["lot": "LOT"] }
}
