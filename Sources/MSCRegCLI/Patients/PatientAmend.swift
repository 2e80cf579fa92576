import ArgumentParser
import RegistryDomain
import RegistryService

/// `mscreg patient amend ID --field value … --reason R`.
struct PatientAmend: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "amend",
    abstract: "Correct demographic or identity fields; the old values stay in the audit trail.",
    discussion: """
      Examples:
        mscreg patient amend SLE-PAN-0001 --birth-date 1990-04-12 \\
          --reason "transcription error"
        mscreg patient amend SLE-PAN-0001 --family "Pérez Gómez" \\
          --reason "name as on ID card"
      """
  )

  @OptionGroup var global: GlobalOptions
  @Argument(help: "Study ID.") var id: String
  @Option(help: "Corrected sex: F or M.") var sex: String?
  @Option(help: "Corrected birth date, YYYY-MM-DD.") var birthDate: String?
  @Option(help: "Corrected MRN.") var mrn: String?
  @Option(help: "Corrected given name.") var given: String?
  @Option(help: "Corrected family name.") var family: String?
  @Option(help: "Corrected contact details.") var contact: String?
  @Option(help: "Why (mandatory; recorded in the audit trail).") var reason: String

  func run() throws {
    var amendment = PatientService.Amendment()
    amendment.sex = try sex.map { try Sex.parse($0, field: "--sex") }
    amendment.birthDate = try birthDate.map { try TextField.date($0, field: "--birth-date") }
    amendment.mrn = mrn
    amendment.givenName = given
    amendment.familyName = family
    amendment.contact = contact
    let patient = try PatientService(global.registry).amend(
      studyID: id, amendment, reason: reason)
    print("amended \(patient.studyID)")
  }
}
