import ArgumentParser
import Foundation
import RegistryDomain
import RegistryReports
import RegistryService

/// What `mscreg export` writes.
enum ExportFormat: String, ExpressibleByArgument, CaseIterable {
  /// One CSV file per table into a folder.
  case csv
  /// One HL7 FHIR R4 Bundle (type collection), JSON.
  case fhir
  /// One CDISC ODM 1.3.2 Snapshot, XML.
  case odm
}

/// `mscreg export --protocol P --deidentified --format csv|fhir --output DIR|FILE`.
struct ExportCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "export",
    abstract: "Write a protocol's data de-identified: CSV files or a FHIR R4 bundle.",
    discussion: """
      Files: patients, screening, allocation, consents, assessments, infusions, lots, \
      adverse_events, clinical_events (.csv, RFC 4180, header line). Study IDs only; ages 90 and \
      over as 90+ (and no birth year then); every date as days from the patient's enrollment (day \
      0); no free text (adverse-event terms, reasons, contact); voided records left out; lots \
      without their dates (shelf life in days instead). The identity schema is never read. Only \
      de-identified exports are offered: --deidentified is required.

      --format fhir writes one HL7 FHIR R4 Bundle (type collection) to the --output file, \
      streamed row by row, with the same de-identification, and names the audit chain head of \
      its snapshot in Bundle.identifier; monitors and admins only (it reads the audit chain). \
      --format odm writes one CDISC ODM 1.3.2 Snapshot (XML) the same way, one SubjectData per \
      study ID, the audit chain head in StudyDescription, and on every ItemData an AuditRecord \
      of the record's latest audit row: user, site, time in study time (2000-01-01 is the \
      patient's day 0), a coded reason for change, the audit row id. See README "Standard \
      exports".

      Examples:
        mscreg export --protocol SLE-UCMSC --deidentified --format csv \\
          --output export/
        mscreg export --protocol ACLF-BMMSC --deidentified --output /tmp/aclf
        mscreg export --protocol SLE-UCMSC --deidentified --format fhir \\
          --output bundle.json
        mscreg export --protocol SLE-UCMSC --deidentified --format odm \\
          --output study.xml
      """
  )

  @OptionGroup var global: GlobalOptions
  @Option(help: "Protocol code.") var `protocol`: String
  @Flag(help: "Required: the export is de-identified (identified exports are not offered).")
  var deidentified = false
  @Option(help: "Output format: csv (a folder of files), fhir (JSON) or odm (XML), one file.")
  var format: ExportFormat = .csv
  @Option(help: "csv: folder to write the files into (created if missing); fhir, odm: the file.")
  var output: String
  @Flag(help: "Leave out the patients of synthetic cohorts (written by demo seed; csv only).")
  var excludeSynthetic = false

  func run() throws {
    guard deidentified else {
      throw RegistryError(
        .usage, field: "--deidentified",
        "is required: only de-identified exports are offered")
    }
    if format != .csv && excludeSynthetic {
      throw RegistryError(
        .usage, field: "--exclude-synthetic", "is offered for --format csv only")
    }
    if format == .fhir {
      try writeFHIR()
      return
    }
    if format == .odm {
      try writeODM()
      return
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

  /// Streams the ODM file, subject by subject, like the FHIR bundle.
  func writeODM() throws {
    let file = try StreamedFile(path: CommandContext.current.url(forPath: output).path)
    // SOURCE_DATE_EPOCH (the reproducible-builds convention) fixes the file's creation time,
    // so that two exports of one snapshot are byte-identical (the standby test compares them).
    let epoch = CommandContext.current.environment["SOURCE_DATE_EPOCH"].flatMap(TimeInterval.init)
    let now = ISO8601DateFormatter().string(
      from: epoch.map(Date.init(timeIntervalSince1970:)) ?? Date())
    let writer = ODMWriter(creationDateTime: now, output: file.write)
    do {
      try ExportService(global.registry).stream(
        protocolCode: `protocol`, bySubject: true, withAudit: true, into: writer)
      try file.commit()
    } catch {
      file.discard()
      throw error
    }
    print("wrote \(output) (CDISC ODM 1.3.2 Snapshot, \(writer.subjectCount) subjects)")
  }

  /// Streams the FHIR bundle into a temporary file beside `--output`, renamed into place
  /// only when complete (a failed export leaves no partial file).
  func writeFHIR() throws {
    let file = try StreamedFile(path: CommandContext.current.url(forPath: output).path)
    let writer = FHIRBundleWriter(output: file.write)
    do {
      try ExportService(global.registry).stream(protocolCode: `protocol`, into: writer)
      try file.commit()
    } catch {
      file.discard()
      throw error
    }
    print("wrote \(output) (FHIR R4 Bundle, \(writer.entryCount) entries)")
  }
}

/// A file written through a buffer into `PATH.partial-PID`, renamed to PATH by `commit`.
final class StreamedFile {
  let path: String
  let partial: String
  let handle: FileHandle
  var buffer = [UInt8]()

  init(path: String) throws {
    self.path = path
    partial = path + ".partial-\(ProcessInfo.processInfo.processIdentifier)"
    guard FileManager.default.createFile(atPath: partial, contents: nil),
      let handle = FileHandle(forWritingAtPath: partial)
    else {
      throw RegistryError.notFound("--output", "cannot write \(path)")
    }
    self.handle = handle
    buffer.reserveCapacity(1 << 16)
  }

  func write(_ text: String) throws {
    buffer.append(contentsOf: text.utf8)
    if buffer.count >= 1 << 16 { try flush() }
  }

  func flush() throws {
    do {
      try handle.write(contentsOf: buffer)
    } catch {
      throw RegistryError.notFound(
        "--output", "cannot write \(path): \(error.localizedDescription)")
    }
    buffer.removeAll(keepingCapacity: true)
  }

  func commit() throws {
    try flush()
    try handle.close()
    if FileManager.default.fileExists(atPath: path) {
      _ = try? FileManager.default.removeItem(atPath: path)
    }
    do {
      try FileManager.default.moveItem(atPath: partial, toPath: path)
    } catch {
      throw RegistryError.notFound(
        "--output", "cannot write \(path): \(error.localizedDescription)")
    }
  }

  func discard() {
    try? handle.close()
    try? FileManager.default.removeItem(atPath: partial)
  }
}
