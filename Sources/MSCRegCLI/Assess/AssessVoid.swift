import ArgumentParser
import RegistryDomain
import RegistryService

/// `mscreg assess void ID --visit V --reason R`.
struct AssessVoid: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "void",
    abstract: "Void an assessment entered in error (kept, but ignored by reads and reports).",
    discussion: """
      The visit may then be assessed again with `mscreg assess`.

      Examples:
        mscreg assess void SLE-PAN-0001 --visit week12 \\
          --reason "entered for the wrong patient"
      """
  )

  @OptionGroup var global: GlobalOptions
  @Argument(help: "Study ID.") var id: String
  @Option(help: "Visit code.") var visit: String
  @Option(help: "Why (mandatory; recorded in the audit trail).") var reason: String

  func run() throws {
    let voided = try AssessmentService(global.registry).void(
      studyID: id, visit: visit, reason: reason)
    print("voided \(voided.visit) of \(voided.studyID) (\(voided.assessedOn))")
  }
}
