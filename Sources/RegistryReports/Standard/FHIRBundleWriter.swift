import RegistryDomain

/// Writes a de-identified export as one HL7 FHIR R4 Bundle of type `collection`, entry by
/// entry as rows arrive (`DeidentifiedExportSink`): nothing but the set of exported infusion
/// ids is kept between rows.
///
/// Resources: ResearchStudy (the protocol, its arms); per patient a Patient (study ID only,
/// birth year below 90, sex) and a ResearchSubject (arm, status, site, status day); Consent;
/// an Observation per recorded measure and stored score of each assessment (LOINC where
/// one exists, else `urn:mscreg:measure`; UCUM units); Procedure per infusion (lot, dose
/// per kg); BiologicallyDerivedProduct per lot (source, donor, product, characterization);
/// AdverseEvent (seriousness, CTCAE grade, causality to the infusion); an Observation per
/// survival event. No calendar date: days from enrollment go in the
/// `urn:mscreg:extension:study-day` extension. The audit chain head is the Bundle's
/// identifier (`urn:mscreg:audit-chain-head`, `audit.log#ID:HASH`).
public final class FHIRBundleWriter: DeidentifiedExportSink {
  /// The base of every entry's fullUrl (a reserved, never-resolving host: RFC 2606).
  public static let base = "http://mscreg.invalid/fhir/"
  /// Prefix of the registry's own code systems and extensions.
  public static let registry = "urn:mscreg:"

  let output: (String) throws -> Void
  var entries = 0
  var studyID = ""
  var infusions = Set<String>()
  var observations = 0
  var consents = 0

  /// A writer that hands text to `output` in order (the caller buffers and writes it).
  public init(output: @escaping (String) throws -> Void) { self.output = output }

  /// Number of entries written so far.
  public var entryCount: Int { entries }

  // MARK: - Sink

  /// Writes the Bundle's opening, its audit identifier and the ResearchStudy.
  public func begin(_ header: StandardExportHeader) throws {
    let trial = header.trial
    studyID = "study-" + Self.id(trial.code)
    var bundle: [(String, FHIRJSON)] = [
      ("resourceType", .string("Bundle")), ("id", .string("mscreg-export-" + Self.id(trial.code))),
    ]
    if let head = header.auditHead {
      bundle.append(
        (
          "identifier",
          .object([
            ("system", .string(Self.registry + "audit-chain-head")),
            ("value", .string("\(head.chain)#\(head.id):\(head.hash)")),
          ])
        ))
    }
    bundle.append(("type", .string("collection")))
    var text = FHIRJSON.object(bundle).text
    text.removeLast()
    try output(text + ",\"entry\":[\n")
    let arms: [FHIRJSON] = trial.arms.map { arm in
      .object([
        ("name", .string(arm.code)),
        ("type", Self.concept("arm-type", arm.receivesMSC ? "msc" : "control")),
      ])
    }
    try entry(
      "ResearchStudy", studyID,
      [
        (
          "identifier",
          .array(
            [Self.identifier("protocol", trial.code)]
              + header.versions.map { Self.identifier("protocol-version", "\(trial.code) v\($0)") })
        ),
        ("title", .string(trial.title)), ("status", .string("active")),
        ("condition", .array([Self.concept("condition", trial.condition.rawValue)])),
        ("arm", .array(arms)),
      ])
  }

  /// Writes the resources of one row.
  public func record(_ record: DeidentifiedRecord) throws {
    switch record.table {
    case "patients": try patient(record)
    case "consents": try consent(record)
    case "assessments": try assessment(record)
    case "infusions": try infusion(record)
    case "lots": try lot(record)
    case "adverse_events": try adverseEvent(record)
    case "clinical_events": try clinicalEvent(record)
    default: return  // screening and allocation: in the CSV and ODM exports only
    }
  }

  /// Closes the Bundle.
  public func finish() throws { try output("\n]}\n") }

  // MARK: - Resources

  func patient(_ r: DeidentifiedRecord) throws {
    let sid = try Self.required(r, "study_id")
    var patient: [(String, FHIRJSON)] = [
      ("identifier", .array([Self.identifier("study-id", sid)]))
    ]
    if let age = r["age_at_enrollment"] {
      patient.insert(
        (
          "extension",
          .array([
            .object([
              ("url", .string(Self.registry + "extension:age-at-enrollment")),
              ("valueString", .string(age)),
            ])
          ])
        ), at: 0)
    }
    let gender: String =
      switch r["sex"] {
      case "F": "female"
      case "M": "male"
      case nil: "unknown"
      default: "other"
      }
    patient.append(("gender", .string(gender)))
    if let year = r["birth_year"] { patient.append(("birthDate", .string(year))) }
    try entry("Patient", Self.id(sid), patient)

    let status: String =
      switch r["status"] {
      case "enrolled": "on-study"
      case "treated": "on-study-intervention"
      case "withdrawn": "withdrawn"
      default: "off-study"
      }
    var extensions: [FHIRJSON] = []
    if let code = r["status"] { extensions.append(Self.codeExtension("patient-status", code)) }
    if let site = r["site"] { extensions.append(Self.codeExtension("site", site)) }
    if let version = r["protocol_version"] {
      extensions.append(Self.codeExtension("protocol-version", version))
    }
    if let day = r["status_day"] {
      extensions.append(try Self.dayExtension(day, name: "status-day"))
    }
    var subject: [(String, FHIRJSON)] = [
      ("extension", .array(extensions)),
      ("identifier", .array([Self.identifier("study-id", sid)])),
      ("status", .string(status)), ("study", Self.reference("ResearchStudy", studyID)),
      ("individual", Self.reference("Patient", Self.id(sid))),
    ]
    if let arm = r["arm"] { subject.append(("assignedArm", .string(arm))) }
    try entry("ResearchSubject", "rs-" + Self.id(sid), subject)
  }

  func consent(_ r: DeidentifiedRecord) throws {
    let sid = try Self.required(r, "study_id")
    consents += 1
    var extensions: [FHIRJSON] = []
    if let day = r["signed_day"] { extensions.append(try Self.dayExtension(day)) }
    if let day = r["withdrawn_day"] {
      extensions.append(try Self.dayExtension(day, name: "withdrawn-day"))
    }
    var consent: [(String, FHIRJSON)] = []
    if !extensions.isEmpty { consent.append(("extension", .array(extensions))) }
    consent += [
      ("status", .string(r["withdrawn_day"] == nil ? "active" : "inactive")),
      (
        "scope",
        .object([
          (
            "coding",
            .array([
              .object([
                ("system", .string("http://terminology.hl7.org/CodeSystem/consentscope")),
                ("code", .string("research")),
              ])
            ])
          )
        ])
      ),
      (
        "category",
        .array([
          .object([
            (
              "coding",
              .array([
                .object([
                  (
                    "system",
                    .string("http://terminology.hl7.org/CodeSystem/consentcategorycodes")
                  ),
                  ("code", .string("research")),
                ])
              ])
            )
          ])
        ])
      ),
      ("patient", Self.reference("Patient", Self.id(sid))),
    ]
    if let version = r["version"] {
      consent.append(("policyRule", Self.concept("consent-version", version)))
    }
    try entry("Consent", "consent-\(consents)", consent)
  }

  /// LOINC codes and UCUM units of the measures (the registry's units, SPEC §2).
  static let loinc: [String: (code: String, display: String)] = [
    "creatinine": ("2160-0", "Creatinine [Mass/volume] in Serum or Plasma"),
    "bilirubin": ("1975-2", "Bilirubin.total [Mass/volume] in Serum or Plasma"),
    "inr": ("6301-6", "INR in Platelet poor plasma by Coagulation assay"),
    "sodium": ("2951-2", "Sodium [Moles/volume] in Serum or Plasma"),
    "albumin": ("1751-7", "Albumin [Mass/volume] in Serum or Plasma"),
    "upcr": ("2890-2", "Protein/Creatinine [Mass Ratio] in Urine"),
    "c3": ("4485-9", "Complement C3 [Mass/volume] in Serum or Plasma"),
    "c4": ("4498-2", "Complement C4 [Mass/volume] in Serum or Plasma"),
  ]
  static let units: [String: String] = [
    "creatinine": "mg/dL", "bilirubin": "mg/dL", "inr": "{INR}", "sodium": "mmol/L",
    "albumin": "g/dL", "upcr": "g/g", "c3": "mg/dL", "c4": "mg/dL", "anti_dsdna": "[IU]/mL",
    "ana_titer": "{titer}", "pga": "{score}", "sledai_2k": "{score}",
    "eular_acr_2019": "{score}", "meld": "{score}", "meld_na": "{score}", "meld_3": "{score}",
    "child_pugh": "{score}",
  ]
  static let quantities = [
    "upcr", "creatinine", "c3", "c4", "anti_dsdna", "bilirubin", "inr", "sodium", "albumin",
    "ana_titer", "pga", "sledai_2k", "eular_acr_2019", "meld", "meld_na", "meld_3", "child_pugh",
  ]
  static let scores: Set<String> = [
    "sledai_2k", "eular_acr_2019", "meld", "meld_na", "meld_3", "child_pugh", "child_pugh_class",
  ]

  func assessment(_ r: DeidentifiedRecord) throws {
    let sid = try Self.required(r, "study_id")
    var common: [FHIRJSON] = []
    if let day = r["assessed_day"] { common.append(try Self.dayExtension(day)) }
    if let visit = r["visit_code"] { common.append(Self.codeExtension("visit", visit)) }
    if let out = r["out_of_window"] {
      common.append(
        .object([
          ("url", .string(Self.registry + "extension:out-of-window")),
          ("valueBoolean", .bool(out == "true")),
        ]))
    }
    func observation(_ measure: String, _ value: (String, FHIRJSON)) throws {
      var ext = common
      if Self.scores.contains(measure), let engine = r["engine_version"] {
        ext.append(Self.codeExtension("engine-version", engine))
      }
      try self.observation(
        sid: sid, measure: measure, extensions: ext,
        category: Self.scores.contains(measure) ? "survey" : "laboratory", value: value)
    }
    for measure in Self.quantities {
      guard let text = r[measure] else { continue }
      let unit = Self.units[measure] ?? "1"
      try observation(
        measure,
        (
          "valueQuantity",
          .object([
            ("value", try FHIRJSON.decimal(text, field: "assessments.\(measure)")),
            ("unit", .string(unit)), ("system", .string("http://unitsofmeasure.org")),
            ("code", .string(unit)),
          ])
        ))
    }
    for measure in ["child_pugh_class", "ascites", "encephalopathy"] {
      guard let code = r[measure] else { continue }
      try observation(measure, ("valueCodeableConcept", Self.concept(measure, code)))
    }
    if let dialysis = r["dialysis"] {
      try observation("dialysis", ("valueBoolean", .bool(dialysis == "true")))
    }
    for measure in ["sledai_descriptors", "eular_acr_items", "bilag"] {
      guard let list = r[measure] else { continue }
      let components: [FHIRJSON] = list.split(separator: ";").map { item in
        let parts = item.split(separator: "=", maxSplits: 1).map(String.init)
        if parts.count == 2 {
          return .object([
            ("code", Self.concept(measure + "-domain", parts[0])),
            ("valueCodeableConcept", Self.concept(measure + "-grade", parts[1])),
          ])
        }
        return .object([
          ("code", Self.concept(measure, String(item))), ("valueBoolean", .bool(true)),
        ])
      }
      try self.observation(
        sid: sid, measure: measure, extensions: common, category: "survey", value: nil,
        components: components)
    }
  }

  func observation(
    sid: String, measure: String, extensions: [FHIRJSON], category: String,
    value: (String, FHIRJSON)?, components: [FHIRJSON] = []
  ) throws {
    observations += 1
    var codings: [FHIRJSON] = []
    if let loinc = Self.loinc[measure] {
      codings.append(
        .object([
          ("system", .string("http://loinc.org")), ("code", .string(loinc.code)),
          ("display", .string(loinc.display)),
        ]))
    }
    codings.append(
      .object([("system", .string(Self.registry + "measure")), ("code", .string(measure))]))
    var resource: [(String, FHIRJSON)] = []
    if !extensions.isEmpty { resource.append(("extension", .array(extensions))) }
    resource += [
      ("status", .string("final")),
      (
        "category",
        .array([
          .object([
            (
              "coding",
              .array([
                .object([
                  (
                    "system",
                    .string("http://terminology.hl7.org/CodeSystem/observation-category")
                  ),
                  ("code", .string(category)),
                ])
              ])
            )
          ])
        ])
      ),
      ("code", .object([("coding", .array(codings))])),
      ("subject", Self.reference("Patient", Self.id(sid))),
    ]
    if let value { resource.append(value) }
    if !components.isEmpty { resource.append(("component", .array(components))) }
    try entry("Observation", "obs-\(observations)", resource)
  }

  func infusion(_ r: DeidentifiedRecord) throws {
    let id = try Self.required(r, "infusion_id")
    let sid = try Self.required(r, "study_id")
    infusions.insert(id)
    var ext: [FHIRJSON] = []
    if let day = r["infused_day"] { ext.append(try Self.dayExtension(day)) }
    if let dose = r["dose_per_kg"] {
      ext.append(
        try Self.quantityExtension("dose-per-kg", dose, unit: "{cells}/kg", field: "dose_per_kg"))
    }
    if let cells = r["total_cells"] {
      ext.append(
        try Self.quantityExtension("total-cells", cells, unit: "{cells}", field: "total_cells"))
    }
    if let weight = r["weight_kg"] {
      ext.append(try Self.quantityExtension("weight", weight, unit: "kg", field: "weight_kg"))
    }
    if let route = r["route"] { ext.append(Self.codeExtension("route", route)) }
    var procedure: [(String, FHIRJSON)] = [
      ("extension", .array(ext)), ("status", .string("completed")),
      ("code", Self.concept("procedure", "msc-infusion")),
      ("subject", Self.reference("Patient", Self.id(sid))),
    ]
    if let lot = r["lot_number"] {
      procedure.append(
        ("usedReference", .array([Self.reference("BiologicallyDerivedProduct", Self.lotID(lot))])))
    }
    try entry("Procedure", "infusion-" + Self.id(id), procedure)
  }

  static let lotDecimals = [
    "viability_pct", "cd73_pct", "cd90_pct", "cd105_pct", "cd45_pct", "cd34_pct", "cd14_pct",
    "cd19_pct", "hla_dr_pct", "endotoxin_eu_ml", "passage", "shelf_life_days",
  ]

  func lot(_ r: DeidentifiedRecord) throws {
    let number = try Self.required(r, "lot_number")
    var characterization: [FHIRJSON] = []
    for column in Self.lotDecimals {
      guard let text = r[column] else { continue }
      characterization.append(
        .object([
          ("url", .string(column)),
          ("valueDecimal", try FHIRJSON.decimal(text, field: "lots.\(column)")),
        ]))
    }
    for column in ["sterility", "mycoplasma", "status"] {
      guard let code = r[column] else { continue }
      characterization.append(.object([("url", .string(column)), ("valueCode", .string(code))]))
    }
    var ext: [FHIRJSON] = [
      .object([
        ("url", .string(Self.registry + "extension:lot-characterization")),
        ("extension", .array(characterization)),
      ])
    ]
    if let source = r["source"] { ext.append(Self.codeExtension("tissue-source", source)) }
    if let donor = r["donor"] { ext.append(Self.codeExtension("donor-type", donor)) }
    let product = r["product"] ?? "cells"
    try entry(
      "BiologicallyDerivedProduct", Self.lotID(number),
      [
        ("extension", .array(ext)),
        ("identifier", .array([Self.identifier("lot-number", number)])),
        ("productCategory", .string(product == "cells" ? "cells" : "biologicalAgent")),
        ("productCode", Self.concept("msc-product", product)),
        ("status", .string(r["status"] == "released" ? "available" : "unavailable")),
      ])
  }

  func adverseEvent(_ r: DeidentifiedRecord) throws {
    let id = try Self.required(r, "adverse_event_id")
    let sid = try Self.required(r, "study_id")
    var ext: [FHIRJSON] = []
    if let day = r["onset_day"] { ext.append(try Self.dayExtension(day)) }
    if let day = r["resolved_day"] { ext.append(try Self.dayExtension(day, name: "resolved-day")) }
    let grade = r["grade"].flatMap { Int($0) }
    if let text = r["grade"] {
      ext.append(
        .object([
          ("url", .string(Self.registry + "extension:ctcae-grade")),
          ("valueInteger", try FHIRJSON.decimal(text, field: "adverse_events.grade")),
        ]))
    }
    if let relatedness = r["relatedness"] {
      ext.append(Self.codeExtension("relatedness", relatedness))
    }
    var codings: [FHIRJSON] = [
      .object([
        ("system", .string("http://terminology.hl7.org/CodeSystem/adverse-event-seriousness")),
        ("code", .string(r["serious"] == nil ? "non-serious" : "serious")),
      ])
    ]
    if let criterion = r["serious"] {
      codings.append(
        .object([
          ("system", .string(Self.registry + "seriousness-criterion")),
          ("code", .string(criterion)),
        ]))
    }
    var event: [(String, FHIRJSON)] = [
      ("extension", .array(ext)), ("actuality", .string("actual")),
      ("subject", Self.reference("Patient", Self.id(sid))),
      ("seriousness", .object([("coding", .array(codings))])),
    ]
    if let grade {
      let severity = grade <= 1 ? "mild" : grade == 2 ? "moderate" : "severe"
      event.append(
        (
          "severity",
          .object([
            (
              "coding",
              .array([
                .object([
                  (
                    "system",
                    .string("http://terminology.hl7.org/CodeSystem/adverse-event-severity")
                  ),
                  ("code", .string(severity)),
                ])
              ])
            )
          ])
        ))
      let outcome = grade == 5 ? "fatal" : r["resolved_day"] == nil ? "ongoing" : "resolved"
      event.append(
        (
          "outcome",
          .object([
            (
              "coding",
              .array([
                .object([
                  (
                    "system",
                    .string("http://terminology.hl7.org/CodeSystem/adverse-event-outcome")
                  ),
                  ("code", .string(outcome)),
                ])
              ])
            )
          ])
        ))
    }
    if let infusion = r["infusion_id"], infusions.contains(infusion) {
      var suspect: [(String, FHIRJSON)] = [
        ("instance", Self.reference("Procedure", "infusion-" + Self.id(infusion)))
      ]
      if let relatedness = r["relatedness"] {
        suspect.append(
          (
            "causality",
            .array([.object([("assessment", Self.concept("relatedness", relatedness))])])
          ))
      }
      event.append(("suspectEntity", .array([.object(suspect)])))
    }
    event.append(("study", .array([Self.reference("ResearchStudy", studyID)])))
    try entry("AdverseEvent", "ae-" + Self.id(id), event)
  }

  func clinicalEvent(_ r: DeidentifiedRecord) throws {
    let sid = try Self.required(r, "study_id")
    var ext: [FHIRJSON] = []
    if let day = r["occurred_day"] { ext.append(try Self.dayExtension(day)) }
    try observation(
      sid: sid, measure: "survival-event", extensions: ext, category: "survey",
      value: ("valueCodeableConcept", Self.concept("clinical-event", r["kind"] ?? "unknown")))
  }

  // MARK: - Helpers

  func entry(_ type: String, _ id: String, _ members: [(String, FHIRJSON)]) throws {
    let resource = FHIRJSON.object(
      [("resourceType", .string(type)), ("id", .string(id))] + members)
    let entry = FHIRJSON.object([
      ("fullUrl", .string(Self.base + type + "/" + id)), ("resource", resource),
    ])
    try output((entries == 0 ? "" : ",\n") + entry.text)
    entries += 1
  }

  /// A FHIR id from a registry key: letters, digits, `-` and `.` (others become `-`).
  static func id(_ key: String) -> String {
    String(
      String.UnicodeScalarView(
        key.unicodeScalars.map { scalar in
          (scalar.isASCII
            && (("A"..."Z").contains(scalar) || ("a"..."z").contains(scalar)
              || ("0"..."9").contains(scalar) || scalar == "-" || scalar == "."))
            ? scalar : "-"
        }
      ).prefix(64))
  }

  static func lotID(_ lot: String) -> String { "lot-" + id(lot) }

  static func required(_ r: DeidentifiedRecord, _ column: String) throws -> String {
    guard let value = r[column] else {
      throw RegistryError(.internal, field: "\(r.table).\(column)", "is empty")
    }
    return value
  }

  static func reference(_ type: String, _ id: String) -> FHIRJSON {
    .object([("reference", .string(type + "/" + id))])
  }

  static func identifier(_ system: String, _ value: String) -> FHIRJSON {
    .object([("system", .string(registry + system)), ("value", .string(value))])
  }

  static func concept(_ system: String, _ code: String) -> FHIRJSON {
    .object([
      (
        "coding",
        .array([.object([("system", .string(registry + system)), ("code", .string(code))])])
      )
    ])
  }

  static func codeExtension(_ name: String, _ code: String) -> FHIRJSON {
    .object([("url", .string(registry + "extension:" + name)), ("valueCode", .string(code))])
  }

  static func dayExtension(_ day: String, name: String = "study-day") throws -> FHIRJSON {
    .object([
      ("url", .string(registry + "extension:" + name)),
      ("valueInteger", try FHIRJSON.decimal(day, field: name)),
    ])
  }

  static func quantityExtension(_ name: String, _ value: String, unit: String, field: String)
    throws -> FHIRJSON
  {
    .object([
      ("url", .string(registry + "extension:" + name)),
      (
        "valueQuantity",
        .object([
          ("value", try FHIRJSON.decimal(value, field: field)), ("unit", .string(unit)),
          ("system", .string("http://unitsofmeasure.org")), ("code", .string(unit)),
        ])
      ),
    ])
  }
}
