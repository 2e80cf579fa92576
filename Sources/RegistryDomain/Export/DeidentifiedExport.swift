/// What one column of a de-identified export holds, and so how its raw value is rewritten.
public enum ExportColumnKind: Sendable, Equatable {
  /// Written as read (codes, numbers, study IDs, lot numbers).
  case value
  /// A calendar date (`YYYY-MM-DD`), written as days from the patient's enrollment.
  case day
  /// An age in years, written with the `90+` band.
  case age
  /// A birth year, written only when the age at enrollment is below 90.
  case birthYear
}

/// One column of an exported table.
public struct ExportColumn: Sendable, Equatable {
  /// The header and the name the store's query gives the raw value.
  public let name: String
  /// How the raw value is rewritten.
  public let kind: ExportColumnKind

  /// Creates a column.
  public init(_ name: String, _ kind: ExportColumnKind = .value) {
    self.name = name
    self.kind = kind
  }
}

/// The layout of one exported table: its file name and columns.
public struct ExportTableLayout: Sendable, Equatable {
  /// The file name without `.csv` (`patients`, `adverse_events` …).
  public let name: String
  /// The columns in order.
  public let columns: [ExportColumn]

  /// Creates a layout.
  public init(name: String, columns: [ExportColumn]) {
    self.name = name
    self.columns = columns
  }
}

/// A row as the store read it: raw values (PostgreSQL text) in the layout's column order, and
/// the patient's enrollment date and age at enrollment (nil for rows of no patient).
public struct ExportRawRow: Sendable, Equatable {
  /// The patient's enrollment date: day 0 of every date in the row.
  public let enrolledOn: CalendarDate?
  /// The patient's age at enrollment (for the birth-year rule).
  public let ageAtEnrollment: Int?
  /// Raw values in column order (nil: NULL).
  public let values: [String?]
  /// The latest audit row that wrote the record, when read with audit (nil: not read, or none).
  public let audit: ExportRawAudit?

  /// Creates a raw row.
  public init(
    enrolledOn: CalendarDate?, ageAtEnrollment: Int?, values: [String?],
    audit: ExportRawAudit? = nil
  ) {
    self.enrolledOn = enrolledOn
    self.ageAtEnrollment = ageAtEnrollment
    self.values = values
    self.audit = audit
  }
}

/// One de-identified table: a header and rows of text cells (an empty cell is no value).
public struct DeidentifiedTable: Sendable, Equatable {
  /// The file name without `.csv`.
  public let name: String
  /// Column names.
  public let header: [String]
  /// Cells, one array per row, in header order.
  public let rows: [[String]]

  /// Creates a table.
  public init(name: String, header: [String], rows: [[String]]) {
    self.name = name
    self.header = header
    self.rows = rows
  }
}

/// The tables of the de-identified export and the rewriting of raw rows into them.
///
/// What is left out by design: the identity schema (MRN, names, birth date, contact), every
/// free-text field (adverse-event terms, reasons, void and deviation reasons, the text as
/// entered, lot status reasons, screening failure details beyond the criterion names), voided
/// records, and lots' calendar dates (manufacture and expiry dates could anchor the patients'
/// relative days; the shelf life in days is given instead).
public enum DeidentifiedExport {
  /// Every exported table, in the order they are written.
  public static let layouts: [ExportTableLayout] = [
    ExportTableLayout(
      name: "patients",
      columns: [
        ExportColumn("study_id"), ExportColumn("protocol_version"), ExportColumn("site"),
        ExportColumn("sex"), ExportColumn("birth_year", .birthYear),
        ExportColumn("age_at_enrollment", .age), ExportColumn("arm"), ExportColumn("status"),
        ExportColumn("status_day", .day), ExportColumn("synthetic"),
      ]),
    ExportTableLayout(
      name: "screening",
      columns: [
        ExportColumn("screening_id"), ExportColumn("protocol_version"), ExportColumn("site"),
        ExportColumn("screened_day", .day), ExportColumn("eligible"),
        ExportColumn("failed_criteria"), ExportColumn("study_id"),
      ]),
    ExportTableLayout(
      name: "allocation",
      columns: [
        ExportColumn("study_id"), ExportColumn("stratum"), ExportColumn("position"),
        ExportColumn("arm"),
      ]),
    ExportTableLayout(
      name: "consents",
      columns: [
        ExportColumn("study_id"), ExportColumn("version"), ExportColumn("signed_day", .day),
        ExportColumn("withdrawn_day", .day),
      ]),
    ExportTableLayout(
      name: "assessments",
      columns: [
        ExportColumn("study_id"), ExportColumn("visit_code"), ExportColumn("assessed_day", .day),
        ExportColumn("out_of_window"), ExportColumn("sledai_descriptors"), ExportColumn("pga"),
        ExportColumn("bilag"), ExportColumn("eular_acr_items"), ExportColumn("ana_titer"),
        ExportColumn("upcr"), ExportColumn("creatinine"), ExportColumn("c3"), ExportColumn("c4"),
        ExportColumn("anti_dsdna"), ExportColumn("bilirubin"), ExportColumn("inr"),
        ExportColumn("sodium"), ExportColumn("albumin"), ExportColumn("dialysis"),
        ExportColumn("ascites"), ExportColumn("encephalopathy"), ExportColumn("sledai_2k"),
        ExportColumn("eular_acr_2019"), ExportColumn("meld"), ExportColumn("meld_na"),
        ExportColumn("meld_3"), ExportColumn("child_pugh"), ExportColumn("child_pugh_class"),
        ExportColumn("engine_version"),
      ]),
    ExportTableLayout(
      name: "infusions",
      columns: [
        ExportColumn("infusion_id"), ExportColumn("study_id"), ExportColumn("lot_number"),
        ExportColumn("infused_day", .day), ExportColumn("weight_kg"), ExportColumn("total_cells"),
        ExportColumn("dose_per_kg"), ExportColumn("route"),
      ]),
    ExportTableLayout(
      name: "lots",
      columns: [
        ExportColumn("lot_number"), ExportColumn("source"), ExportColumn("donor"),
        ExportColumn("product"), ExportColumn("passage"), ExportColumn("viability_pct"),
        ExportColumn("cd73_pct"), ExportColumn("cd90_pct"), ExportColumn("cd105_pct"),
        ExportColumn("cd45_pct"), ExportColumn("cd34_pct"), ExportColumn("cd14_pct"),
        ExportColumn("cd19_pct"), ExportColumn("hla_dr_pct"), ExportColumn("sterility"),
        ExportColumn("mycoplasma"), ExportColumn("endotoxin_eu_ml"),
        ExportColumn("shelf_life_days"), ExportColumn("status"),
      ]),
    ExportTableLayout(
      name: "adverse_events",
      columns: [
        ExportColumn("adverse_event_id"), ExportColumn("study_id"), ExportColumn("grade"),
        ExportColumn("serious"), ExportColumn("relatedness"), ExportColumn("onset_day", .day),
        ExportColumn("resolved_day", .day), ExportColumn("infusion_id"),
      ]),
    ExportTableLayout(
      name: "clinical_events",
      columns: [
        ExportColumn("study_id"), ExportColumn("kind"), ExportColumn("occurred_day", .day),
      ]),
  ]

  /// The de-identified audit stamp of a raw row (nil when it has no audit row): the time
  /// shifted to study time with the patient's enrollment as day 0 (for a row of no enrolled
  /// patient, a lot or a screening never enrolled, the UTC date of the record's first audit
  /// row), the reason withheld (coded kind of change only). Throws `.internal` for a raw time
  /// that is not `YYYY-MM-DDTHH:MM:SSZ` or a row with no day 0.
  public static func audit(_ raw: ExportRawRow, table: String) throws -> ExportAuditStamp? {
    guard let audit = raw.audit else { return nil }
    guard let dayZero = raw.enrolledOn ?? audit.firstOn,
      let time = Deidentification.studyTime(utc: audit.atUTC, dayZero: dayZero)
    else {
      throw RegistryError(.internal, field: "\(table).audit", "unexpected audit time or day 0")
    }
    let change: ExportAuditChange =
      switch audit.action {
      case "INSERT": .inserted
      case "DELETE": .deleted
      default: audit.voids ? .voided : .amended
      }
    return ExportAuditStamp(
      sourceID: audit.id, studyTime: time, user: audit.dbRole, site: audit.site, change: change)
  }

  /// Rewrites one raw row by its layout: dates to days from enrollment, ages banded, birth
  /// years dropped from 90 on. A date of a row without an enrollment date is left empty, never
  /// written as a date. Throws `.internal` for a raw value that is not what its kind needs.
  public static func row(_ raw: ExportRawRow, layout: ExportTableLayout) throws -> [String] {
    guard raw.values.count == layout.columns.count else {
      throw RegistryError(
        .internal, field: layout.name,
        "\(raw.values.count) values for \(layout.columns.count) columns")
    }
    return try zip(layout.columns, raw.values).map { column, value in
      guard let value else { return "" }
      func bad() -> RegistryError {
        RegistryError(.internal, field: "\(layout.name).\(column.name)", "unexpected raw value")
      }
      switch column.kind {
      case .value:
        return value
      case .day:
        guard let date = CalendarDate(iso: value) else { throw bad() }
        guard let enrolledOn = raw.enrolledOn else { return "" }
        return String(Deidentification.day(date, enrolledOn: enrolledOn))
      case .age:
        guard let age = Int(value) else { throw bad() }
        return Deidentification.age(age)
      case .birthYear:
        guard let year = Int(value) else { throw bad() }
        guard let age = raw.ageAtEnrollment else { return "" }
        return Deidentification.birthYear(year, ageAtEnrollment: age).map(String.init) ?? ""
      }
    }
  }
}
