import ArgumentParser
import RegistryDomain
import RegistryService

/// `mscreg lot show LOT`.
struct LotShow: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "show",
    abstract: "Show a lot, every recipient and their adverse events since the infusion.",
    discussion: """
      Recipients are the live (non-voided) infusions from the lot: study ID, site, date, dose per \
      kg. Adverse events are those of the recipients with onset on or after their first infusion \
      of the lot (`*` marks events linked to an infusion of this lot).

      Examples:
        mscreg lot show UC-2611-01
        mscreg lot show UC-2611-01 --format json
      """
  )

  @OptionGroup var global: GlobalOptions
  @Argument(help: "Lot number.") var lot: String
  @OptionGroup var output: FormatOption

  func run() throws {
    let detail = try LotService(global.registry).show(lotNumber: lot)
    if output.format == .json { return try Output.json(detail) }
    let l = detail.lot
    print(
      "lot \(l.lotNumber)  \(l.source.rawValue)  \(l.donor.rawValue)  \(l.product.rawValue)  "
        + "status \(l.status.rawValue)\(l.statusReason.map { " (\($0))" } ?? "")")
    print(
      "passage \(l.passage)  viability \(LotText.number(l.viabilityPct))%  "
        + "manufactured \(l.manufacturedOn)  expires \(l.expiresOn)")
    print(
      "markers: "
        + MarkerPanel.markers.map { marker in
          "\(marker.name) \(l.markers[keyPath: marker.keyPath].map { LotText.number($0) + "%" } ?? "–")"
        }.joined(separator: "  "))
    print(
      "tests: sterility \(l.sterility?.rawValue ?? "–")  mycoplasma \(l.mycoplasma?.rawValue ?? "–")"
        + "  endotoxin \(l.endotoxinEUPerML.map { LotText.number($0) + " EU/mL" } ?? "–")")
    print("recipients: \(detail.recipients.count)")
    if !detail.recipients.isEmpty {
      Output.table(
        ["study_id", "protocol", "site", "status", "infusion", "infused_on", "dose_per_kg"],
        detail.recipients.map {
          [
            $0.studyID, $0.protocolCode, $0.site, $0.status.rawValue, String($0.infusionID),
            $0.infusedOn.description, DosePerKg.text($0.dosePerKg),
          ]
        })
    }
    print("adverse events of recipients since the infusion: \(detail.adverseEvents.count)")
    if !detail.adverseEvents.isEmpty {
      Output.table(
        ["study_id", "onset_on", "term", "grade", "serious", "relatedness", "infusion"],
        detail.adverseEvents.map {
          [
            $0.studyID, $0.onsetOn.description, $0.term, String($0.grade), $0.serious ?? "",
            $0.relatedness, ($0.infusionID.map(String.init) ?? "") + ($0.linkedToLot ? "*" : ""),
          ]
        })
    }
  }
}

/// Number formatting shared by the lot commands.
enum LotText {
  /// `94`, `99.1`, `0.12`.
  static func number(_ x: Double) -> String {
    var text = String(format: "%.4f", x)
    while text.hasSuffix("0") { text.removeLast() }
    if text.hasSuffix(".") { text.removeLast() }
    return text
  }
}

extension LotShow: PositionalFields {
  static var positionalFields: [String: String] { ["lot": "LOT"] }
}
