import Foundation
import PostgresClient
import RegistryDomain

/// SQL for `registry.assessment`: inputs as entered (and in conventional units) beside the
/// scores the domain engine derived from them.
public struct AssessmentRepository {
  let store: Store

  /// A repository over an open store.
  public init(_ store: Store) { self.store = store }

  /// Inserts an assessment; returns its id. A second live assessment of the same visit is
  /// refused by the database (`assessment_one_per_visit`).
  @discardableResult
  public func insert(
    studyID: String, visit: String, on date: CalendarDate, measures m: MeasureSet,
    scores: DerivedScores, deviationReason: String? = nil
  ) throws -> Int64 {
    var entered: [String: JSONValue] = [:]
    for analyte in Analyte.allCases {
      if let reading = m.reading(of: analyte) {
        entered[analyte.rawValue] = .object([
          "value": .number(reading.entered), "unit": .string(reading.enteredUnit.rawValue),
        ])
      }
    }
    let bilag: PostgresJSON? = try m.bilag.map { b in
      try PostgresJSON(
        encoding: Dictionary(uniqueKeysWithValues: b.grades.map { ($0.key.rawValue, $0.value.rawValue) }))
    }
    return try store.mapped {
      try store.query(
        """
        INSERT INTO registry.assessment (study_id, visit_code, assessed_on, sledai_descriptors, pga,
          bilag, eular_acr_items, ana_titer, upcr, creatinine, c3, c4, anti_dsdna, bilirubin, inr,
          sodium, albumin, dialysis, ascites, encephalopathy, entered, sledai_2k, eular_acr_2019,
          meld, meld_na, meld_3, child_pugh, child_pugh_class, engine_version, out_of_window,
          deviation_reason)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18,
          $19, $20, $21, $22, $23, $24, $25, $26, $27, $28, $29, $30, $31)
        RETURNING id
        """,
        [
          studyID, visit, date,
          m.sledai2k.map { PostgresArray($0.descriptors.map { $0.rawValue }) },
          m.pga.map { $0.value }, bilag,
          m.eularAcr2019.map { PostgresArray($0.items.map { $0.rawValue }) }, m.anaTiter,
          m.upcr?.canonical, m.creatinine?.canonical, m.c3?.canonical, m.c4?.canonical,
          m.antiDsDNA?.canonical, m.bilirubin?.canonical, m.inr?.canonical, m.sodium?.canonical,
          m.albumin?.canonical, m.dialysis, m.ascites?.rawValue, m.encephalopathy?.rawValue,
          try PostgresJSON(encoding: entered), scores.sledai2k, scores.eularAcr2019, scores.meld,
          scores.meldNa, scores.meld3, scores.childPugh, scores.childPughClass?.rawValue,
          scores.engineVersion, deviationReason != nil, deviationReason,
        ]
      ).rows[0].decode("id")
    }
  }
}
