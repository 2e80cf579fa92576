import RegistryDomain

/// Writes a de-identified export as a CDISC ODM 1.3.2 Snapshot, element by element as rows
/// arrive in subject order (`ExportService.stream(bySubject: true)`): Study (GlobalVariables,
/// BasicDefinitions with every measurement unit, a MetaDataVersion built from the protocol and
/// the export's tables), ReferenceData (screening log, lots) and ClinicalData with one
/// SubjectData per study ID. The audit chain head is named in `StudyDescription` and in the
/// ODM root's `Description`.
///
/// Records read with audit stamps (`ExportService.stream(withAudit: true)`) give every
/// ItemData an `AuditRecord` (`EditPoint="DBAudit"`): `UserRef` to the registry user (database
/// role) that wrote the record last, `LocationRef` to its site (`LOC.REGISTRY` for a lot),
/// `DateTimeStamp` in study time (`Deidentification.studyTime`), a coded `ReasonForChange`
/// for an amended or voided record (none for an insert; the reason itself is free text and
/// withheld) and `SourceID` = the `audit.log` row id; `AdminData` declares those users and
/// locations.
public final class ODMWriter: DeidentifiedExportSink {
  let output: (String) throws -> Void
  let creationDateTime: String
  var trial: TrialProtocol?
  var subject: String?
  var event: String?
  var form: String?
  var inReference = false
  var subjects = 0
  var eventRepeat = 0
  var visitCodes: Set<String> = []

  /// A writer handing text to `output` in order; `creationDateTime` is the file's
  /// (ISO 8601 UTC, the export time, not a patient's date).
  public init(creationDateTime: String, output: @escaping (String) throws -> Void) {
    self.creationDateTime = creationDateTime
    self.output = output
  }

  /// Number of SubjectData elements written so far.
  public var subjectCount: Int { subjects }

  static let mdv = "MDV.1"
  /// The location of a record of no site (a lot).
  static let registryLocation = "LOC.REGISTRY"
  /// What the file says about its audit records' times and contents.
  static let auditNote =
    "audit records: DateTimeStamp is study time: 2000-01-01T00:00:00Z is the patient's day 0 "
    + "(the enrollment date; for a record of no enrolled patient, a lot or a screening never "
    + "enrolled, the UTC date of the record's first audit row), the UTC time of day and every "
    + "interval kept, no real date; UserRef the registry user (database role) that wrote the "
    + "record last; LocationRef the patient's site; ReasonForChange a coded text (the reason "
    + "itself is withheld); SourceID the audit.log row id"
  static func userOID(_ role: String) -> String { "USR." + role }
  static func locationOID(_ site: String?) -> String {
    site.map { "LOC." + $0 } ?? registryLocation
  }
  static func studyOID(_ trial: TrialProtocol) -> String { "ST." + trial.code }

  /// Where each table's rows go: study event (nil: ReferenceData), form, item group.
  static func placement(_ table: String, visit: String?, visits: Set<String>)
    -> (event: String?, form: String)
  {
    let visit = visit.flatMap { visits.contains($0) ? $0 : nil }
    return switch table {
    case "patients", "consents", "allocation": ("SE.ENROLLMENT", "F.\(table.uppercased())")
    case "assessments": ("SE.VISIT." + oidPart(visit ?? "UNSCHEDULED"), "F.ASSESSMENTS")
    case "infusions": ("SE.TREATMENT", "F.INFUSIONS")
    case "adverse_events": ("SE.SAFETY", "F.ADVERSE_EVENTS")
    case "clinical_events": ("SE.EVENTS", "F.CLINICAL_EVENTS")
    default: (nil, "F.\(table.uppercased())")
    }
  }

  /// Measurement units by column (the registry's units, SPEC §2; UCUM symbols).
  static let units: [String: String] = [
    "creatinine": "mg/dL", "bilirubin": "mg/dL", "inr": "{INR}", "sodium": "mmol/L",
    "albumin": "g/dL", "upcr": "g/g", "c3": "mg/dL", "c4": "mg/dL", "anti_dsdna": "[IU]/mL",
    "weight_kg": "kg", "dose_per_kg": "{cells}/kg", "total_cells": "{cells}",
    "viability_pct": "%", "cd73_pct": "%", "cd90_pct": "%", "cd105_pct": "%", "cd45_pct": "%",
    "cd34_pct": "%", "cd14_pct": "%", "cd19_pct": "%", "hla_dr_pct": "%",
    "endotoxin_eu_ml": "[EU]/mL", "shelf_life_days": "d",
  ]
  static let integers: Set<String> = [
    "birth_year", "position", "grade", "passage", "shelf_life_days", "screening_id",
    "infusion_id", "adverse_event_id", "protocol_version", "sledai_2k", "eular_acr_2019",
    "meld", "meld_na", "meld_3", "child_pugh",
  ]
  static let floats: Set<String> = Set(units.keys).subtracting(integers).union(["ana_titer", "pga"])
  static let booleans: Set<String> = ["eligible", "out_of_window", "dialysis"]
  /// Coded columns and their code values (the database's CHECK constraints and the domain's
  /// enumerations); a column coded by the protocol takes its values from it.
  static func codeLists(_ trial: TrialProtocol) -> [(column: String, values: [String])] {
    let patientStatus = [
      "enrolled", "treated", "completed", "withdrawn", "died", "lost_to_follow_up",
    ]
    return [
      ("patients.sex", ["F", "M"]), ("patients.arm", trial.arms.map(\.code)),
      ("patients.status", patientStatus), ("allocation.arm", trial.arms.map(\.code)),
      ("assessments.visit_code", trial.visits.map(\.code)),
      ("assessments.ascites", ["none", "mild", "moderate_severe"]),
      ("assessments.encephalopathy", ["none", "grade1_2", "grade3_4"]),
      ("assessments.child_pugh_class", ["A", "B", "C"]),
      ("lots.donor", ["autologous", "allogeneic"]),
      ("lots.product", ["cells", "extracellular_vesicles"]),
      ("lots.sterility", ["negative", "positive"]), ("lots.mycoplasma", ["negative", "positive"]),
      ("lots.status", ["quarantine", "released", "rejected"]),
      ("adverse_events.grade", ["1", "2", "3", "4", "5"]),
      (
        "adverse_events.serious",
        [
          "death", "life_threatening", "hospitalisation", "disability", "congenital_anomaly",
          "important_medical_event",
        ]
      ),
      (
        "adverse_events.relatedness",
        ["unrelated", "unlikely", "possible", "probable", "definite"]
      ),
      ("clinical_events.kind", ClinicalEventKind.allCases.map(\.rawValue)),
    ]
  }

  static func oidPart(_ text: String) -> String {
    String(
      text.uppercased().unicodeScalars.map { s in
        (("A"..."Z").contains(s) || ("0"..."9").contains(s) || s == "_" || s == ".")
          ? Character(s) : "_"
      })
  }

  static func itemOID(_ table: String, _ column: String) -> String {
    "IT.\(oidPart(table)).\(oidPart(column))"
  }

  static func escape(_ text: String) -> String {
    var out = ""
    for scalar in text.unicodeScalars {
      switch scalar {
      case "&": out += "&amp;"
      case "<": out += "&lt;"
      case ">": out += "&gt;"
      case "\"": out += "&quot;"
      case "'": out += "&apos;"
      case let s where s.value < 0x20 && s != "\n" && s != "\t": out += "?"
      default: out.unicodeScalars.append(scalar)
      }
    }
    return out
  }

  static func text(_ tag: String, _ value: String) -> String {
    "<\(tag)>\(escape(value))</\(tag)>"
  }

  // MARK: - Sink

  /// Writes the root, Study and its MetaDataVersion.
  public func begin(_ header: StandardExportHeader) throws {
    let trial = header.trial
    self.trial = trial
    visitCodes = Set(trial.visits.map(\.code))
    let head =
      header.auditHead.map { "audit chain head \($0.chain)#\($0.id):\($0.hash)" }
      ?? "audit chain head: none"
    var x = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    x += "<ODM xmlns=\"http://www.cdisc.org/ns/odm/v1.3\" ODMVersion=\"1.3.2\""
    x += " FileType=\"Snapshot\" FileOID=\"MSCREG.\(Self.escape(trial.code))\""
    x += " CreationDateTime=\"\(creationDateTime)\" Granularity=\"All\""
    x += " Description=\"\(Self.escape("mscreg de-identified export; " + head))\""
    x += " Originator=\"mscreg\">\n"
    let study = Self.studyOID(trial)
    x += "<Study OID=\"\(Self.escape(study))\">\n<GlobalVariables>"
    x += Self.text("StudyName", trial.title)
    x += Self.text(
      "StudyDescription",
      "\(trial.title) (\(trial.condition.rawValue)); versions "
        + header.versions.map(String.init).joined(separator: ", ") + "; " + head
        + (header.auditUsers.isEmpty ? "" : "; " + Self.auditNote))
    x += Self.text("ProtocolName", trial.code)
    x += "</GlobalVariables>\n<BasicDefinitions>\n"
    for unit in Set(Self.units.values).sorted() {
      x += "<MeasurementUnit OID=\"MU.\(Self.oidPart(unit))\" Name=\"\(Self.escape(unit))\">"
      x += "<Symbol><TranslatedText>\(Self.escape(unit))</TranslatedText></Symbol>"
      x += "</MeasurementUnit>\n"
    }
    x += "</BasicDefinitions>\n"
    x += "<MetaDataVersion OID=\"\(Self.mdv)\" Name=\"\(Self.escape(trial.code)) export\">\n"
    // Study events: enrollment, one per scheduled visit, treatment, safety, survival events.
    var events: [(oid: String, name: String, repeating: Bool, type: String, forms: [String])] = [
      (
        "SE.ENROLLMENT", "Enrollment", false, "Scheduled",
        ["F.PATIENTS", "F.CONSENTS", "F.ALLOCATION"]
      )
    ]
    for visit in trial.visits {
      events.append(
        (
          "SE.VISIT." + Self.oidPart(visit.code), "Visit \(visit.code) (day \(visit.day))", false,
          "Scheduled", ["F.ASSESSMENTS"]
        ))
    }
    events += [
      ("SE.VISIT.UNSCHEDULED", "Unscheduled assessment", true, "Unscheduled", ["F.ASSESSMENTS"]),
      ("SE.TREATMENT", "MSC infusions", false, "Common", ["F.INFUSIONS"]),
      ("SE.SAFETY", "Adverse events", false, "Common", ["F.ADVERSE_EVENTS"]),
      ("SE.EVENTS", "Survival events", false, "Common", ["F.CLINICAL_EVENTS"]),
    ]
    x += "<Protocol>"
    for (index, event) in events.enumerated() {
      x += "<StudyEventRef StudyEventOID=\"\(event.oid)\" OrderNumber=\"\(index + 1)\""
      x += " Mandatory=\"\(index == 0 ? "Yes" : "No")\"/>"
    }
    x += "</Protocol>\n"
    for event in events {
      x += "<StudyEventDef OID=\"\(event.oid)\" Name=\"\(Self.escape(event.name))\""
      x += " Repeating=\"\(event.repeating ? "Yes" : "No")\" Type=\"\(event.type)\">"
      for form in event.forms { x += "<FormRef FormOID=\"\(form)\" Mandatory=\"No\"/>" }
      x += "</StudyEventDef>\n"
    }
    let layouts = DeidentifiedExport.layouts
    for layout in layouts {
      let oid = Self.oidPart(layout.name)
      x += "<FormDef OID=\"F.\(oid)\" Name=\"\(layout.name)\" Repeating=\"No\">"
      x += "<ItemGroupRef ItemGroupOID=\"IG.\(oid)\" Mandatory=\"Yes\"/></FormDef>\n"
    }
    for layout in layouts {
      let oid = Self.oidPart(layout.name)
      x += "<ItemGroupDef OID=\"IG.\(oid)\" Name=\"\(layout.name)\" Repeating=\"Yes\">"
      for (index, column) in layout.columns.enumerated() {
        x += "<ItemRef ItemOID=\"\(Self.itemOID(layout.name, column.name))\""
        x += " OrderNumber=\"\(index + 1)\" Mandatory=\"No\"/>"
      }
      x += "</ItemGroupDef>\n"
    }
    let coded = Set(Self.codeLists(trial).map(\.column))
    for layout in layouts {
      for column in layout.columns {
        let type: String =
          if column.kind == .day || Self.integers.contains(column.name) {
            "integer"
          } else if Self.floats.contains(column.name) {
            "float"
          } else if Self.booleans.contains(column.name) {
            "boolean"
          } else {
            "text"
          }
        x += "<ItemDef OID=\"\(Self.itemOID(layout.name, column.name))\""
        x += " Name=\"\(layout.name).\(column.name)\" DataType=\"\(type)\">"
        let description: String? =
          switch column.kind {
          case .day: "days from the patient's enrollment (day 0)"
          case .age: "age at enrollment in years, 90+ from 90 on"
          case .birthYear: "birth year, absent from age 90 on"
          case .value: nil
          }
        if let description {
          x += "<Description><TranslatedText>\(description)</TranslatedText></Description>"
        }
        if let unit = Self.units[column.name] {
          x += "<MeasurementUnitRef MeasurementUnitOID=\"MU.\(Self.oidPart(unit))\"/>"
        }
        if coded.contains("\(layout.name).\(column.name)") {
          x += "<CodeListRef CodeListOID=\"CL.\(Self.oidPart(layout.name + "." + column.name))\"/>"
        }
        x += "</ItemDef>\n"
      }
    }
    for list in Self.codeLists(trial) {
      x += "<CodeList OID=\"CL.\(Self.oidPart(list.column))\" Name=\"\(list.column)\""
      x += " DataType=\"\(list.column == "adverse_events.grade" ? "integer" : "text")\">"
      for value in list.values {
        x += "<EnumeratedItem CodedValue=\"\(Self.escape(value))\"/>"
      }
      x += "</CodeList>\n"
    }
    x += "</MetaDataVersion>\n</Study>\n"
    if !header.auditUsers.isEmpty {
      x += "<AdminData StudyOID=\"\(Self.escape(study))\">\n"
      for user in header.auditUsers {
        x += "<User OID=\"\(Self.escape(Self.userOID(user)))\">"
        x += Self.text("LoginName", user)
        x += Self.text("DisplayName", "\(user) (registry user, database role)")
        x += "</User>\n"
      }
      let locations =
        header.auditSites.map { (Self.locationOID($0), $0, "Site") }
        + [(Self.registryLocation, "registry (no site)", "Other")]
      for (oid, name, type) in locations {
        x += "<Location OID=\"\(Self.escape(oid))\" Name=\"\(Self.escape(name))\""
        x += " LocationType=\"\(type)\">"
        x += "<MetaDataVersionRef StudyOID=\"\(Self.escape(study))\""
        x += " MetaDataVersionOID=\"\(Self.mdv)\" EffectiveDate=\"2000-01-01\"/>"
        x += "</Location>\n"
      }
      x += "</AdminData>\n"
    }
    try output(x)
  }

  /// The `AuditRecord` of a stamp (study time, user, site, coded reason, audit row id).
  static func auditRecord(_ stamp: ExportAuditStamp) -> String {
    var x = "<AuditRecord EditPoint=\"DBAudit\">"
    x += "<UserRef UserOID=\"\(escape(userOID(stamp.user)))\"/>"
    x += "<LocationRef LocationOID=\"\(escape(locationOID(stamp.site)))\"/>"
    x += text("DateTimeStamp", stamp.studyTime)
    if let reason = stamp.change.codedReason { x += text("ReasonForChange", reason) }
    x += text("SourceID", String(stamp.sourceID))
    return x + "</AuditRecord>"
  }

  /// Writes one row as an ItemGroupData in ReferenceData or in its subject's ClinicalData.
  public func record(_ record: DeidentifiedRecord) throws {
    guard let trial else { return }
    let place = Self.placement(record.table, visit: record["visit_code"], visits: visitCodes)
    var x = ""
    if place.event == nil {
      if !inReference {
        x += "<ReferenceData StudyOID=\"\(Self.escape(Self.studyOID(trial)))\""
        x += " MetaDataVersionOID=\"\(Self.mdv)\">\n"
        inReference = true
      }
    } else {
      if inReference {
        x += "</ReferenceData>\n"
        inReference = false
      }
      if subject == nil && event == nil && subjects == 0 {
        x += "<ClinicalData StudyOID=\"\(Self.escape(Self.studyOID(trial)))\""
        x += " MetaDataVersionOID=\"\(Self.mdv)\">\n"
      }
      let sid = record["study_id"] ?? ""
      if record.table == "patients" || subject != sid {
        x += closeSubject()
        x += "<SubjectData SubjectKey=\"\(Self.escape(sid))\">\n"
        subject = sid
        subjects += 1
      }
      if event != place.event || record.table == "assessments" {
        x += closeEvent()
        eventRepeat += 1
        x += "<StudyEventData StudyEventOID=\"\(place.event ?? "")\""
        if place.event == "SE.VISIT.UNSCHEDULED" {
          x += " StudyEventRepeatKey=\"\(eventRepeat)\""
        }
        x += ">"
        event = place.event
      }
      if form != place.form {
        x += closeForm()
        x += "<FormData FormOID=\"\(place.form)\">"
        form = place.form
      }
    }
    let oid = Self.oidPart(record.table)
    let key =
      record["infusion_id"] ?? record["adverse_event_id"] ?? record["screening_id"]
      ?? record["lot_number"]
    x += "<ItemGroupData ItemGroupOID=\"IG.\(oid)\""
    if let key { x += " ItemGroupRepeatKey=\"\(Self.escape(key))\"" }
    x += ">"
    let audit = record.audit.map(Self.auditRecord)
    for (column, cell) in zip(record.layout.columns, record.cells) where !cell.isEmpty {
      x += "<ItemData ItemOID=\"\(Self.itemOID(record.table, column.name))\""
      x += " Value=\"\(Self.escape(cell))\""
      if let audit {
        x += ">" + audit + "</ItemData>"
      } else {
        x += "/>"
      }
    }
    x += "</ItemGroupData>\n"
    try output(x)
  }

  func closeForm() -> String {
    guard form != nil else { return "" }
    form = nil
    return "</FormData>"
  }

  func closeEvent() -> String {
    let formEnd = closeForm()
    guard event != nil else { return formEnd }
    event = nil
    return formEnd + "</StudyEventData>\n"
  }

  func closeSubject() -> String {
    let eventEnd = closeEvent()
    guard subject != nil else { return eventEnd }
    subject = nil
    return eventEnd + "</SubjectData>\n"
  }

  /// Closes every open element and the root.
  public func finish() throws {
    var x = ""
    if inReference { x += "</ReferenceData>\n" }
    if subjects > 0 { x += closeSubject() + "</ClinicalData>\n" }
    x += "</ODM>\n"
    try output(x)
  }
}
