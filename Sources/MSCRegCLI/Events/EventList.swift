import ArgumentParser
import RegistryDomain
import RegistryService

/// `mscreg event list ID [--include-voided] [--format text|json]`.
struct EventList: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "list",
    abstract: "List a patient's clinical events.",
    discussion: """
      Examples:
        mscreg event list ACLF-GZU-0002
        mscreg event list ACLF-GZU-0002 --include-voided --format json
      """
  )

  @OptionGroup var global: GlobalOptions
  @Argument(help: "Study ID.") var id: String
  @Flag(help: "Also list voided events.") var includeVoided = false
  @OptionGroup var output: FormatOption

  func run() throws {
    let events = try ClinicalEventService(global.registry).list(
      studyID: id, includeVoided: includeVoided)
    if output.format == .json { return try Output.json(events) }
    Output.table(
      ["id", "kind", "date"] + (includeVoided ? ["voided"] : []),
      events.map { e in
        [String(e.id), e.kind.rawValue, e.occurredOn.description]
          + (includeVoided ? [e.voided ? "voided: \(e.voidReason ?? "")" : ""] : [])
      })
  }
}
