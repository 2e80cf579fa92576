/// The measures of one patient at one time, parsed and validated (SPEC §2 assessment, §5 options).
///
/// Built from the options as typed (`init(parsing:)`): lab values are converted to their
/// canonical units exactly once (factors and plausible ranges on `Analyte`), codes are checked
/// against SPEC §7. Every value is optional: nil means "not measured". Scores are derived from
/// whatever is present (`derivedScores(sex:age:)`), or demanded one at a time with a refusal
/// naming each missing option (`meldScore()` and the others in `MeasureSet+Scores.swift`).
public struct MeasureSet: Sendable, Hashable {
  /// SLEDAI-2K from `--sledai-descriptors` (an empty list scores 0).
  public let sledai2k: SLEDAI2K?
  /// 2019 EULAR/ACR classification from `--eular-acr-items` with `--ana-titer` (nil without items).
  public let eularAcr2019: EULARACR2019?
  /// ANA titer denominator from `--ana-titer` (also when no EULAR/ACR items were given).
  public let anaTiter: Int?
  /// Physician global assessment, 0–3.
  public let pga: PhysicianGlobalAssessment?
  /// BILAG-2004 domain grades.
  public let bilag: BILAG2004?
  /// Urine protein/creatinine ratio (g/g).
  public let upcr: UPCR?
  /// Serum creatinine (mg/dL).
  public let creatinine: Creatinine?
  /// Complement C3 (mg/dL).
  public let c3: C3?
  /// Complement C4 (mg/dL).
  public let c4: C4?
  /// Anti-dsDNA (IU/mL).
  public let antiDsDNA: AntiDsDNA?
  /// Total bilirubin (mg/dL).
  public let bilirubin: Bilirubin?
  /// INR.
  public let inr: INR?
  /// Serum sodium (mmol/L).
  public let sodium: Sodium?
  /// Serum albumin (g/dL).
  public let albumin: Albumin?
  /// Dialysis twice or more (or 24 h of CVVHD) in the past week; MELD and MELD 3.0 then set
  /// creatinine to their caps (4.0 and 3.0 mg/dL).
  public let dialysis: Bool
  /// Ascites grade (Child-Pugh).
  public let ascites: Ascites?
  /// Hepatic encephalopathy grade (Child-Pugh).
  public let encephalopathy: Encephalopathy?

  /// Wraps values already validated; every value defaults to "not measured".
  ///
  /// `anaTiter` defaults to the titer of `eularAcr2019` when that is given.
  public init(
    sledai2k: SLEDAI2K? = nil, eularAcr2019: EULARACR2019? = nil, anaTiter: Int? = nil,
    pga: PhysicianGlobalAssessment? = nil, bilag: BILAG2004? = nil, upcr: UPCR? = nil,
    creatinine: Creatinine? = nil, c3: C3? = nil, c4: C4? = nil, antiDsDNA: AntiDsDNA? = nil,
    bilirubin: Bilirubin? = nil, inr: INR? = nil, sodium: Sodium? = nil, albumin: Albumin? = nil,
    dialysis: Bool = false, ascites: Ascites? = nil, encephalopathy: Encephalopathy? = nil
  ) {
    self.sledai2k = sledai2k
    self.eularAcr2019 = eularAcr2019
    self.anaTiter = anaTiter ?? eularAcr2019?.anaTiter
    self.pga = pga
    self.bilag = bilag
    self.upcr = upcr
    self.creatinine = creatinine
    self.c3 = c3
    self.c4 = c4
    self.antiDsDNA = antiDsDNA
    self.bilirubin = bilirubin
    self.inr = inr
    self.sodium = sodium
    self.albumin = albumin
    self.dialysis = dialysis
    self.ascites = ascites
    self.encephalopathy = encephalopathy
  }

  /// Parses and validates every option given, in the order of SPEC §5's table.
  ///
  /// - Throws: the first `RegistryError.refused` met, naming its field (`inr`,
  ///   `sledai_descriptors`, …): text that is not a number, an unknown unit or code, a value
  ///   outside its plausible range. Options not given are never refused here; scores that need
  ///   them refuse (or, in `derivedScores`, are left out).
  public init(parsing raw: RawMeasures) throws {
    let sledai = try raw.sledaiDescriptors.map { try SLEDAI2K(parsing: $0) }
    let eular = try raw.eularAcrItems.map {
      try EULARACR2019(parsingItems: $0, anaTiter: raw.anaTiter)
    }
    let titer = try raw.anaTiter.map(EULARACR2019.parseANATiter)
    self.init(
      sledai2k: sledai,
      eularAcr2019: eular,
      anaTiter: titer,
      pga: try raw.pga.map { try PhysicianGlobalAssessment(parsing: $0) },
      bilag: try raw.bilag.map { try BILAG2004(parsing: $0) },
      upcr: try raw.upcr.map { try UPCR(parsing: $0) },
      creatinine: try raw.creatinine.map { try Creatinine(parsing: $0) },
      c3: try raw.c3.map { try C3(parsing: $0) },
      c4: try raw.c4.map { try C4(parsing: $0) },
      antiDsDNA: try raw.antiDsdna.map { try AntiDsDNA(parsing: $0) },
      bilirubin: try raw.bilirubin.map { try Bilirubin(parsing: $0) },
      inr: try raw.inr.map { try INR(parsing: $0) },
      sodium: try raw.sodium.map { try Sodium(parsing: $0) },
      albumin: try raw.albumin.map { try Albumin(parsing: $0) },
      dialysis: raw.dialysis,
      ascites: try raw.ascites.map { try Ascites.parse($0, field: Ascites.field) },
      encephalopathy: try raw.encephalopathy.map {
        try Encephalopathy.parse($0, field: Encephalopathy.field)
      })
  }

  /// True when nothing was measured (no value and no dialysis).
  public var isEmpty: Bool { self == MeasureSet() }
}
