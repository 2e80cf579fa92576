import ArgumentParser
import RegistryDomain
import RegistryService

/// `mscreg patient enroll`.
struct PatientEnroll: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "enroll",
    abstract: "Screen a candidate against the protocol and enroll them when eligible.",
    discussion: """
      Every eligibility criterion is evaluated. An ineligible candidate is written to the \
      screening log with each failed criterion and is not enrolled (exit 65). An eligible one gets \
      the next study ID of the protocol and site and an arm; the screening measures become the \
      baseline assessment. Prints the study ID and the arm.

      Examples:
        mscreg patient enroll --protocol SLE-UCMSC --site PAN --mrn 123456 \\
          --given Ana --family Pérez --birth-date 1990-04-02 --sex F \\
          --consent-version 2.1 --consent-date 2026-11-02 \\
          --sledai-descriptors arthritis,rash,low_complement,proteinuria \\
          --eular-acr-items joint_involvement,anti_dsdna_or_anti_sm,low_c3_and_c4 \\
          --ana-titer 320
        mscreg patient enroll --protocol ACLF-BMMSC --site GZU --mrn H-88121 \\
          --given Wei --family Zhang --birth-date 1975-01-20 --sex M \\
          --consent-version 1.0 --consent-date 2026-11-20 --bilirubin 171umol/L \\
          --creatinine 1.4 --inr 2.1 --sodium 131 --albumin 2.9 --ascites mild \\
          --encephalopathy none
      """
  )

  @OptionGroup var global: GlobalOptions
  @Option(help: "Protocol code (its latest loaded version is used).") var `protocol`: String
  @Option(help: "Site code.") var site: String
  @Option(help: "Medical record number (kept in the identity schema only).") var mrn: String
  @Option(help: "Given name.") var given: String
  @Option(help: "Family name.") var family: String
  @Option(help: "Birth date, YYYY-MM-DD.") var birthDate: String
  @Option(help: "Sex: F or M.") var sex: String
  @Option(help: "Consent form version.") var consentVersion: String?
  @Option(help: "Date consent was signed, YYYY-MM-DD (on or before enrollment).") var consentDate:
    String?
  @Option(help: "Enrollment date, YYYY-MM-DD (default: today).") var enrolledOn: String?
  @Option(help: "Contact details (identity schema only).") var contact: String?
  @OptionGroup(title: "Screening measures") var measures: MeasureOptions
  @OptionGroup var output: FormatOption

  func run() throws {
    let request = try EnrollmentRequest.parsing(
      protocolCode: `protocol`, site: site, mrn: mrn, given: given, family: family,
      birthDate: birthDate, sex: sex, consentVersion: consentVersion, consentDate: consentDate,
      enrolledOn: enrolledOn, contact: contact, measures: measures.raw)
    let result = try EnrollmentService(global.registry).enroll(request)
    if output.format == .json { return try Output.json(result) }
    print("enrolled \(result.studyID) arm \(result.arm)")
  }
}
