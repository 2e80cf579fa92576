/// What a standard export (FHIR bundle, CDISC ODM) knows before its first row: the protocol
/// and the audit chain head of the snapshot it was read from.
public struct StandardExportHeader: Sendable, Equatable {
  /// The protocol's latest version (code, title, arms, visits).
  public let trial: TrialProtocol
  /// Every loaded version number of the protocol.
  public let versions: [Int]
  /// The head of the `audit.log` chain as seen in the export's snapshot (nil: no entry yet).
  public let auditHead: AuditAnchor?

  /// Creates a header.
  public init(trial: TrialProtocol, versions: [Int], auditHead: AuditAnchor?) {
    self.trial = trial
    self.versions = versions
    self.auditHead = auditHead
  }
}

/// One de-identified row of a table of `DeidentifiedExport.layouts`, readable by column name.
public struct DeidentifiedRecord: Sendable, Equatable {
  /// The table's layout.
  public let layout: ExportTableLayout
  /// The cells in the layout's column order (empty: no value).
  public let cells: [String]

  /// Creates a record.
  public init(layout: ExportTableLayout, cells: [String]) {
    self.layout = layout
    self.cells = cells
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
