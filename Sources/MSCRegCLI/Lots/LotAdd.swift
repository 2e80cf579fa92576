import ArgumentParser
import RegistryDomain
import RegistryService

/// `mscreg lot add LOT --source S --donor D --product P --passage N --viability PCT …`.
struct LotAdd: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "add",
    abstract: "Register an MSC lot with its characterisation; it starts in quarantine.",
    discussion: """
      Markers are percent of cells positive. Sterility and mycoplasma are negative or positive; \
      endotoxin is in EU/mL. Anything not yet measured may be left out and the lot stays in \
      quarantine until it is recorded (release needs every item).

      Examples:
        mscreg lot add UC-2611-01 --source umbilical_cord --donor allogeneic \\
          --product cells --passage 3 --viability 94 --cd73 99.1 --cd90 98.7 \\
          --cd105 97.9 --cd45 0.4 --cd34 0.3 --cd14 0.5 --cd19 0.2 --hla-dr 0.6 \\
          --sterility negative --mycoplasma negative --endotoxin 0.12 \\
          --manufactured 2026-11-01 --expires 2027-05-01
        mscreg lot add BM-2611-07 --source bone_marrow --donor autologous \\
          --product cells --passage 2 --viability 91 --manufactured 2026-11-10 \\
          --expires 2026-12-10
      """
  )

  @OptionGroup var global: GlobalOptions
  @Argument(help: "Lot number (1–40 letters, digits, . _ / -).") var lot: String
  @Option(
    help: "Tissue source: bone_marrow, adipose, umbilical_cord, cord_blood, amniotic, placenta.")
  var source: String
  @Option(help: "Donor: autologous or allogeneic.") var donor: String
  @Option(help: "Product: cells or extracellular_vesicles.") var product: String
  @Option(help: "Culture passage (0–50).") var passage: String
  @Option(help: "Viability, percent (0–100).") var viability: String
  @Option(help: "CD73 positive, percent.") var cd73: String?
  @Option(help: "CD90 positive, percent.") var cd90: String?
  @Option(help: "CD105 positive, percent.") var cd105: String?
  @Option(help: "CD45 positive, percent.") var cd45: String?
  @Option(help: "CD34 positive, percent.") var cd34: String?
  @Option(help: "CD14 (or CD11b) positive, percent.") var cd14: String?
  @Option(help: "CD19 (or CD79a) positive, percent.") var cd19: String?
  @Option(help: "HLA-DR positive, percent.") var hlaDr: String?
  @Option(help: "Sterility: negative or positive.") var sterility: String?
  @Option(help: "Mycoplasma: negative or positive.") var mycoplasma: String?
  @Option(help: "Endotoxin, EU/mL.") var endotoxin: String?
  @Option(help: "Manufacture date, YYYY-MM-DD.") var manufactured: String
  @Option(help: "Expiry date, YYYY-MM-DD (the last day the lot may be infused).") var expires:
    String
  @OptionGroup var output: FormatOption

  func run() throws {
    var markers: [String: String] = [:]
    let given: [(String, String?)] = [
      ("cd73", cd73), ("cd90", cd90), ("cd105", cd105), ("cd45", cd45), ("cd34", cd34),
      ("cd14", cd14), ("cd19", cd19), ("hla_dr", hlaDr),
    ]
    for (field, value) in given { if let value { markers[field] = value } }
    let entry = LotEntry(
      lotNumber: lot, source: source, donor: donor, product: product, passage: passage,
      viability: viability, markers: markers, sterility: sterility, mycoplasma: mycoplasma,
      endotoxin: endotoxin, manufactured: manufactured, expires: expires)
    let added = try LotService(global.registry).add(entry)
    if output.format == .json { return try Output.json(added) }
    print("added lot \(added.lotNumber) (quarantine)")
  }
}

extension LotAdd: PositionalFields {
  static var positionalFields: [String: String] { ["lot": "LOT"] }
}
