import Foundation

/// The scores of a measure set: one demanded at a time (refusing what is missing), all that
/// can be derived, or one measure's value by its protocol code.
extension MeasureSet {
  /// SLEDAI-2K (Gladman et al., J Rheumatol 2002;29:288).
  ///
  /// - Throws: `RegistryError.refused("sledai_descriptors", …)` when no descriptor list was
  ///   given (an empty list is given, and scores 0).
  public func sledai2kScore() throws -> SLEDAI2K {
    try ScoreInputs.check("SLEDAI-2K", [(SLEDAI2K.field, sledai2k != nil)])
    return sledai2k!
  }

  /// The 2019 EULAR/ACR classification (Aringer et al., Ann Rheum Dis 2019).
  ///
  /// Without `--ana-titer` the entry criterion is not met, so the patient is not classified
  /// (the total is still computed).
  /// - Throws: `RegistryError.refused("eular_acr_items", …)` when no item list was given.
  public func eularAcr2019Score() throws -> EULARACR2019 {
    try ScoreInputs.check("2019 EULAR/ACR", [(EULARACR2019.field, eularAcr2019 != nil)])
    return eularAcr2019!
  }

  /// MELD, OPTN pre-2016 (creatinine may be omitted with dialysis).
  ///
  /// - Throws: `RegistryError.refused` naming the first missing field (its message every missing option) among `--bilirubin`,
  ///   `--creatinine` and `--inr`.
  public func meldScore() throws -> MELD {
    try MELD(bilirubin: bilirubin, creatinine: creatinine, inr: inr, dialysis: dialysis)
  }

  /// MELD-Na, OPTN January 2016 (applied to the rounded MELD when MELD > 11).
  ///
  /// - Throws: `RegistryError.refused` naming the first missing field (its message every missing option) among `--bilirubin`,
  ///   `--creatinine`, `--inr` and `--sodium`.
  public func meldNaScore() throws -> MELDNa {
    try MELDNa(
      bilirubin: bilirubin, creatinine: creatinine, inr: inr, sodium: sodium, dialysis: dialysis)
  }

  /// MELD 3.0 (Kim et al., Gastroenterology 2021;161:1887). An unknown age counts as adult.
  ///
  /// - Throws: `RegistryError.refused` naming the first missing field (its message every missing option) among `--sex`,
  ///   `--bilirubin`, `--sodium`, `--inr`, `--creatinine` and `--albumin`; `--age` outside
  ///   0–130 or under 12 (PELD applies).
  public func meld3Score(sex: Sex?, age: Int?) throws -> MELD3 {
    try MELD3(
      sex: sex, age: age, bilirubin: bilirubin, sodium: sodium, inr: inr, creatinine: creatinine,
      albumin: albumin, dialysis: dialysis)
  }

  /// Child-Pugh points and class.
  ///
  /// - Throws: `RegistryError.refused` naming the first missing field (its message every missing option) among `--bilirubin`,
  ///   `--albumin`, `--inr`, `--ascites` and `--encephalopathy`.
  public func childPughScore() throws -> ChildPugh {
    try ChildPugh(
      bilirubin: bilirubin, albumin: albumin, inr: inr, ascites: ascites,
      encephalopathy: encephalopathy)
  }

  /// Every score whose inputs are all present; the others are nil. Never throws.
  ///
  /// MELD 3.0 needs `sex`; an unknown `age` counts as adult, an age under 12 (or outside
  /// 0–130) leaves MELD 3.0 out.
  public func derivedScores(sex: Sex?, age: Int?) -> DerivedScores {
    let childPugh = try? childPughScore()
    return DerivedScores(
      sledai2k: sledai2k?.score,
      eularAcr2019: eularAcr2019?.score,
      eularAcrClassified: eularAcr2019?.classified,
      meld: (try? meldScore())?.score,
      meldNa: (try? meldNaScore())?.score,
      meld3: (try? meld3Score(sex: sex, age: age))?.score,
      childPugh: childPugh?.score,
      childPughClass: childPugh?.classification,
      engineVersion: ScoreEngine.version)
  }

  /// The value of one protocol measure, by its code, in canonical units; nil when it is not
  /// measured, cannot be derived, or the code is not a measure.
  ///
  /// Codes: `sledai_2k`, `eular_acr_2019` (the total), `pga`, `meld`, `meld_na`, `meld_3`,
  /// `child_pugh` (points), `bilirubin` and `creatinine` (mg/dL), `inr`, `sodium` (mmol/L),
  /// `albumin` (g/dL), `upcr` (g/g), `c3` and `c4` (mg/dL), `anti_dsdna` (IU/mL). Creatinine is
  /// the measured value, not the value dialysis sets for MELD.
  public func value(ofMeasure code: String, sex: Sex?, age: Int?) -> Double? {
    func score(_ compute: () throws -> some ClinicalScore) -> Double? {
      (try? compute()).map { Double($0.score) }
    }
    switch code {
    case SLEDAI2K.instrument: return sledai2k.map { Double($0.score) }
    case EULARACR2019.instrument: return eularAcr2019.map { Double($0.score) }
    case "pga": return pga?.value
    case MELD.instrument: return score(meldScore)
    case MELDNa.instrument: return score(meldNaScore)
    case MELD3.instrument: return score { try meld3Score(sex: sex, age: age) }
    case ChildPugh.instrument: return score(childPughScore)
    default:
      guard let analyte = Analyte(rawValue: code) else { return nil }
      return reading(of: analyte)?.canonical
    }
  }

  /// The measured reading of an analyte, nil when not measured.
  public func reading(of analyte: Analyte) -> LabReading? {
    switch analyte {
    case .bilirubin: bilirubin?.reading
    case .creatinine: creatinine?.reading
    case .albumin: albumin?.reading
    case .sodium: sodium?.reading
    case .inr: inr?.reading
    case .upcr: upcr?.reading
    case .c3: c3?.reading
    case .c4: c4?.reading
    case .antiDsDNA: antiDsDNA?.reading
    }
  }

  /// Parses `--age N` (whole years, 0–130), nil when not given.
  ///
  /// - Throws: `RegistryError.refused("age", …)` for text that is not a whole number or an
  ///   age outside 0–130.
  public static func parseAge(_ text: String?) throws -> Int? {
    guard let text else { return nil }
    let trimmed = text.trimmingCharacters(in: .whitespaces)
    guard let age = Int(trimmed), MELD3.ageRange.contains(age) else {
      throw RegistryError.refused(
        "age", "'\(text)' is not an age in whole years (0–130)")
    }
    return age
  }
}
