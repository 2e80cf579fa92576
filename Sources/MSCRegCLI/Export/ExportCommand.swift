import ArgumentParser
import Foundation
import RegistryDomain
import RegistryReports
import RegistryService

/// `mscreg export --protocol P --deidentified --format csv --output DIR`.
struct ExportCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "export",
    abstract: "Write a protocol's data de-identified, one CSV file per table.",
    discussion: """
      Files: patients, screening, allocation, consents, assessments, infusions, lots, \
      adverse_events, clinical_events (.csv, RFC 4180, header line). Study IDs only; ages 90 and \
      over as 90+ (and no birth year then); every date as days from the patient's enrollment (day \
      0); no free text (adverse-event terms, reasons, contact); voided records left out; lots \
      without their dates (shelf life in days instead). The identity schema is never read. Only \
      de-identified exports are offered: --deidentified is required.

      Examples:
        mscreg export --protocol SLE-UCMSC --deidentified --format csv \\
          --output export/
        mscreg export --protocol ACLF-BMMSC --deidentified --output /tmp/aclf
      """
  )

  @OptionGroup var global: GlobalOptions
  @Option(help: "Protocol code.") var `protocol`: String
  @Flag(help: "Required: the export is de-identified (identified exports are not offered).")
  var deidentified = false
  @Option(help: "Output format (CSV files).") var format: ExportFormat = .csv
  @Option(help: "Folder to write the files into (created if missing).") var output: String
  @Flag(help: "Leave out the patients of synthetic cohorts (written by demo seed).")
  var excludeSynthetic = false

  func run() throws {
    guard deidentified else {
      throw RegistryError(
        .usage, field: "--deidentified",
        "is required: only de-identified exports are offered")
    }
    let tables = try ExportService(global.registry).deidentified(
      protocolCode: `protocol`, excludeSynthetic: excludeSynthetic)
    let folder = CommandContext.current.url(forPath: output, isDirectory: true)
    do {
      try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
      for table in tables {
        let file = folder.appendingPathComponent(table.name + ".csv")
        try Data(CSVTable.render(table).utf8).write(to: file, options: .atomic)
        Output.progress("wrote \(file.path)")
      }
    } catch {
      throw RegistryError.notFound(
        "--output", "cannot write \(output): \(error.localizedDescription)")
    }
    let rows = tables.map { "\($0.name) \($0.rows.count)" }.joined(separator: ", ")
    print("wrote \(tables.count) files to \(output) (rows: \(rows))")
    if excludeSynthetic {
      print("synthetic patients (demo seed) excluded")
    } else if let patients = tables.first(where: { $0.name == "patients" }),
      let column = patients.header.firstIndex(of: "synthetic")
    {
      let synthetic = patients.rows.filter { $0[column] == "true" }.count
      if synthetic > 0 {
        print(
          "\(synthetic) of \(patients.rows.count) patients are synthetic (demo seed; column "
            + "synthetic); --exclude-synthetic leaves them out")
      }
    }
  }
}
