import Foundation

/// The MELD 3.0 score (Kim et al., Gastroenterology 2021;161:1887; REFERENCE.md "MELD 3.0").
///
/// 1.33·(female or aged 12–17) + 4.56·ln(bilirubin) + 0.82·(137 − Na) − 0.24·(137 − Na)·ln(bilirubin)
/// + 9.09·ln(INR) + 11.14·ln(creatinine) + 1.85·(3.5 − albumin)
/// − 1.83·(3.5 − albumin)·ln(creatinine) + 6.
///
/// Bounds: bilirubin, INR and creatinine floored at 1.0; creatinine capped at 3.0 (dialysis
/// sets 3.0, and creatinine may then be omitted); sodium bounded 125–137 mmol/L; albumin bounded
/// 1.5–3.5 g/dL. Rounded half-up to an integer and bounded to 6–40 (as OPTN allocation does).
///
/// Age: OPTN Policy 9.1.D uses MELD 3.0 from age 12 (PELD under 12) and gives the 1.33 term
/// to every candidate aged 12–17, male or female (REFERENCE.md "MELD 3.0"); the registry
/// therefore refuses an age under 12 and adds the term at 12–17 whatever the sex. Age may be
/// omitted on the bedside calculator (then the patient counts as adult); eligibility always
/// passes the age at enrollment.
public struct MELD3: ClinicalScore, Hashable {
  public static let instrument = "meld_3"
  /// The score's bounds.
  public static let bounds: ClosedRange<Int> = 6...40
  /// The youngest age at which MELD 3.0 is used (PELD below).
  public static let minimumAge = 12
  /// Plausible ages in years.
  public static let ageRange: ClosedRange<Int> = 0...130

  /// The score, 6–40.
  public let score: Int
  /// The value before rounding and bounding.
  public let unrounded: Double
  /// Whether the patient is female.
  public let female: Bool
  /// Whether the patient is aged 12–17 (OPTN Policy 9.1.D: the 1.33 term applies).
  public let adolescent: Bool
  /// The ages given the 1.33 term whatever the sex (OPTN Policy 9.1.D).
  public static let adolescentAges: ClosedRange<Int> = 12...17
  /// Bilirubin (mg/dL) after the floor at 1.0.
  public let bilirubinUsed: Double
  /// Sodium (mmol/L) after bounding to 125–137.
  public let sodiumUsed: Double
  /// INR after the floor at 1.0.
  public let inrUsed: Double
  /// Creatinine (mg/dL) after the floor at 1.0, the cap at 3.0 and dialysis.
  public let creatinineUsed: Double
  /// Albumin (g/dL) after bounding to 1.5–3.5.
  public let albuminUsed: Double
  /// Whether dialysis set creatinine to 3.0.
  public let dialysis: Bool

  /// Computes MELD 3.0.
  ///
  /// - Throws: `RegistryError.refused` naming the first missing field (its message every missing option) among `--sex`,
  ///   `--bilirubin`, `--sodium`, `--inr`, `--creatinine` (not needed with dialysis) and
  ///   `--albumin`; `--age` when outside 0–130 or under 12.
  public init(
    sex: Sex?, age: Int? = nil, bilirubin: Bilirubin?, sodium: Sodium?, inr: INR?,
    creatinine: Creatinine?, albumin: Albumin?, dialysis: Bool = false
  ) throws {
    try ScoreInputs.check(
      "MELD 3.0",
      [
        ("sex", sex != nil), ("bilirubin", bilirubin != nil), ("sodium", sodium != nil),
        ("inr", inr != nil), ("creatinine", creatinine != nil || dialysis),
        ("albumin", albumin != nil),
      ])
    if let age {
      guard Self.ageRange.contains(age) else {
        throw RegistryError.refused(
          "age", "age \(age) is outside the plausible range 0–130 years")
      }
      guard age >= Self.minimumAge else {
        throw RegistryError.refused(
          "age", "MELD 3.0 is used from age 12 (PELD applies under 12); got age \(age)")
      }
    }
    self.init(
      female: sex! == .female, adolescent: age.map(Self.adolescentAges.contains) ?? false,
      bilirubin: bilirubin!.canonical, sodium: sodium!.canonical,
      inr: inr!.canonical, creatinine: creatinine?.canonical, albumin: albumin!.canonical,
      dialysis: dialysis)
  }

  init(
    female: Bool, adolescent: Bool = false, bilirubin: Double, sodium: Double, inr: Double,
    creatinine: Double?,
    albumin: Double, dialysis: Bool
  ) {
    let b = max(bilirubin, 1.0)
    let na = min(max(sodium, 125), 137)
    let i = max(inr, 1.0)
    let c = dialysis ? 3.0 : min(max(creatinine ?? 3.0, 1.0), 3.0)
    let alb = min(max(albumin, 1.5), 3.5)
    var x = female || adolescent ? 1.33 : 0
    x += 4.56 * log(b) + 0.82 * (137 - na) - 0.24 * (137 - na) * log(b)
    x += 9.09 * log(i) + 11.14 * log(c)
    x += 1.85 * (3.5 - alb) - 1.83 * (3.5 - alb) * log(c) + 6
    self.unrounded = x
    self.score = min(
      max(ClinicalNumber.roundHalfUp(x), Self.bounds.lowerBound), Self.bounds.upperBound)
    self.female = female
    self.adolescent = adolescent
    self.bilirubinUsed = b
    self.sodiumUsed = na
    self.inrUsed = i
    self.creatinineUsed = c
    self.albuminUsed = alb
    self.dialysis = dialysis
  }

  /// `female` (1/0), `age_12_17` (1/0), the bounded inputs, `dialysis` (1/0) and `meld_3_unrounded`.
  public var parts: [ScorePart] {
    [
      ScorePart("female", female ? 1 : 0), ScorePart("age_12_17", adolescent ? 1 : 0),
      ScorePart("bilirubin_used", bilirubinUsed),
      ScorePart("sodium_used", sodiumUsed), ScorePart("inr_used", inrUsed),
      ScorePart("creatinine_used", creatinineUsed), ScorePart("albumin_used", albuminUsed),
      ScorePart("dialysis", dialysis ? 1 : 0), ScorePart("meld_3_unrounded", unrounded),
    ]
  }
}
