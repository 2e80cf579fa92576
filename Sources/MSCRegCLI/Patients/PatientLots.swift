import ArgumentParser
import RegistryDomain
import RegistryService

/// `mscreg patient lots ID`: the look-back from a patient to every lot received.
struct PatientLots: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "lots",
    abstract: "Every lot a patient received, with each infusion (voided ones marked).",
    discussion: """
      Examples:
        mscreg patient lots SLE-PAN-0001
        mscreg patient lots ACLF-GZU-0002 --format csv
      """
  )

  @OptionGroup var global: GlobalOptions
  @Argument(help: "Study ID.") var id: String
  @Option(help: "Output format.") var format: TableFormat = .text

  func run() throws {
    let uses = try InfusionService(global.registry).lots(studyID: id)
    if format == .json { return try Output.json(uses) }
    let header = [
      "infusion_id", "infused_on", "lot_number", "source", "donor", "product", "lot_status",
      "dose_per_kg", "voided",
    ]
    let rows = uses.map {
      [
        String($0.infusion.id), $0.infusion.infusedOn.description, $0.lot.lotNumber,
        $0.lot.source.rawValue, $0.lot.donor.rawValue, $0.lot.product.rawValue,
        $0.lot.status.rawValue,
        format == .csv
          ? DosePerKg.plain($0.infusion.dosePerKg) : DosePerKg.text($0.infusion.dosePerKg),
        $0.infusion.isLive ? "" : "voided: \($0.infusion.voidReason ?? "")",
      ]
    }
    if format == .csv { return Output.csv(header, rows) }
    Output.table(header, rows)
  }
}
