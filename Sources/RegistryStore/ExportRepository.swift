import PostgresClient
import RegistryDomain

/// The SQL of the de-identified export: one query per table of `DeidentifiedExport.layouts`.
///
/// Every query reads the `registry` schema only (never `identity`: a test checks the text of
/// `statements`), reads the protocol code and whether to leave synthetic patients (`demo
/// seed`) out from `export_scope` (a one-row `WITH` that `scoped` puts before it, with both
/// as bind parameters), leaves voided records out, and returns the
/// layout's columns by name plus `_enrolled_on` and `_age` (the patient's day 0 and age at
/// enrollment), which the domain uses to rewrite dates and ages and which are not exported.
public struct ExportRepository {
  let store: Store

  /// A repository over an open store.
  public init(_ store: Store) { self.store = store }

  /// The query of each table, by layout name.
  public static let statements: [String: String] = [
    "patients": """
    SELECT p.study_id, pr.version::text AS protocol_version, p.site_code AS site, p.sex,
           p.birth_year::text AS birth_year, p.age_at_enrollment::text AS age_at_enrollment,
           p.arm, p.status, p.status_on::text AS status_day, p.synthetic::text AS synthetic,
           p.enrolled_on::text AS _enrolled_on, p.age_at_enrollment AS _age
    FROM registry.patient p JOIN registry.protocol pr ON pr.id = p.protocol_id
    WHERE p.protocol_code = (SELECT protocol_code FROM export_scope)
      AND NOT ((SELECT exclude_synthetic FROM export_scope) AND p.synthetic)
    ORDER BY p.study_id
    """,
    "screening": """
    SELECT s.id::text AS screening_id, pr.version::text AS protocol_version,
           s.site_code AS site, s.screened_on::text AS screened_day, s.eligible::text AS eligible,
           (SELECT string_agg(split_part(c, ':', 1), ';' ORDER BY n)
            FROM jsonb_array_elements_text(s.failed_criteria) WITH ORDINALITY AS f(c, n))
             AS failed_criteria,
           s.study_id, p.enrolled_on::text AS _enrolled_on, p.age_at_enrollment AS _age
    FROM registry.screening s JOIN registry.protocol pr ON pr.id = s.protocol_id
    LEFT JOIN registry.patient p ON p.study_id = s.study_id
    WHERE pr.code = (SELECT protocol_code FROM export_scope)
      AND NOT ((SELECT exclude_synthetic FROM export_scope) AND s.synthetic)
    ORDER BY s.id
    """,
    "allocation": """
    SELECT a.study_id, a.stratum, a.position::text AS position, a.arm,
           p.enrolled_on::text AS _enrolled_on, p.age_at_enrollment AS _age
    FROM registry.allocation a JOIN registry.patient p ON p.study_id = a.study_id
    WHERE p.protocol_code = (SELECT protocol_code FROM export_scope)
      AND NOT ((SELECT exclude_synthetic FROM export_scope) AND p.synthetic)
    ORDER BY a.study_id
    """,
    "consents": """
    SELECT c.study_id, c.version, c.signed_on::text AS signed_day,
           c.withdrawn_on::text AS withdrawn_day,
           p.enrolled_on::text AS _enrolled_on, p.age_at_enrollment AS _age
    FROM registry.consent c JOIN registry.patient p ON p.study_id = c.study_id
    WHERE p.protocol_code = (SELECT protocol_code FROM export_scope)
      AND NOT ((SELECT exclude_synthetic FROM export_scope) AND p.synthetic)
    ORDER BY c.study_id, c.id
    """,
    "assessments": """
    SELECT a.study_id, a.visit_code, a.assessed_on::text AS assessed_day,
           a.out_of_window::text AS out_of_window,
           array_to_string(a.sledai_descriptors, ';') AS sledai_descriptors, a.pga::text AS pga,
           (SELECT string_agg(k || '=' || v, ';' ORDER BY k) FROM jsonb_each_text(a.bilag) AS b(k, v))
             AS bilag,
           array_to_string(a.eular_acr_items, ';') AS eular_acr_items,
           a.ana_titer::text AS ana_titer, a.upcr::text AS upcr,
           a.creatinine::text AS creatinine, a.c3::text AS c3, a.c4::text AS c4,
           a.anti_dsdna::text AS anti_dsdna, a.bilirubin::text AS bilirubin, a.inr::text AS inr,
           a.sodium::text AS sodium, a.albumin::text AS albumin, a.dialysis::text AS dialysis,
           a.ascites, a.encephalopathy, a.sledai_2k::text AS sledai_2k,
           a.eular_acr_2019::text AS eular_acr_2019, a.meld::text AS meld,
           a.meld_na::text AS meld_na, a.meld_3::text AS meld_3,
           a.child_pugh::text AS child_pugh, a.child_pugh_class, a.engine_version,
           p.enrolled_on::text AS _enrolled_on, p.age_at_enrollment AS _age
    FROM registry.assessment a JOIN registry.patient p ON p.study_id = a.study_id
    WHERE p.protocol_code = (SELECT protocol_code FROM export_scope)
      AND NOT ((SELECT exclude_synthetic FROM export_scope) AND p.synthetic) AND a.voided_at IS NULL
    ORDER BY a.study_id, a.assessed_on, a.id
    """,
    "infusions": """
    SELECT i.id::text AS infusion_id, i.study_id, i.lot_number,
           i.infused_on::text AS infused_day, i.weight_kg::text AS weight_kg,
           i.total_cells::text AS total_cells, i.dose_per_kg::text AS dose_per_kg, i.route,
           p.enrolled_on::text AS _enrolled_on, p.age_at_enrollment AS _age
    FROM registry.infusion i JOIN registry.patient p ON p.study_id = i.study_id
    WHERE p.protocol_code = (SELECT protocol_code FROM export_scope)
      AND NOT ((SELECT exclude_synthetic FROM export_scope) AND p.synthetic) AND i.voided_at IS NULL
    ORDER BY i.study_id, i.infused_on, i.id
    """,
    "lots": """
    SELECT l.lot_number, l.source, l.donor, l.product, l.passage::text AS passage,
           l.viability_pct::text AS viability_pct, l.cd73_pct::text AS cd73_pct,
           l.cd90_pct::text AS cd90_pct, l.cd105_pct::text AS cd105_pct,
           l.cd45_pct::text AS cd45_pct, l.cd34_pct::text AS cd34_pct,
           l.cd14_pct::text AS cd14_pct, l.cd19_pct::text AS cd19_pct,
           l.hla_dr_pct::text AS hla_dr_pct, l.sterility, l.mycoplasma,
           l.endotoxin_eu_ml::text AS endotoxin_eu_ml,
           (l.expires_on - l.manufactured_on)::text AS shelf_life_days, l.status,
           NULL::text AS _enrolled_on, NULL::int AS _age
    FROM registry.msc_lot l
    WHERE EXISTS (
      SELECT 1 FROM registry.infusion i JOIN registry.patient p ON p.study_id = i.study_id
      WHERE i.lot_number = l.lot_number AND i.voided_at IS NULL AND p.protocol_code = (SELECT protocol_code FROM export_scope)
        AND NOT ((SELECT exclude_synthetic FROM export_scope) AND p.synthetic))
    ORDER BY l.lot_number
    """,
    "adverse_events": """
    SELECT e.id::text AS adverse_event_id, e.study_id, e.grade::text AS grade, e.serious,
           e.relatedness, e.onset_on::text AS onset_day, e.resolved_on::text AS resolved_day,
           e.infusion_id::text AS infusion_id,
           p.enrolled_on::text AS _enrolled_on, p.age_at_enrollment AS _age
    FROM registry.adverse_event e JOIN registry.patient p ON p.study_id = e.study_id
    WHERE p.protocol_code = (SELECT protocol_code FROM export_scope)
      AND NOT ((SELECT exclude_synthetic FROM export_scope) AND p.synthetic) AND e.voided_at IS NULL
    ORDER BY e.study_id, e.onset_on, e.id
    """,
    "clinical_events": """
    SELECT e.study_id, e.kind, e.occurred_on::text AS occurred_day,
           p.enrolled_on::text AS _enrolled_on, p.age_at_enrollment AS _age
    FROM registry.clinical_event e JOIN registry.patient p ON p.study_id = e.study_id
    WHERE p.protocol_code = (SELECT protocol_code FROM export_scope)
      AND NOT ((SELECT exclude_synthetic FROM export_scope) AND p.synthetic) AND e.voided_at IS NULL
    ORDER BY e.study_id, e.occurred_on, e.id
    """,
  ]

  /// Where each exported table's records are audited: the audited table (`audit.log`'s
  /// `table_name`), the SQL of the record's `row_key` and of its site in the table's
  /// statement, and whether a record may have no enrolled patient (then day 0 of its audit
  /// stamp is the UTC date of its first audit row).
  static let auditSources: [String: (table: String, key: String, site: String, unenrolled: Bool)] =
    [
      "patients": ("registry.patient", "p.study_id", "p.site_code", false),
      "screening": ("registry.screening", "s.id::text", "s.site_code", true),
      "allocation": ("registry.allocation", "a.id::text", "p.site_code", false),
      "consents": ("registry.consent", "c.id::text", "p.site_code", false),
      "assessments": ("registry.assessment", "a.id::text", "p.site_code", false),
      "infusions": ("registry.infusion", "i.id::text", "p.site_code", false),
      "lots": ("registry.msc_lot", "l.lot_number", "NULL::text", true),
      "adverse_events": ("registry.adverse_event", "e.id::text", "p.site_code", false),
      "clinical_events": ("registry.clinical_event", "e.id::text", "p.site_code", false),
    ]

  /// The query of each table with the latest `audit.log` row that wrote each record (a
  /// lateral join on the `(table_name, row_key)` index; same rows, same order), adding
  /// `_audit_id`, `_audit_at` (UTC, whole seconds), `_audit_role`, `_audit_action`,
  /// `_audit_voids`, `_audit_site` and `_audit_first_on`. Reads `audit.log`: monitors and
  /// admins only.
  public static let auditedStatements: [String: String] = statements.reduce(into: [:]) {
    result, entry in
    guard let source = auditSources[entry.key], entry.value.hasPrefix("SELECT "),
      let main = entry.value.range(of: "\nWHERE ")
    else { return }
    let match = "al.table_name = '\(source.table)' AND al.row_key = \(source.key)"
    let firstOn =
      source.unenrolled
      ? """
      (SELECT (min(al.at) AT TIME ZONE 'UTC')::date::text FROM audit.log al WHERE \(match))
      """ : "NULL::text"
    var sql = entry.value
    sql.replaceSubrange(
      main.lowerBound..<main.lowerBound,
      with: """

        LEFT JOIN LATERAL (
          SELECT al.id, to_char(al.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS at_utc,
                 al.db_role, al.action,
                 (al.action = 'UPDATE' AND al.old_row->>'voided_at' IS NULL
                  AND al.new_row->>'voided_at' IS NOT NULL) AS voids
          FROM audit.log al WHERE \(match)
          ORDER BY al.id DESC LIMIT 1) _audit ON true
        """)
    sql.replaceSubrange(
      sql.startIndex..<sql.index(sql.startIndex, offsetBy: "SELECT ".count),
      with: """
        SELECT _audit.id::text AS _audit_id, _audit.at_utc AS _audit_at,
               _audit.db_role AS _audit_role, _audit.action AS _audit_action,
               _audit.voids::text AS _audit_voids, \(source.site) AS _audit_site,
               CASE WHEN _audit.id IS NOT NULL THEN \(firstOn) END AS _audit_first_on,

        """)
    result[entry.key] = sql
  }

  /// One of `statements` (or `auditedStatements`) after the one-row `export_scope` it reads:
  /// the protocol code and whether synthetic patients are left out, as bind parameters.
  static func scoped(_ sql: String, protocolCode: String, excludeSynthetic: Bool)
    -> PostgresQuery
  {
    """
    WITH export_scope (protocol_code, exclude_synthetic) AS (
      VALUES (\(protocolCode)::text, \(excludeSynthetic)::bool))
    \(unescaped: sql)
    """
  }

  /// Every registry user (database role) that wrote a row of an exported table, sorted: a
  /// superset of the users of the records' latest audit rows (one scan of `audit.log`).
  public func auditUsers() throws -> [String] {
    let tables = Set(Self.auditSources.values.map(\.table)).sorted()
    return try store.mapped {
      try store.query(
        """
        SELECT DISTINCT db_role FROM audit.log WHERE table_name = ANY(\(PostgresArray(tables)))
        ORDER BY 1
        """
      ).rows.map { try $0.decode("db_role", as: String.self) }
    }
  }

  /// Every site code of a protocol's patients and screenings, sorted.
  public func sites(protocolCode: String) throws -> [String] {
    try store.mapped {
      try store.query(
        """
        SELECT site_code FROM registry.patient WHERE protocol_code = \(protocolCode)
        UNION
        SELECT s.site_code FROM registry.screening s
        JOIN registry.protocol pr ON pr.id = s.protocol_id WHERE pr.code = \(protocolCode)
        ORDER BY 1
        """
      ).rows.map { try $0.decode("site_code", as: String.self) }
    }
  }

  /// Every loaded version number of a protocol, ascending.
  public func versions(protocolCode: String) throws -> [Int] {
    try store.mapped {
      try store.query(
        "SELECT version FROM registry.protocol WHERE code = \(protocolCode) ORDER BY version"
      ).rows.map { try $0.decode("version", as: Int.self) }
    }
  }

  /// Streams the raw rows of one exported table through a server-side cursor, `batch` rows
  /// at a time, so that no more than one batch is ever held in memory.
  ///
  /// Must run inside the caller's transaction (a cursor lives in one); the cursor is closed
  /// before returning, also when `body` throws.
  public func forEachRow(
    _ layout: ExportTableLayout, protocolCode: String, excludeSynthetic: Bool = false,
    withAudit: Bool = false,
    batch: Int = 2000, _ body: (ExportRawRow) throws -> Void
  ) throws {
    guard let sql = (withAudit ? Self.auditedStatements : Self.statements)[layout.name] else {
      throw RegistryError(.internal, field: layout.name, "no export query for this table")
    }
    let cursor = "export_\(layout.name)"
    try store.mapped {
      let statement = Self.scoped(
        sql, protocolCode: protocolCode, excludeSynthetic: excludeSynthetic)
      _ = try store.query("DECLARE \(unescaped: cursor) NO SCROLL CURSOR FOR \(statement)")
    }
    defer { _ = try? store.query("CLOSE \(unescaped: cursor)") }
    while true {
      let rows = try store.mapped {
        try store.query("FETCH \(unescaped: String(max(1, batch))) FROM \(unescaped: cursor)").rows
      }
      if rows.isEmpty { return }
      for row in rows { try body(try store.mapped { try Self.raw(row, layout) }) }
    }
  }

  /// Opens a server-side cursor over one exported table (inside the caller's transaction),
  /// read `batch` rows at a time; several may be open at once (one per table).
  public func cursor(
    _ layout: ExportTableLayout, protocolCode: String, excludeSynthetic: Bool = false,
    withAudit: Bool = false, batch: Int = 2000
  ) throws -> ExportCursor {
    guard let sql = (withAudit ? Self.auditedStatements : Self.statements)[layout.name] else {
      throw RegistryError(.internal, field: layout.name, "no export query for this table")
    }
    let name = "export_cursor_\(layout.name)"
    try store.mapped {
      let statement = Self.scoped(
        sql, protocolCode: protocolCode, excludeSynthetic: excludeSynthetic)
      _ = try store.query("DECLARE \(unescaped: name) NO SCROLL CURSOR FOR \(statement)")
    }
    return ExportCursor(store: store, layout: layout, name: name, batch: max(1, batch))
  }

  static func raw(_ row: PostgresRow, _ layout: ExportTableLayout) throws -> ExportRawRow {
    var audit: ExportRawAudit?
    if let id = row["_audit_id"] {
      guard let number = Int64(id), let at = row["_audit_at"], let role = row["_audit_role"],
        let action = row["_audit_action"]
      else {
        throw RegistryError(.internal, field: "\(layout.name).audit", "unexpected audit row")
      }
      audit = ExportRawAudit(
        id: number, atUTC: at, dbRole: role, action: action, voids: row["_audit_voids"] == "true",
        site: row["_audit_site"], firstOn: row["_audit_first_on"].flatMap { CalendarDate(iso: $0) })
    }
    return ExportRawRow(
      enrolledOn: try row.decode("_enrolled_on", as: String?.self).flatMap {
        CalendarDate(iso: $0)
      },
      ageAtEnrollment: try row.decode("_age"),
      values: try layout.columns.map { column in
        guard row.columns.contains(column.name) else {
          throw RegistryError(
            .internal, field: "\(layout.name).\(column.name)", "missing from the export query")
        }
        return row[column.name]
      }, audit: audit)
  }

  /// The raw rows of one exported table for a protocol code (every version of it).
  ///
  /// Run inside the caller's REPEATABLE READ transaction so all tables come from one snapshot.
  public func rows(
    _ layout: ExportTableLayout, protocolCode: String, excludeSynthetic: Bool = false
  ) throws -> [ExportRawRow] {
    guard let sql = Self.statements[layout.name] else {
      throw RegistryError(.internal, field: layout.name, "no export query for this table")
    }
    return try store.mapped {
      try store.query(
        Self.scoped(sql, protocolCode: protocolCode, excludeSynthetic: excludeSynthetic)
      ).rows.map {
        try Self.raw($0, layout)
      }
    }
  }
}

/// A server-side cursor over one exported table: `peek` and `next` read a batch at a time.
public final class ExportCursor {
  let store: Store
  let layout: ExportTableLayout
  let name: String
  let batch: Int
  var buffer: [ExportRawRow] = []
  var index = 0
  var exhausted = false

  init(store: Store, layout: ExportTableLayout, name: String, batch: Int) {
    self.store = store
    self.layout = layout
    self.name = name
    self.batch = batch
  }

  /// The next row without consuming it (nil: no more rows).
  public func peek() throws -> ExportRawRow? {
    if index == buffer.count && !exhausted {
      let rows = try store.mapped {
        try store.query("FETCH \(unescaped: String(batch)) FROM \(unescaped: name)").rows
      }
      buffer = try store.mapped { try rows.map { try ExportRepository.raw($0, layout) } }
      index = 0
      if buffer.isEmpty { exhausted = true }
    }
    return index < buffer.count ? buffer[index] : nil
  }

  /// The next row, consumed (nil: no more rows).
  public func next() throws -> ExportRawRow? {
    let row = try peek()
    if row != nil { index += 1 }
    return row
  }

  /// Closes the cursor (also done by the end of the transaction).
  public func close() {
    _ = try? store.mapped { try store.query("CLOSE \(unescaped: name)") }
  }
}
