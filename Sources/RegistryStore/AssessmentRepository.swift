import Foundation
import PostgresClient
import RegistryDomain

/// SQL for `registry.assessment`: inputs as entered (and in conventional units) beside the
/// scores the domain engine derived from them.
public struct AssessmentRepository {
  let store: Store

  /// A repository over an open store.
  public init(_ store: Store) { self.store = store }

  static let columns = """
    id, study_id, visit_code, assessed_on, sledai_descriptors, pga::text AS pga, bilag,
    eular_acr_items, ana_titer, upcr, creatinine, c3, c4, anti_dsdna, bilirubin, inr, sodium,
    albumin, dialysis, ascites, encephalopathy, entered, sledai_2k, eular_acr_2019, meld,
    meld_na, meld_3, child_pugh, child_pugh_class, engine_version, out_of_window,
    deviation_reason, voided_at IS NOT NULL AS voided, void_reason
    """

  /// Inserts an assessment; returns its id. A second live assessment of the same visit is
  /// refused by the database (`assessment_one_per_visit`). A `deviationReason` marks the
  /// assessment out of window (a protocol deviation).
  @discardableResult
  public func insert(
    studyID: String, visit: String, on date: CalendarDate, measures m: MeasureSet,
    scores: DerivedScores, deviationReason: String? = nil
  ) throws -> Int64 {
    let row: [(column: String, value: any PostgresEncodable)] =
      [("study_id", studyID), ("visit_code", visit)]
      + (try Self.recordedValues(on: date, m, scores: scores, deviationReason: deviationReason))
    let columns = row.map(\.column).joined(separator: ", ")
    return try store.mapped {
      try store.query(
        """
        INSERT INTO registry.assessment (\(unescaped: columns))
        VALUES (\(list: row.map(\.value)))
        RETURNING id
        """
      ).rows[0].decode("id")
    }
  }

  /// Replaces the date, every measure and every score of an assessment (an amendment; the
  /// audit trigger keeps the old row). The caller's transaction carries the reason.
  public func update(
    id: Int64, on date: CalendarDate, measures m: MeasureSet, scores: DerivedScores,
    deviationReason: String?
  ) throws {
    let assignments = try Self.recordedValues(
      on: date, m, scores: scores, deviationReason: deviationReason
    ).map { column, value -> PostgresQuery in "\(unescaped: column) = \(value)" }
    try store.mapped {
      try store.query(
        """
        UPDATE registry.assessment SET \(PostgresQuery.joined(assignments, separator: ", "))
        WHERE id = \(id)
        """)
    }
  }

  /// Marks an assessment voided (entered in error) with a reason; it stays in the table and
  /// the audit trail, and a new assessment of the visit may be recorded.
  public func void(id: Int64, reason: String) throws {
    try store.mapped {
      try store.query(
        "UPDATE registry.assessment SET voided_at = now(), void_reason = \(reason) WHERE id = \(id)"
      )
    }
  }

  /// The live (not voided) assessment of a patient's visit, or nil.
  public func find(studyID: String, visit: String, forUpdate: Bool = false) throws -> Assessment? {
    try store.mapped {
      try store.query(
        """
        SELECT \(unescaped: Self.columns) FROM registry.assessment
        WHERE study_id = \(studyID) AND visit_code = \(visit) AND voided_at IS NULL
        \(unescaped: forUpdate ? "FOR UPDATE" : "")
        """
      ).rows.first.map(Self.assessment)
    }
  }

  /// A patient's assessments by date (voided ones only when `includeVoided`).
  public func list(studyID: String, includeVoided: Bool = false) throws -> [Assessment] {
    try store.mapped {
      try store.query(
        """
        SELECT \(unescaped: Self.columns) FROM registry.assessment
        WHERE study_id = \(studyID) AND (\(includeVoided) OR voided_at IS NULL)
        ORDER BY assessed_on, id
        """
      ).rows.map(Self.assessment)
    }
  }

  /// The visit codes with a live assessment, per study ID, for patients of a protocol code
  /// and site (nil: all).
  public func assessedVisits(protocolCode: String?, site: String?) throws -> [String: Set<String>] {
    try store.mapped {
      var out: [String: Set<String>] = [:]
      for row in try store.query(
        """
        SELECT a.study_id, a.visit_code FROM registry.assessment a
        JOIN registry.patient p ON p.study_id = a.study_id
        WHERE a.voided_at IS NULL AND (\(protocolCode)::text IS NULL OR p.protocol_code = \(protocolCode))
          AND (\(site)::text IS NULL OR p.site_code = \(site))
        """
      ).rows {
        out[try row.decode("study_id"), default: []].insert(try row.decode("visit_code"))
      }
      return out
    }
  }

  /// The latest date of a live assessment of a patient, or nil.
  public func latestDate(studyID: String) throws -> CalendarDate? {
    try store.mapped {
      try store.query(
        """
        SELECT max(assessed_on) AS latest FROM registry.assessment
        WHERE study_id = \(studyID) AND voided_at IS NULL
        """
      ).rows[0].decode("latest")
    }
  }

  /// What an insert writes and an update replaces, column by column: the date, the measure
  /// columns, `entered`, the scores, the engine version and the deviation.
  static func recordedValues(
    on date: CalendarDate, _ m: MeasureSet, scores: DerivedScores, deviationReason: String?
  ) throws -> [(column: String, value: any PostgresEncodable)] {
    let bilag: PostgresJSON? = try m.bilag.map { b in
      try PostgresJSON(
        encoding: Dictionary(
          uniqueKeysWithValues: b.grades.map { ($0.key.rawValue, $0.value.rawValue) }))
    }
    return [
      ("assessed_on", date),
      ("sledai_descriptors", m.sledai2k.map { PostgresArray($0.descriptors.map { $0.rawValue }) }),
      ("pga", m.pga.map { $0.value }), ("bilag", bilag),
      ("eular_acr_items", m.eularAcr2019.map { PostgresArray($0.items.map { $0.rawValue }) }),
      ("ana_titer", m.anaTiter), ("upcr", m.upcr?.canonical),
      ("creatinine", m.creatinine?.canonical), ("c3", m.c3?.canonical), ("c4", m.c4?.canonical),
      ("anti_dsdna", m.antiDsDNA?.canonical), ("bilirubin", m.bilirubin?.canonical),
      ("inr", m.inr?.canonical), ("sodium", m.sodium?.canonical),
      ("albumin", m.albumin?.canonical), ("dialysis", m.dialysis),
      ("ascites", m.ascites?.rawValue), ("encephalopathy", m.encephalopathy?.rawValue),
      ("entered", try PostgresJSON(encoding: m.enteredJSON)), ("sledai_2k", scores.sledai2k),
      ("eular_acr_2019", scores.eularAcr2019), ("meld", scores.meld),
      ("meld_na", scores.meldNa), ("meld_3", scores.meld3), ("child_pugh", scores.childPugh),
      ("child_pugh_class", scores.childPughClass?.rawValue),
      ("engine_version", scores.engineVersion), ("out_of_window", deviationReason != nil),
      ("deviation_reason", deviationReason),
    ]
  }

  /// The measures of a stored row as the options that would enter them again: lab values as
  /// entered (value and unit, from `entered`; the canonical column when `entered` lacks it),
  /// codes and lists as text. `MeasureSet(parsing:)` of the result gives the stored values.
  static func rawMeasures(_ row: PostgresRow) throws -> RawMeasures {
    let entered = try row.decode("entered", as: PostgresJSON.self).decode(
      [String: JSONValue].self)
    func lab(_ analyte: Analyte) throws -> String? {
      if case .number(let value)? = entered[analyte.rawValue]?["value"] {
        var unit = ""
        if case .string(let u)? = entered[analyte.rawValue]?["unit"] { unit = u }
        return "\(value)\(unit)"
      }
      let canonical: Double? = try row.decode(analyte.rawValue)
      return canonical.map { "\($0)" }
    }
    func list(_ column: String) throws -> String? {
      let array: PostgresArray<String>? = try row.decode(column)
      return array.map { $0.elements.compactMap { $0 }.joined(separator: ",") }
    }
    let bilag: String? = try row.decode("bilag", as: PostgresJSON?.self).map {
      try $0.decode([String: String].self).sorted { $0.key < $1.key }
        .map { "\($0.key)=\($0.value)" }.joined(separator: ",")
    }
    let titer: Int? = try row.decode("ana_titer")
    return RawMeasures(
      sledaiDescriptors: try list("sledai_descriptors"), eularAcrItems: try list("eular_acr_items"),
      anaTiter: titer.map(String.init), pga: try row.decode("pga"), bilag: bilag,
      upcr: try lab(.upcr), creatinine: try lab(.creatinine), c3: try lab(.c3), c4: try lab(.c4),
      antiDsdna: try lab(.antiDsDNA), bilirubin: try lab(.bilirubin), inr: try lab(.inr),
      sodium: try lab(.sodium), albumin: try lab(.albumin), ascites: try row.decode("ascites"),
      encephalopathy: try row.decode("encephalopathy"),
      dialysis: try row.decode("dialysis", as: Bool?.self) ?? false)
  }

  /// The measures of a stored row, validated again by the domain.
  public static func measures(_ row: PostgresRow) throws -> MeasureSet {
    do {
      return try MeasureSet(parsing: try rawMeasures(row))
    } catch let error as RegistryError {
      throw RegistryError(
        .internal, field: "assessment", "a stored assessment no longer validates: \(error)")
    }
  }

  static func assessment(_ row: PostgresRow) throws -> Assessment {
    let classText: String? = try row.decode("child_pugh_class")
    let scores = DerivedScores(
      sledai2k: try row.decode("sledai_2k"), eularAcr2019: try row.decode("eular_acr_2019"),
      eularAcrClassified: nil, meld: try row.decode("meld"), meldNa: try row.decode("meld_na"),
      meld3: try row.decode("meld_3"), childPugh: try row.decode("child_pugh"),
      childPughClass: classText.flatMap(ChildPughClass.init(rawValue:)),
      engineVersion: try row.decode("engine_version"))
    let measures = try measures(row)
    var stored = scores
    stored.eularAcrClassified = measures.eularAcr2019?.classified
    return Assessment(
      id: try row.decode("id"), studyID: try row.decode("study_id"),
      visit: try row.decode("visit_code"), assessedOn: try row.decode("assessed_on"),
      measures: measures, scores: stored, outOfWindow: try row.decode("out_of_window"),
      deviationReason: try row.decode("deviation_reason"), voided: try row.decode("voided"),
      voidReason: try row.decode("void_reason"))
  }
}

extension AssessmentRepository {
  /// The stored measures of an assessment as the options that would enter them again (for an
  /// amendment: changed options replace these, the others keep them); nil for an unknown id.
  public func rawMeasures(id: Int64) throws -> RawMeasures? {
    try store.mapped {
      try store.query("SELECT \(unescaped: Self.columns) FROM registry.assessment WHERE id = \(id)")
        .rows.first.map(Self.rawMeasures)
    }
  }
}
