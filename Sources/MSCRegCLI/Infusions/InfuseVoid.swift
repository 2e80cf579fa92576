import ArgumentParser
import RegistryDomain
import RegistryService

/// `mscreg infuse void ID --infusion N --reason R`.
struct InfuseVoid: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "void",
    abstract: "Void an infusion entered in error (it is kept, marked voided, never deleted).",
    discussion: """
      A voided infusion no longer counts for max_infusions, spacing, recipients or reports. The \
      patient's status is not changed. The infusion id is shown by `patient show` and `patient \
      lots`.

      Examples:
        mscreg infuse void SLE-PAN-0001 --infusion 3 \\
          --reason "entered for the wrong patient"
      """
  )

  @OptionGroup var global: GlobalOptions
  @Argument(help: "Study ID.") var id: String
  @Option(help: "Infusion id.") var infusion: Int64
  @Option(help: "Why (mandatory; recorded in the audit trail).") var reason: String

  func run() throws {
    let voided = try InfusionService(global.registry).void(
      studyID: id, infusionID: infusion, reason: reason)
    print("voided infusion \(voided.id) of \(voided.studyID)")
  }
}
