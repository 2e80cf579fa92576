import ArgumentParser
import RegistryDomain
import RegistryService

/// `mscreg event add ID --kind death|liver_transplant|lost_to_follow_up --date D`.
struct EventAdd: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "add",
    abstract: "Record a death, liver transplant or loss to follow-up.",
    discussion: """
      death makes the patient `died`; lost_to_follow_up makes them `lost_to_follow_up`; \
      liver_transplant is a survival event (transplant-free survival) and keeps the status. \
      Survival events stay recordable after withdrawal; after death only adverse-event follow-up \
      is accepted. The date is not before enrollment (nor, for death and loss, before the last \
      assessment) and not in the future.

      Examples:
        mscreg event add ACLF-GZU-0002 --kind death --date 2026-06-14
        mscreg event add ACLF-GZU-0003 --kind liver_transplant --date 2026-07-02
        mscreg event add SLE-BOG-0004 --kind lost_to_follow_up --date 2026-09-15
      """
  )

  @OptionGroup var global: GlobalOptions
  @Argument(help: "Study ID.") var id: String
  @Option(help: "Event: death, liver_transplant or lost_to_follow_up.") var kind: String
  @Option(help: "Date of the event, YYYY-MM-DD.") var date: String
  @OptionGroup var output: FormatOption

  func run() throws {
    let recorded = try ClinicalEventService(global.registry).add(
      studyID: id, kind: try ClinicalEventKind.parse(kind, field: "--kind"),
      on: try TextField.date(date, field: "--date"))
    if output.format == .json { return try Output.json(recorded) }
    let e = recorded.event
    print(
      "recorded \(e.kind.rawValue) of \(e.studyID) on \(e.occurredOn) (event \(e.id)); status \(recorded.patient.status.rawValue)"
    )
  }
}
