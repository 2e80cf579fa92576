import ArgumentParser
import RegistryDomain
import RegistryService

/// `mscreg patient withdraw ID --reason R [--date D]`.
struct PatientWithdraw: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "withdraw",
    abstract: "Withdraw a patient (consent withdrawn); survival events stay recordable.",
    discussion: """
      Examples:
        mscreg patient withdraw SLE-PAN-0001 --reason "withdrew consent"
        mscreg patient withdraw ACLF-GZU-0003 --reason "moved abroad" \\
          --date 2026-10-30
      """
  )

  @OptionGroup var global: GlobalOptions
  @Argument(help: "Study ID.") var id: String
  @Option(help: "Why (recorded in the audit trail).") var reason: String
  @Option(help: "Date of withdrawal, YYYY-MM-DD (default: today).") var date: String?

  func run() throws {
    let patient = try PatientService(global.registry).withdraw(
      studyID: id, reason: reason, on: try date.map { try TextField.date($0, field: "--date") })
    print("withdrew \(patient.studyID) on \(patient.statusOn?.description ?? "")")
  }
}
