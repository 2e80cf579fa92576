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
        mscreg patient list --protocol SLE-UCMSC --exclude-synthetic
      """
  )

  @OptionGroup var global: GlobalOptions
  @Option(help: "Protocol code.") var `protocol`: String?
  @Option(help: "Site code.") var site: String?
  @Option(help: "Status: enrolled, treated, completed, withdrawn, died, lost_to_follow_up.")
  var status: String?
  @Option(help: "Output format.") var format: TableFormat = .text
  @Flag(help: "Leave out the patients of synthetic cohorts (written by demo seed).")
  var excludeSynthetic = false

  func run() throws {
    let parsedStatus = try status.map { try PatientStatus.parse($0, field: "--status") }
    let patients = try PatientService(global.registry).list(
      protocolCode: `protocol`, site: site, status: parsedStatus,
      excludeSynthetic: excludeSynthetic)
    let header = [
      "study_id", "protocol", "protocol_version", "site", "arm", "status", "enrolled_on", "sex",
      "age_at_enrollment", "synthetic",
    ]
    let rows = patients.map {
      [
        $0.studyID, $0.protocolCode, String($0.protocolVersion), $0.site, $0.arm,
        $0.status.rawValue, $0.enrolledOn.description, $0.sex.rawValue,
        String($0.ageAtEnrollment), $0.synthetic ? "true" : "false",
      ]
    }
    switch format {
    case .json: try Output.json(patients)
    case .csv: Output.csv(header, rows)
    default:
      Output.table(header, rows)
      let synthetic = patients.filter(\.synthetic).count
      if synthetic > 0 {
        print(
          "\(synthetic) of \(patients.count) patients are synthetic (demo seed); "
            + "--exclude-synthetic leaves them out")
      } else if excludeSynthetic {
        print("synthetic patients (demo seed) excluded")
      }
    }
  }
}
