import ArgumentParser
import RegistryDomain
import RegistryService

/// `mscreg ae void ID --ae N --reason R`.
struct AEVoid: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "void",
    abstract: "Void an adverse event entered in error (kept, but ignored by reads and reports).",
    discussion: """
      Examples:
        mscreg ae void SLE-PAN-0001 --ae 4 --reason "duplicate of adverse event 3"
      """
  )

  @OptionGroup var global: GlobalOptions
  @Argument(help: "Study ID.") var id: String
  @Option(help: "Adverse event id (from `ae list`).") var ae: Int64
  @Option(help: "Why (mandatory; recorded in the audit trail).") var reason: String

  func run() throws {
    let event = try AdverseEventService(global.registry).void(
      studyID: id, eventID: ae, reason: reason)
    print("voided adverse event \(event.id) of \(event.studyID)")
  }
}
