import ArgumentParser
import Foundation
import RegistryService

/// `mscreg patient import FILE.csv`.
struct PatientImport: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "import",
    abstract: "Enroll a screening list from a CSV file, all rows or none.",
    discussion: """
      The header names the options of `patient enroll` without dashes: mrn, given, family, \
      birth_date, sex, consent_version, consent_date, enrolled_on, site, contact and the measures \
      (sledai_descriptors, eular_acr_items, ana_titer, pga, bilag, upcr, creatinine, c3, c4, \
      anti_dsdna, bilirubin, inr, sodium, albumin, dialysis, ascites, encephalopathy). An empty \
      cell is "not given"; dialysis is true or false.

      Every row is checked by the rules of `patient enroll`, in file order, in ONE transaction: \
      when any row is invalid, unknown, a duplicate MRN or ineligible, nothing is enrolled and the \
      refusal names the line and the column (exit 65). Unlike `patient enroll`, an ineligible row \
      is not written to the screening log: the import is all-or-nothing. Prints each study ID and \
      arm. On a terminal, a progress bar on standard error follows the phases (staging the \
      rows, checking them, enrolling); elsewhere nothing is printed but the results.

      Examples:
        mscreg patient import screening-list.csv --protocol SLE-UCMSC --site PAN
        mscreg patient import gzu-week47.csv --protocol ACLF-BMMSC --format json
      """
  )

  @OptionGroup var global: GlobalOptions
  @Argument(help: "CSV file (RFC 4180, UTF-8) with a header line.") var file: String
  @Option(help: "Protocol code (its latest loaded version is used).") var `protocol`: String
  @Option(help: "Site code for rows without a site cell.") var site: String?
  @OptionGroup var output: FormatOption

  func run() throws {
    var bar = ProgressBar()
    let results = try EnrollmentService(global.registry).importFile(
      CommandContext.current.url(forPath: file), protocolCode: `protocol`, defaultSite: site
    ) { bar.show($0.phase.rawValue, done: $0.rows, of: $0.total) }
    bar.finish()
    if output.format == .json { return try Output.json(results) }
    for result in results { print("enrolled \(result.studyID) arm \(result.arm)") }
    print("imported \(results.count) patient\(results.count == 1 ? "" : "s")")
  }
}
