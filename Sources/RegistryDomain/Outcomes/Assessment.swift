/// One assessment of a patient at a protocol visit (SPEC §2): the measures as validated (lab
/// values converted once to conventional units, the entered value and unit kept), the scores
/// the domain engine derived from them with the engine's version, and its protocol deviation.
///
/// JSON keys are snake_case: `id`, `study_id`, `visit`, `assessed_on`, `measures` (canonical
/// values), `entered` (lab values as typed, with their unit), `scores` (`DerivedScores`),
/// `out_of_window`, `deviation_reason`, `voided`, `void_reason`.
public struct Assessment: Sendable, Equatable, Encodable {
  /// Database id.
  public let id: Int64
  /// The patient's study ID.
  public let studyID: String
  /// The protocol visit code (`week4`).
  public let visit: String
  /// The date of the assessment.
  public let assessedOn: CalendarDate
  /// The measures, validated.
  public let measures: MeasureSet
  /// The scores stored with the assessment (computed by `MeasureSet.derivedScores`).
  public let scores: DerivedScores
  /// The date is outside the visit's window: a recorded protocol deviation.
  public let outOfWindow: Bool
  /// Why the visit happened outside its window (present when `outOfWindow`).
  public let deviationReason: String?
  /// The assessment was voided (entered in error); reads and reports ignore it.
  public let voided: Bool
  /// Why it was voided.
  public let voidReason: String?

  /// Creates an assessment value.
  public init(
    id: Int64, studyID: String, visit: String, assessedOn: CalendarDate, measures: MeasureSet,
    scores: DerivedScores, outOfWindow: Bool, deviationReason: String?, voided: Bool = false,
    voidReason: String? = nil
  ) {
    self.id = id
    self.studyID = studyID
    self.visit = visit
    self.assessedOn = assessedOn
    self.measures = measures
    self.scores = scores
    self.outOfWindow = outOfWindow
    self.deviationReason = deviationReason
    self.voided = voided
    self.voidReason = voidReason
  }

  enum CodingKeys: String, CodingKey {
    case id, visit, measures, entered, scores, voided
    case studyID = "study_id"
    case assessedOn = "assessed_on"
    case outOfWindow = "out_of_window"
    case deviationReason = "deviation_reason"
    case voidReason = "void_reason"
  }

  public func encode(to encoder: Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encode(id, forKey: .id)
    try c.encode(studyID, forKey: .studyID)
    try c.encode(visit, forKey: .visit)
    try c.encode(assessedOn, forKey: .assessedOn)
    try c.encode(measures.canonicalJSON, forKey: .measures)
    try c.encode(measures.enteredJSON, forKey: .entered)
    try c.encode(scores, forKey: .scores)
    try c.encode(outOfWindow, forKey: .outOfWindow)
    try c.encode(deviationReason, forKey: .deviationReason)
    try c.encode(voided, forKey: .voided)
    try c.encode(voidReason, forKey: .voidReason)
  }
}

extension MeasureSet {
  /// Every measured value by its option's name in snake_case, lab values in canonical units
  /// (`bilirubin` in mg/dL, …), codes as text, lists as arrays; `dialysis` only when true.
  public var canonicalJSON: [String: JSONValue] {
    var out: [String: JSONValue] = [:]
    if let s = sledai2k {
      out["sledai_descriptors"] = .array(s.descriptors.map { .string($0.rawValue) })
    }
    if let e = eularAcr2019 {
      out["eular_acr_items"] = .array(e.items.map { .string($0.rawValue) })
    }
    if let t = anaTiter { out["ana_titer"] = .number(Double(t)) }
    if let p = pga { out["pga"] = .number(p.value) }
    if let b = bilag {
      out["bilag"] = .object(
        Dictionary(
          uniqueKeysWithValues: b.grades.map { ($0.key.rawValue, .string($0.value.rawValue)) }))
    }
    for analyte in Analyte.allCases {
      if let reading = reading(of: analyte) {
        out[analyte.rawValue] = .number(ClinicalNumber.snap(reading.canonical))
      }
    }
    if dialysis { out["dialysis"] = .bool(true) }
    if let a = ascites { out["ascites"] = .string(a.rawValue) }
    if let e = encephalopathy { out["encephalopathy"] = .string(e.rawValue) }
    return out
  }

  /// Lab values as typed: `{"bilirubin": {"value": 85, "unit": "µmol/L"}}` (the store's
  /// `entered` column; INR's unit is "").
  public var enteredJSON: [String: JSONValue] {
    var entered: [String: JSONValue] = [:]
    for analyte in Analyte.allCases {
      if let reading = reading(of: analyte) {
        entered[analyte.rawValue] = .object([
          "value": .number(reading.entered), "unit": .string(reading.enteredUnit.rawValue),
        ])
      }
    }
    return entered
  }

  /// One line: `bilirubin 85 µmol/L (4.9708 mg/dL), INR 2.1, ascites mild`.
  public var summary: String {
    var parts: [String] = []
    if let s = sledai2k {
      parts.append(
        "SLEDAI-2K descriptors "
          + (s.descriptors.isEmpty ? "none" : s.descriptors.map(\.rawValue).joined(separator: ",")))
    }
    if let e = eularAcr2019 {
      parts.append("EULAR/ACR items " + e.items.map(\.rawValue).joined(separator: ","))
    }
    if let t = anaTiter { parts.append("ANA 1:\(t)") }
    if let p = pga { parts.append("PGA \(p)") }
    if let b = bilag { parts.append("BILAG \(b)") }
    for analyte in Analyte.allCases {
      if let reading = reading(of: analyte) { parts.append("\(analyte) \(reading)") }
    }
    if dialysis { parts.append("dialysis") }
    if let a = ascites { parts.append("ascites \(a.rawValue)") }
    if let e = encephalopathy { parts.append("encephalopathy \(e.rawValue)") }
    return parts.joined(separator: ", ")
  }
}

extension DerivedScores {
  /// One line: `SLEDAI-2K 10, MELD 20, Child-Pugh 9 (B)`; "no score" when empty.
  public var summary: String {
    var parts: [String] = []
    if let v = sledai2k { parts.append("SLEDAI-2K \(v)") }
    if let v = eularAcr2019 { parts.append("2019 EULAR/ACR \(v)") }
    if let v = meld { parts.append("MELD \(v)") }
    if let v = meldNa { parts.append("MELD-Na \(v)") }
    if let v = meld3 { parts.append("MELD 3.0 \(v)") }
    if let v = childPugh {
      parts.append("Child-Pugh \(v)" + (childPughClass.map { " (\($0.rawValue))" } ?? ""))
    }
    return parts.isEmpty ? "no score" : parts.joined(separator: ", ")
  }
}

extension RawMeasures {
  /// The measures of an amendment applied over stored ones: every option given in `changes`
  /// replaces the stored text, every other keeps it. `dialysis` nil keeps the stored flag
  /// (`--dialysis` sets it, `--no-dialysis` clears it).
  public func amended(by changes: RawMeasures, dialysis: Bool?) -> RawMeasures {
    RawMeasures(
      sledaiDescriptors: changes.sledaiDescriptors ?? sledaiDescriptors,
      eularAcrItems: changes.eularAcrItems ?? eularAcrItems,
      anaTiter: changes.anaTiter ?? anaTiter, pga: changes.pga ?? pga,
      bilag: changes.bilag ?? bilag, upcr: changes.upcr ?? upcr,
      creatinine: changes.creatinine ?? creatinine, c3: changes.c3 ?? c3, c4: changes.c4 ?? c4,
      antiDsdna: changes.antiDsdna ?? antiDsdna, bilirubin: changes.bilirubin ?? bilirubin,
      inr: changes.inr ?? inr, sodium: changes.sodium ?? sodium,
      albumin: changes.albumin ?? albumin, ascites: changes.ascites ?? ascites,
      encephalopathy: changes.encephalopathy ?? encephalopathy,
      dialysis: dialysis ?? self.dialysis)
  }
}
