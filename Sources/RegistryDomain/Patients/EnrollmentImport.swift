extension EnrollmentRequest {
  /// Builds a request from the options of `patient enroll` exactly as typed, validating each
  /// one; shared by `patient enroll` and `patient import` so both accept the same values.
  ///
  /// Throws `.refused` naming the option (`--birth-date`, `--bilirubin`, …). `enrolledOn` nil
  /// means `today`. Consent version and date go together.
  public static func parsing(
    protocolCode: String, site: String, mrn: String, given: String, family: String,
    birthDate: String, sex: String, consentVersion: String?, consentDate: String?,
    enrolledOn: String?, contact: String?, measures: RawMeasures, today: CalendarDate = .today()
  ) throws -> EnrollmentRequest {
    // One pass of the input rule over every text field, for `patient enroll` and each row of
    // `patient import` alike (measures are numbers and codes, refused by their own parsers).
    try InputText.check([
      ("protocol", protocolCode), ("site", site), ("mrn", mrn), ("given", given),
      ("family", family), ("birth_date", birthDate), ("sex", sex),
      ("consent_version", consentVersion), ("consent_date", consentDate),
      ("enrolled_on", enrolledOn), ("contact", contact),
    ])
    let identity = try PatientIdentity.validated(
      mrn: mrn, givenName: given, familyName: family, birthDate: birthDate, contact: contact,
      today: today)
    var consent: Consent?
    switch (consentVersion, consentDate) {
    case (nil, nil): consent = nil
    case (let version?, let date?):
      consent = Consent(
        version: try TextField.validated(version, field: "consent_version", maxLength: 40),
        signedOn: try TextField.date(date, field: "consent_date"))
    case (nil, _):
      throw RegistryError.refused(
        "consent_version", "give the consent form's version with its date")
    case (_, nil):
      throw RegistryError.refused("consent_date", "give the date consent was signed")
    }
    return EnrollmentRequest(
      protocolCode: protocolCode, site: site, identity: identity,
      sex: try Sex.parse(sex, field: "sex"), consent: consent,
      enrolledOn: try enrolledOn.map { try TextField.date($0, field: "enrolled_on") } ?? today,
      measures: try MeasureSet(parsing: measures))
  }
}

/// One candidate of a batch enrollment (`patient import`): the CSV line it came from and the
/// validated request.
public struct EnrollmentBatchRow: Sendable {
  /// Line of the file where the row starts (the header is line 1).
  public let line: Int
  /// The candidate.
  public let request: EnrollmentRequest

  /// Creates a row.
  public init(line: Int, request: EnrollmentRequest) {
    self.line = line
    self.request = request
  }
}

/// Reading a screening list for `patient import`: an RFC 4180 CSV whose header names the
/// options of `patient enroll` without dashes (`mrn`, `given`, `family`, `birth_date`, `sex`,
/// `consent_version`, `consent_date`, `enrolled_on`, `site`, `contact` and the measures:
/// `sledai_descriptors`, `eular_acr_items`, `ana_titer`, `pga`, `bilag`, `upcr`,
/// `creatinine`, `c3`, `c4`, `anti_dsdna`, `bilirubin`, `inr`, `sodium`, `albumin`,
/// `dialysis`, `ascites`, `encephalopathy`).
///
/// An empty cell means "not given". `dialysis` takes `true`/`false` (also `yes`/`no`, `1`/`0`).
/// The first problem is refused as `line N, column: rule` (exit 65), before anything is sent
/// to the database.
public enum EnrollmentImport {
  /// Columns a file must have.
  public static let requiredColumns = ["mrn", "given", "family", "birth_date", "sex"]
  /// Every column a file may have.
  public static let knownColumns: Set<String> = Set(
    requiredColumns + [
      "consent_version", "consent_date", "enrolled_on", "site", "contact", "sledai_descriptors",
      "eular_acr_items", "ana_titer", "pga", "bilag", "upcr", "creatinine", "c3", "c4",
      "anti_dsdna", "bilirubin", "inr", "sodium", "albumin", "dialysis", "ascites",
      "encephalopathy",
    ])

  /// Parses and validates every row of `csv` for `protocolCode`. A row without a `site` cell
  /// takes `defaultSite`; with neither, the row is refused.
  public static func rows(
    csv: String, protocolCode: String, defaultSite: String?, today: CalendarDate = .today()
  ) throws -> [EnrollmentBatchRow] {
    let records = try CSVRecords.parse(csv)
    guard let header = records.first else {
      throw RegistryError.refused("line 1, header", "the file is empty; expected a header line")
    }
    let columns = header.fields.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
    var seen: Set<String> = []
    for column in columns {
      guard knownColumns.contains(column) else {
        throw RegistryError.refused(
          "line 1, header",
          "unknown column \"\(column.prefix(40))\" (known: \(knownColumns.sorted().joined(separator: ", ")))"
        )
      }
      guard seen.insert(column).inserted else {
        throw RegistryError.refused("line 1, header", "column \(column) appears twice")
      }
    }
    for column in requiredColumns where !seen.contains(column) {
      throw RegistryError.refused("line 1, header", "the column \(column) is missing")
    }
    if !seen.contains("site") && defaultSite == nil {
      throw RegistryError.refused("line 1, header", "give a site column or --site")
    }
    var rows: [EnrollmentBatchRow] = []
    for record in records.dropFirst() {
      if record.fields.count == 1 && record.fields[0].isEmpty { continue }  // a blank line
      guard record.fields.count == columns.count else {
        throw RegistryError.refused(
          "line \(record.line)",
          "has \(record.fields.count) fields; the header has \(columns.count)")
      }
      var cell: [String: String] = [:]
      for (column, value) in zip(columns, record.fields) where !value.isEmpty {
        cell[column] = value
      }
      do {
        rows.append(
          EnrollmentBatchRow(
            line: record.line, request: try request(cell, protocolCode, defaultSite, today)))
      } catch var error as RegistryError {
        error.field = "line \(record.line), " + FieldSpelling.csvColumn(error.field)
        throw error
      }
    }
    guard !rows.isEmpty else {
      throw RegistryError.refused("file", "has a header but no rows to enroll")
    }
    return rows
  }

  /// One candidate from named cells: the file's columns (an empty cell is left out), or the
  /// fields of the registry service's `POST /patients`. Refusals name the option (`--mrn`).
  public static func request(
    cells: [String: String], protocolCode: String, defaultSite: String?,
    today: CalendarDate = .today()
  ) throws -> EnrollmentRequest {
    if let unknown = cells.keys.sorted().first(where: { !knownColumns.contains($0) }) {
      throw RegistryError.refused(unknown, "is not a field of an enrollment")
    }
    return try request(cells, protocolCode, defaultSite, today)
  }

  private static func request(
    _ cell: [String: String], _ protocolCode: String, _ defaultSite: String?,
    _ today: CalendarDate
  ) throws -> EnrollmentRequest {
    func required(_ column: String) throws -> String {
      guard let value = cell[column] else {
        throw RegistryError.refused(column, "is required")
      }
      return value
    }
    var dialysis = false
    if let text = cell["dialysis"] {
      switch text.trimmingCharacters(in: .whitespaces).lowercased() {
      case "true", "yes", "1": dialysis = true
      case "false", "no", "0": dialysis = false
      default:
        throw RegistryError.refused(
          "dialysis", "\"\(text.prefix(40))\" is not true or false (yes/no, 1/0)")
      }
    }
    guard let site = cell["site"] ?? defaultSite else {
      throw RegistryError.refused("site", "is required (a site cell or --site)")
    }
    let measures = RawMeasures(
      sledaiDescriptors: cell["sledai_descriptors"], eularAcrItems: cell["eular_acr_items"],
      anaTiter: cell["ana_titer"], pga: cell["pga"], bilag: cell["bilag"], upcr: cell["upcr"],
      creatinine: cell["creatinine"], c3: cell["c3"], c4: cell["c4"],
      antiDsdna: cell["anti_dsdna"], bilirubin: cell["bilirubin"], inr: cell["inr"],
      sodium: cell["sodium"], albumin: cell["albumin"], ascites: cell["ascites"],
      encephalopathy: cell["encephalopathy"], dialysis: dialysis)
    return try EnrollmentRequest.parsing(
      protocolCode: protocolCode, site: site, mrn: try required("mrn"),
      given: try required("given"), family: try required("family"),
      birthDate: try required("birth_date"), sex: try required("sex"),
      consentVersion: cell["consent_version"], consentDate: cell["consent_date"],
      enrolledOn: cell["enrolled_on"], contact: cell["contact"], measures: measures, today: today)
  }
}

/// A minimal RFC 4180 reader: comma-separated, `"` quotes (doubled inside), CRLF or LF.
enum CSVRecords {
  struct Record {
    /// Line where the record starts (1-based).
    let line: Int
    let fields: [String]
  }

  static func parse(_ text: String) throws -> [Record] {
    var records: [Record] = []
    var fields: [String] = []
    var field = ""
    var line = 1
    var start = 1
    var quoted = false
    var afterQuote = false
    var scalars = text.unicodeScalars.makeIterator()
    var pending: Unicode.Scalar? = nil
    func next() -> Unicode.Scalar? {
      if let p = pending {
        pending = nil
        return p
      }
      return scalars.next()
    }
    func endRecord() {
      fields.append(field)
      records.append(Record(line: start, fields: fields))
      fields = []
      field = ""
      afterQuote = false
    }
    var any = false
    while let c = next() {
      any = true
      if quoted {
        if c == "\"" {
          if let n = next() {
            if n == "\"" {
              field.unicodeScalars.append("\"")
            } else {
              quoted = false
              afterQuote = true
              pending = n
            }
          } else {
            quoted = false
            afterQuote = true
          }
        } else {
          if c == "\n" { line += 1 }
          field.unicodeScalars.append(c)
        }
        continue
      }
      switch c {
      case ",":
        fields.append(field)
        field = ""
        afterQuote = false
      case "\r":
        continue
      case "\n":
        endRecord()
        line += 1
        start = line
        any = false
      case "\"":
        guard field.isEmpty && !afterQuote else {
          throw RegistryError.refused(
            "line \(line)", "a quote inside an unquoted field (RFC 4180: quote the whole field)")
        }
        quoted = true
      default:
        guard !afterQuote else {
          throw RegistryError.refused("line \(line)", "text after a closing quote")
        }
        field.unicodeScalars.append(c)
      }
    }
    if quoted {
      throw RegistryError.refused("line \(start)", "a quoted field is not closed")
    }
    if any || !fields.isEmpty || !field.isEmpty { endRecord() }
    return records
  }
}
