import ArgumentParser
import RegistryDomain
import RegistryService

/// `mscreg lot release LOT`.
struct LotRelease: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "release",
    abstract: "Release a quarantined lot that meets the release specification.",
    discussion: """
      Checks the ISCT minimal markers (CD73, CD90, CD105 ≥ 95%; CD45, CD34, CD14, CD19, HLA-DR ≤ \
      2%), sterility and mycoplasma negative, endotoxin ≤ 0.5 EU/mL, viability ≥ 70% and that the \
      lot has not expired. A lot that fails stays in quarantine and every failing item is named \
      (exit 65).

      Examples:
        mscreg lot release UC-2611-01
      """
  )

  @OptionGroup var global: GlobalOptions
  @Argument(help: "Lot number.") var lot: String
  @OptionGroup var output: FormatOption

  func run() throws {
    let released = try LotService(global.registry).release(lotNumber: lot)
    if output.format == .json { return try Output.json(released) }
    print("released lot \(released.lotNumber)")
  }
}

extension LotRelease: PositionalFields {
  static var positionalFields: [String: String] { ["lot": "LOT"] }
}
