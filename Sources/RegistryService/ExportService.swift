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
  /// Never reads the `identity` schema. Unknown protocol: `.notFound` (exit 66). A READ ONLY
  /// transaction: it also runs against a hot standby.
  public func deidentified(protocolCode: String, excludeSynthetic: Bool = false) throws
    -> [DeidentifiedTable]
  {
    let store = try database.open()
    return try store.transaction(isolation: .repeatableRead, readOnly: true) {
      guard try ProtocolRepository(store).find(code: protocolCode) != nil else {
        throw RegistryError.notFound("protocol", "no protocol \(protocolCode) is loaded")
      }
      let export = ExportRepository(store)
      return try DeidentifiedExport.layouts.map { layout in
        DeidentifiedTable(
          name: layout.name, header: layout.columns.map(\.name),
          rows: try export.rows(
            layout, protocolCode: protocolCode, excludeSynthetic: excludeSynthetic
          ).map {
            try DeidentifiedExport.row($0, layout: layout)
          })
      }
    }
  }

  /// Streams every table of `DeidentifiedExport.layouts` for a protocol code into a sink, row
  /// by row from one READ ONLY, REPEATABLE READ snapshot (it also runs on a hot standby), with the same de-identification as
  /// `deidentified(protocolCode:)`, after a header naming the protocol's latest version and
  /// the head of the `audit.log` chain in that snapshot (the standard exports carry it).
  ///
  /// Monitors and admins: a role that cannot read the audit chain gets `.permissionDenied`
  /// (exit 77), because the file could not name the audit state it comes from. Unknown
  /// protocol: `.notFound` (exit 66).
  ///
  /// `bySubject`: the tables of no patient (`screening`, `lots`) first, then each patient's
  /// row followed by that patient's rows of every other table (consents, allocation,
  /// assessments, infusions, adverse events, clinical events), merged from one cursor per
  /// table (every query orders by study ID).
  ///
  /// `withAudit`: every record carries the de-identified stamp of the latest `audit.log` row
  /// that wrote it (`DeidentifiedExport.audit`: study time, user, site, coded change, row id),
  /// read in the same queries (a lateral join per row), and the header lists the users and
  /// sites the stamps may name.
  public func stream(
    protocolCode: String, bySubject: Bool = false, withAudit: Bool = false,
    into sink: any DeidentifiedExportSink
  ) throws {
    let store = try database.open()
    try store.transaction(isolation: .repeatableRead, readOnly: true) {
      guard let record = try ProtocolRepository(store).find(code: protocolCode) else {
        throw RegistryError.notFound("protocol", "no protocol \(protocolCode) is loaded")
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
          auditHead: try audit.head(.log),
          auditUsers: withAudit ? try export.auditUsers() : [],
          auditSites: withAudit ? try export.sites(protocolCode: protocolCode) : []))
      if bySubject {
        try Self.streamBySubject(
          export, protocolCode: protocolCode, withAudit: withAudit, into: sink)
        try sink.finish()
        return
      }
      for layout in DeidentifiedExport.layouts {
        try export.forEachRow(layout, protocolCode: protocolCode, withAudit: withAudit) { raw in
          try sink.record(Self.record(raw, layout))
        }
      }
      try sink.finish()
    }
  }

  /// The tables whose rows belong to no enrolled patient, streamed first by subject order.
  public static let referenceTables = ["screening", "lots"]

  /// A raw row de-identified: its cells and its audit stamp (when read).
  static func record(_ raw: ExportRawRow, _ layout: ExportTableLayout) throws
    -> DeidentifiedRecord
  {
    DeidentifiedRecord(
      layout: layout, cells: try DeidentifiedExport.row(raw, layout: layout),
      audit: try DeidentifiedExport.audit(raw, table: layout.name))
  }

  static func streamBySubject(
    _ export: ExportRepository, protocolCode: String, withAudit: Bool,
    into sink: any DeidentifiedExportSink
  ) throws {
    func emit(_ raw: ExportRawRow, _ layout: ExportTableLayout) throws {
      try sink.record(record(raw, layout))
    }
    let layouts = DeidentifiedExport.layouts
    for layout in layouts where referenceTables.contains(layout.name) {
      try export.forEachRow(layout, protocolCode: protocolCode, withAudit: withAudit) {
        try emit($0, layout)
      }
    }
    func studyID(_ raw: ExportRawRow, _ layout: ExportTableLayout) -> String? {
      layout.columns.firstIndex { $0.name == "study_id" }.flatMap { raw.values[$0] }
    }
    guard let patients = layouts.first(where: { $0.name == "patients" }) else { return }
    let children = try layouts.filter {
      $0.name != "patients" && !referenceTables.contains($0.name)
    }.map { ($0, try export.cursor($0, protocolCode: protocolCode, withAudit: withAudit)) }
    let subjects = try export.cursor(patients, protocolCode: protocolCode, withAudit: withAudit)
    defer {
      subjects.close()
      for (_, cursor) in children { cursor.close() }
    }
    while let patient = try subjects.next() {
      try emit(patient, patients)
      let sid = studyID(patient, patients)
      for (layout, cursor) in children {
        while let row = try cursor.peek(), studyID(row, layout) == sid {
          try emit(row, layout)
          _ = try cursor.next()
        }
      }
    }
    // Every row belongs to a listed patient: one left over would be lost, so it is an error.
    for (layout, cursor) in children {
      if let row = try cursor.peek() {
        throw RegistryError(
          .internal, field: layout.name,
          "row of \(studyID(row, layout) ?? "?") out of study-ID order; nothing exported")
      }
    }
  }
}
