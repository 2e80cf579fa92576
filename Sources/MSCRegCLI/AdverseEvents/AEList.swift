import ArgumentParser
import RegistryDomain
import RegistryService

/// `mscreg ae list ID [--include-voided] [--format text|json|csv]`.
struct AEList: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "list",
    abstract: "List a patient's adverse events.",
    discussion: """
      Examples:
        mscreg ae list SLE-PAN-0001
        mscreg ae list ACLF-GZU-0002 --format json
      """
  )

  @OptionGroup var global: GlobalOptions
  @Argument(help: "Study ID.") var id: String
  @Flag(help: "Also list voided adverse events.") var includeVoided = false
  @Option(help: "Output format.") var format: TableFormat = .text

  func run() throws {
    let events = try AdverseEventService(global.registry).list(
      studyID: id, includeVoided: includeVoided)
    let header =
      ["id", "term", "grade", "serious", "relatedness", "onset", "resolved", "infusion", "lot"]
      + (includeVoided ? ["voided"] : [])
    let rows = events.map { e in
      [
        String(e.id), e.term, String(e.grade.rawValue), e.serious?.rawValue ?? "",
        e.relatedness.rawValue, e.onsetOn.description, e.resolvedOn?.description ?? "",
        e.infusionID.map(String.init) ?? "", e.lotNumber ?? "",
      ] + (includeVoided ? [e.voided ? "voided: \(e.voidReason ?? "")" : ""] : [])
    }
    switch format {
    case .json: try Output.json(events)
    case .csv: Output.csv(header, rows)
    default: Output.table(header, rows)
    }
  }
}
