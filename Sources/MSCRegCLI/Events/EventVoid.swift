import ArgumentParser
import RegistryDomain
import RegistryService

/// `mscreg event void ID --event N --reason R`.
struct EventVoid: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "void",
    abstract: "Void a clinical event entered in error; the status it gave is undone.",
    discussion: """
      Voiding a death or a loss to follow-up gives the patient back the status they had before \
      (from the audit trail). A death that a grade 5 adverse event needs cannot be voided.

      Examples:
        mscreg event void ACLF-GZU-0003 --event 2 \\
          --reason "entered for the wrong patient"
      """
  )

  @OptionGroup var global: GlobalOptions
  @Argument(help: "Study ID.") var id: String
  @Option(help: "Event id (from `event list`).") var event: Int64
  @Option(help: "Why (mandatory; recorded in the audit trail).") var reason: String

  func run() throws {
    let recorded = try ClinicalEventService(global.registry).void(
      studyID: id, eventID: event, reason: reason)
    print(
      "voided \(recorded.event.kind.rawValue) event \(recorded.event.id) of \(recorded.event.studyID); status \(recorded.patient.status.rawValue)"
    )
  }
}
