/// Every score that could be derived from one set of measures (SPEC §2: derived, not entered).
///
/// A score is nil when one of its inputs was not measured (or, for MELD 3.0, when sex is
/// unknown or the age is under 12). `engineVersion` is `ScoreEngine.version`, stored with the
/// scores so that they can be traced to the rules that made them. JSON keys are snake_case
/// (`sledai_2k`, `eular_acr_2019`, `eular_acr_classified`, `meld`, `meld_na`, `meld_3`,
/// `child_pugh`, `child_pugh_class`, `engine_version`); nil scores are left out.
public struct DerivedScores: Sendable, Hashable, Codable {
  /// SLEDAI-2K, 0–105.
  public var sledai2k: Int?
  /// 2019 EULAR/ACR total, 0–51.
  public var eularAcr2019: Int?
  /// Whether the 2019 EULAR/ACR criteria classify the patient as SLE.
  public var eularAcrClassified: Bool?
  /// MELD (OPTN pre-2016), 6–40.
  public var meld: Int?
  /// MELD-Na (OPTN 2016), 6–40.
  public var meldNa: Int?
  /// MELD 3.0, 6–40.
  public var meld3: Int?
  /// Child-Pugh points, 5–15.
  public var childPugh: Int?
  /// Child-Pugh class.
  public var childPughClass: ChildPughClass?
  /// The score rules' version (`ScoreEngine.version`).
  public var engineVersion: String

  /// Creates a set of scores; every score defaults to nil, the version to the current one.
  public init(
    sledai2k: Int? = nil, eularAcr2019: Int? = nil, eularAcrClassified: Bool? = nil,
    meld: Int? = nil, meldNa: Int? = nil, meld3: Int? = nil, childPugh: Int? = nil,
    childPughClass: ChildPughClass? = nil, engineVersion: String = ScoreEngine.version
  ) {
    self.sledai2k = sledai2k
    self.eularAcr2019 = eularAcr2019
    self.eularAcrClassified = eularAcrClassified
    self.meld = meld
    self.meldNa = meldNa
    self.meld3 = meld3
    self.childPugh = childPugh
    self.childPughClass = childPughClass
    self.engineVersion = engineVersion
  }

  /// True when no score could be derived.
  public var isEmpty: Bool {
    sledai2k == nil && eularAcr2019 == nil && meld == nil && meldNa == nil && meld3 == nil
      && childPugh == nil
  }

  enum CodingKeys: String, CodingKey {
    case sledai2k = "sledai_2k"
    case eularAcr2019 = "eular_acr_2019"
    case eularAcrClassified = "eular_acr_classified"
    case meld
    case meldNa = "meld_na"
    case meld3 = "meld_3"
    case childPugh = "child_pugh"
    case childPughClass = "child_pugh_class"
    case engineVersion = "engine_version"
  }
}
