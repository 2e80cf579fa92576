import ArgumentParser
import RegistryDomain
import RegistryService

/// `mscreg infuse [record] ID --lot LOT --date D --weight-kg W --cells N [--route R]`.
struct InfuseRecord: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "record",
    abstract: "Record an infusion (the default of `mscreg infuse`).",
    discussion: """
      Dose per kg is derived as cells ÷ weight and stored. A refusal names the first broken rule's \
      option and lists every broken rule with its values (exit 65); nothing is written.

      Examples:
        mscreg infuse SLE-PAN-0001 --lot UC-2611-01 --date 2026-11-20 \\
          --weight-kg 62 --cells 6.2e7
        mscreg infuse record ACLF-GZU-0001 --lot BM-2611-03 --date 2026-11-20 \\
          --weight-kg 70 --cells 5.6e7 --route portal_vein --format json
      """
  )

  @OptionGroup var global: GlobalOptions
  @Argument(help: "Study ID.") var id: String
  @Option(help: "Lot number.") var lot: String
  @Option(help: "Infusion date, YYYY-MM-DD.") var date: String
  @Option(help: "Body weight on the day, kg.") var weightKg: String
  @Option(help: "Total cells (or particles), e.g. 7.0e7.") var cells: String
  @Option(help: "Route: iv (default), intra_arterial_hepatic, portal_vein, intrarenal.")
  var route: String?
  @OptionGroup var output: FormatOption

  func run() throws {
    let entry = try InfusionEntry.validated(
      studyID: id, lot: lot, date: date, weightKg: weightKg, cells: cells, route: route)
    let infusion = try InfusionService(global.registry).record(entry)
    if output.format == .json { return try Output.json(infusion) }
    print(
      "infusion \(infusion.id): \(infusion.studyID) lot \(infusion.lotNumber) "
        + "on \(infusion.infusedOn), \(DosePerKg.text(infusion.dosePerKg))")
  }
}
