import ArgumentParser
import RegistryDomain
import RegistryService

/// `mscreg patient list [--protocol P] [--site S] [--status X]`.
struct PatientList: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "list",
    abstract: "List patients (study IDs only; no identity).",
    discussion: """
      Examples:
        mscreg patient list
        mscreg patient list --protocol ACLF-BMMSC --site GZU --status treated
        mscreg patient list --format csv > patients.csv
      """
  )

  @OptionGroup var global: GlobalOptions
  @Option(help: "Protocol code.") var `protocol`: String?
  @Option(help: "Site code.") var site: String?
  @Option(help: "Status: enrolled, treated, completed, withdrawn, died, lost_to_follow_up.")
  var status: String?
  @Option(help: "Output format: text, json or csv.") var format: OutputFormat = .text

  func validate() throws {
    if format == .html { throw ValidationError("--format: patient list prints text, json or csv") }
  }

  func run() throws {
    let parsedStatus = try status.map { try PatientStatus.parse($0, field: "--status") }
    let patients = try PatientService(global.registry).list(
      protocolCode: `protocol`, site: site, status: parsedStatus)
    let header = [
      "study_id", "protocol", "protocol_version", "site", "arm", "status", "enrolled_on", "sex",
      "age_at_enrollment",
    ]
    let rows = patients.map {
      [
        $0.studyID, $0.protocolCode, String($0.protocolVersion), $0.site, $0.arm,
        $0.status.rawValue, $0.enrolledOn.description, $0.sex.rawValue,
        String($0.ageAtEnrollment),
      ]
    }
    switch format {
    case .json: try Output.json(patients)
    case .csv: Output.csv(header, rows)
    default: Output.table(header, rows)
    }
  }
}
