import RegistryDomain
import RegistryStore

/// The de-identified export of a protocol's data (`mscreg export --deidentified`).
public struct ExportService: Sendable {
  let database: RegistryDatabase

  /// Creates the service over a database.
  public init(_ database: RegistryDatabase) { self.database = database }

  /// Every table of `DeidentifiedExport.layouts` for a protocol code, from one snapshot, with
  /// study IDs only, ages banded at 90, dates as days from enrollment and no free text.
  ///
  /// Never reads the `identity` schema. Unknown protocol: `.notFound` (exit 66).
  public func deidentified(protocolCode: String) throws -> [DeidentifiedTable] {
    let store = try database.open()
    return try store.transaction(isolation: .repeatableRead) {
      guard try ProtocolRepository(store).find(code: protocolCode) != nil else {
        throw RegistryError.notFound("--protocol", "no protocol \(protocolCode) is loaded")
      }
      let export = ExportRepository(store)
      return try DeidentifiedExport.layouts.map { layout in
        DeidentifiedTable(
          name: layout.name, header: layout.columns.map(\.name),
          rows: try export.rows(layout, protocolCode: protocolCode).map {
            try DeidentifiedExport.row($0, layout: layout)
          })
      }
    }
  }

  /// Streams every table of `DeidentifiedExport.layouts` for a protocol code into a sink, row
  /// by row from one REPEATABLE READ snapshot, with the same de-identification as
  /// `deidentified(protocolCode:)`, after a header naming the protocol's latest version and
  /// the head of the `audit.log` chain in that snapshot (the standard exports carry it).
  ///
  /// Monitors and admins: a role that cannot read the audit chain gets `.permissionDenied`
  /// (exit 77), because the file could not name the audit state it comes from. Unknown
  /// protocol: `.notFound` (exit 66).
  public func stream(protocolCode: String, into sink: any DeidentifiedExportSink) throws {
    let store = try database.open()
    try store.transaction(isolation: .repeatableRead) {
      guard let record = try ProtocolRepository(store).find(code: protocolCode) else {
        throw RegistryError.notFound("--protocol", "no protocol \(protocolCode) is loaded")
      }
      let audit = AuditRepository(store)
      guard try audit.access(.log) != .none else {
        throw RegistryError(
          .permissionDenied, field: "audit.log",
          "this role cannot read the audit chain that a standard export names; "
            + "run it as a monitor or an admin")
      }
      let export = ExportRepository(store)
      try sink.begin(
        StandardExportHeader(
          trial: record.trial, versions: try export.versions(protocolCode: protocolCode),
          auditHead: try audit.head(.log)))
      for layout in DeidentifiedExport.layouts {
        try export.forEachRow(layout, protocolCode: protocolCode) { raw in
          try sink.record(
            DeidentifiedRecord(
              layout: layout, cells: try DeidentifiedExport.row(raw, layout: layout)))
        }
      }
      try sink.finish()
    }
  }
}
