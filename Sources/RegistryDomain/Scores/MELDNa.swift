import Foundation

/// The MELD-Na score of OPTN policy, January 2016 (REFERENCE.md "MELD-Na (OPTN, January 2016)").
///
/// Applied only when MELD > 11 (MELD being the pre-2016 score, already rounded and capped):
/// MELD + 1.32·(137 − Na) − 0.033·MELD·(137 − Na), with sodium bounded to 125–137 mmol/L,
/// rounded half-up to an integer and at most 40. When MELD ≤ 11 the score is MELD. (Capping
/// MELD at 40 before this step changes nothing: the formula is increasing in MELD and equals 40
/// at MELD 40.) This is not the 2008 Kim NEJM form with 140.
///
/// Examples (REFERENCE.md): 1.9/4.2/1.2, Na 125 → 28; 1.2/2.0/1.5, Na 135 → MELD 15, MELD-Na 17.
public struct MELDNa: ClinicalScore, Hashable {
  public static let instrument = "meld_na"
  /// The cap on the score.
  public static let maximum = 40
  /// Sodium is bounded to this range (mmol/L).
  public static let sodiumBounds: ClosedRange<Double> = 125...137
  /// The sodium term applies only above this MELD.
  public static let sodiumThreshold = 11

  /// The score, 6–40.
  public let score: Int
  /// The MELD score and its parts.
  public let meld: MELD
  /// Sodium (mmol/L) after bounding to 125–137.
  public let sodiumUsed: Double
  /// Whether the sodium term was applied (MELD > 11).
  public let sodiumApplied: Bool
  /// The value before rounding (MELD itself when the sodium term does not apply).
  public let unrounded: Double

  /// Computes MELD-Na from a MELD score and sodium.
  ///
  /// Sodium is required even when MELD ≤ 11 (the registry's choice: one input set per score).
  /// - Throws: `RegistryError.refused("sodium", …)` when sodium is missing.
  public init(meld: MELD, sodium: Sodium?) throws {
    try ScoreInputs.check("MELD-Na", [("sodium", sodium != nil)])
    self.init(meld: meld, sodium: sodium!.canonical)
  }

  /// Computes MELD and MELD-Na from the labs.
  ///
  /// - Throws: `RegistryError.refused` naming the first missing field (its message every missing option) among `--bilirubin`,
  ///   `--creatinine` (not needed with dialysis), `--inr` and `--sodium`.
  public init(
    bilirubin: Bilirubin?, creatinine: Creatinine?, inr: INR?, sodium: Sodium?,
    dialysis: Bool = false
  ) throws {
    try ScoreInputs.check(
      "MELD-Na",
      [
        ("bilirubin", bilirubin != nil), ("creatinine", creatinine != nil || dialysis),
        ("inr", inr != nil), ("sodium", sodium != nil),
      ])
    let meld = try MELD(bilirubin: bilirubin, creatinine: creatinine, inr: inr, dialysis: dialysis)
    self.init(meld: meld, sodium: sodium!.canonical)
  }

  init(meld: MELD, sodium: Double) {
    let na = min(max(sodium, Self.sodiumBounds.lowerBound), Self.sodiumBounds.upperBound)
    let m = Double(meld.score)
    self.meld = meld
    self.sodiumUsed = na
    self.sodiumApplied = meld.score > Self.sodiumThreshold
    if sodiumApplied {
      unrounded = m + 1.32 * (137 - na) - 0.033 * m * (137 - na)
      score = min(ClinicalNumber.roundHalfUp(unrounded), Self.maximum)
    } else {
      unrounded = m
      score = meld.score
    }
  }

  /// The MELD parts, then `meld`, `sodium_used`, `sodium_applied` (1/0), `meld_na_unrounded`.
  public var parts: [ScorePart] {
    meld.parts + [
      ScorePart("meld", Double(meld.score)), ScorePart("sodium_used", sodiumUsed),
      ScorePart("sodium_applied", sodiumApplied ? 1 : 0),
      ScorePart("meld_na_unrounded", unrounded),
    ]
  }
}
