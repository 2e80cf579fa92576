/// What a standard export (FHIR bundle, CDISC ODM) knows before its first row: the protocol
/// and the audit chain head of the snapshot it was read from.
public struct StandardExportHeader: Sendable, Equatable {
  /// The protocol's latest version (code, title, arms, visits).
  public let trial: TrialProtocol
  /// Every loaded version number of the protocol.
  public let versions: [Int]
  /// The head of the `audit.log` chain as seen in the export's snapshot (nil: no entry yet).
  public let auditHead: AuditAnchor?
  /// When the records carry audit stamps: every registry user (database role) who may have
  /// written an exported record, sorted (a superset of the records' `ExportAuditStamp.user`).
  public let auditUsers: [String]
  /// When the records carry audit stamps: every site code a record may be located at,
  /// sorted (a superset of the records' `ExportAuditStamp.site`).
  public let auditSites: [String]

  /// Creates a header.
  public init(
    trial: TrialProtocol, versions: [Int], auditHead: AuditAnchor?, auditUsers: [String] = [],
    auditSites: [String] = []
  ) {
    self.trial = trial
    self.versions = versions
    self.auditHead = auditHead
    self.auditUsers = auditUsers
    self.auditSites = auditSites
  }
}

/// What a latest audit-trail write was, as far as a de-identified export may say: the reason
/// the user gave is free text and is withheld; only a coded kind of change is written.
public enum ExportAuditChange: String, Sendable, Equatable, CaseIterable {
  /// The record as first written (an INSERT): no reason for change.
  case inserted
  /// An UPDATE that changed values (an amendment, a status change).
  case amended
  /// An UPDATE that voided the record (voided records are not exported, so rarely seen).
  case voided
  /// A DELETE (a deleted record is not exported).
  case deleted

  /// The fixed coded text of a `ReasonForChange` (nil for an insert: none is written).
  public var codedReason: String? {
    switch self {
    case .inserted: nil
    case .amended: "amended (reason recorded in the registry's audit trail)"
    case .voided: "voided (reason recorded in the registry's audit trail)"
    case .deleted: "deleted (reason recorded in the registry's audit trail)"
    }
  }
}

/// The latest `audit.log` row that wrote an exported record, as the store read it (real time).
/// Never written to an export as it is: `DeidentifiedExport.audit(_:)` shifts it to study time.
public struct ExportRawAudit: Sendable, Equatable {
  /// The `audit.log` row id.
  public let id: Int64
  /// The row's time in UTC, `YYYY-MM-DDTHH:MM:SSZ`.
  public let atUTC: String
  /// The database role that wrote it (`audit.log.db_role`: a registry user, staff).
  public let dbRole: String
  /// `INSERT`, `UPDATE` or `DELETE`.
  public let action: String
  /// True for an UPDATE that set `voided_at`.
  public let voids: Bool
  /// The site of the record's patient (or of the screening), nil for a record of no site.
  public let site: String?
  /// The UTC date of the record's first audit row: day 0 of a record of no enrolled patient.
  public let firstOn: CalendarDate?

  /// Creates a raw audit row.
  public init(
    id: Int64, atUTC: String, dbRole: String, action: String, voids: Bool, site: String?,
    firstOn: CalendarDate?
  ) {
    self.id = id
    self.atUTC = atUTC
    self.dbRole = dbRole
    self.action = action
    self.voids = voids
    self.site = site
    self.firstOn = firstOn
  }
}

/// The de-identified audit stamp of an exported record: who (registry user), where (site),
/// when in study time (`Deidentification.studyTime`), the coded kind of change and the
/// `audit.log` row id.
public struct ExportAuditStamp: Sendable, Equatable {
  /// The `audit.log` row id (ties the stamp to the anchored chain).
  public let sourceID: Int64
  /// The time on the study-time calendar (`2000-01-01T00:00:00Z` is day 0), ISO 8601 UTC.
  public let studyTime: String
  /// The registry user (database role) that wrote the row.
  public let user: String
  /// The site code of the record's patient (or screening), nil for a record of no site.
  public let site: String?
  /// The kind of change.
  public let change: ExportAuditChange

  /// Creates a stamp.
  public init(
    sourceID: Int64, studyTime: String, user: String, site: String?, change: ExportAuditChange
  ) {
    self.sourceID = sourceID
    self.studyTime = studyTime
    self.user = user
    self.site = site
    self.change = change
  }
}

/// One de-identified row of a table of `DeidentifiedExport.layouts`, readable by column name.
public struct DeidentifiedRecord: Sendable, Equatable {
  /// The table's layout.
  public let layout: ExportTableLayout
  /// The cells in the layout's column order (empty: no value).
  public let cells: [String]
  /// The de-identified stamp of the latest audit row that wrote the record (nil when the
  /// export was not asked for audit stamps, or the record has no audit row).
  public let audit: ExportAuditStamp?

  /// Creates a record.
  public init(layout: ExportTableLayout, cells: [String], audit: ExportAuditStamp? = nil) {
    self.layout = layout
    self.cells = cells
    self.audit = audit
  }

  /// The table name (`patients`, `assessments` …).
  public var table: String { layout.name }

  /// The cell of a column, nil when it is empty or the table has no such column.
  public subscript(_ column: String) -> String? {
    guard let index = layout.columns.firstIndex(where: { $0.name == column }),
      index < cells.count, !cells[index].isEmpty
    else { return nil }
    return cells[index]
  }
}

/// A writer fed row by row by `ExportService.stream`: `begin` once, `record` for every row of
/// every table in `DeidentifiedExport.layouts` order, `finish` once. Renderers keep only what
/// one row needs, so a cohort is never held in memory.
public protocol DeidentifiedExportSink: AnyObject {
  /// Called once, before the first row.
  func begin(_ header: StandardExportHeader) throws
  /// Called for every de-identified row.
  func record(_ record: DeidentifiedRecord) throws
  /// Called once, after the last row.
  func finish() throws
}
