import Foundation

/// The MELD score as OPTN computed it before 2016 (REFERENCE.md "MELD (OPTN policy, pre-2016)").
///
/// MELD(i) = 0.957·ln(creatinine) + 0.378·ln(bilirubin) + 1.120·ln(INR) + 0.643, with
/// creatinine and bilirubin in mg/dL. Bounds applied to the inputs: every value below 1.0 is
/// set to 1.0; creatinine above 4.0 is set to 4.0; dialysis twice or more in the past week (or
/// 24 h of CVVHD) sets creatinine to 4.0 (creatinine may then be omitted). MELD(i) is rounded
/// to the tenth and multiplied by 10 (computed as one half-up rounding of 10·MELD(i), so no
/// `x.1 × 10` floating error can lose a point); the score is at most 40. Its lowest value is 6
/// (all inputs at 1.0: 10 × 0.643 → 6).
///
/// Example (REFERENCE.md): creatinine 1.9, bilirubin 4.2, INR 1.2 → 20.
public struct MELD: ClinicalScore, Hashable {
  public static let instrument = "meld"
  /// The cap on the score.
  public static let maximum = 40
  /// The lowest score the formula can give.
  public static let minimum = 6

  /// The score, 6–40.
  public let score: Int
  /// MELD(i) before rounding, from the bounded inputs.
  public let meldI: Double
  /// Bilirubin (mg/dL) after the floor at 1.0.
  public let bilirubinUsed: Double
  /// Creatinine (mg/dL) after the floor at 1.0, the cap at 4.0 and dialysis.
  public let creatinineUsed: Double
  /// INR after the floor at 1.0.
  public let inrUsed: Double
  /// Whether dialysis set creatinine to 4.0.
  public let dialysis: Bool
  /// Whether 10·MELD(i) rounded was above 40 and the score was capped.
  public let capped: Bool

  /// Computes MELD.
  ///
  /// - Parameters:
  ///   - creatinine: required unless `dialysis` is true.
  ///   - dialysis: dialysis twice or more (or 24 h of CVVHD) in the past week (`--dialysis`).
  /// - Throws: `RegistryError.refused` naming `--bilirubin`, `--creatinine` or `--inr` when
  ///   missing (every missing one is listed).
  public init(bilirubin: Bilirubin?, creatinine: Creatinine?, inr: INR?, dialysis: Bool = false)
    throws
  {
    try ScoreInputs.check(
      "MELD",
      [
        ("bilirubin", bilirubin != nil), ("creatinine", creatinine != nil || dialysis),
        ("inr", inr != nil),
      ])
    self.init(
      bilirubin: bilirubin!.canonical, creatinine: creatinine?.canonical, inr: inr!.canonical,
      dialysis: dialysis)
  }

  /// Computes MELD from canonical values already validated (mg/dL; creatinine nil only with
  /// dialysis).
  init(bilirubin: Double, creatinine: Double?, inr: Double, dialysis: Bool) {
    let b = max(bilirubin, 1.0)
    let c = dialysis ? 4.0 : min(max(creatinine ?? 4.0, 1.0), 4.0)
    let i = max(inr, 1.0)
    let meldI = 0.957 * log(c) + 0.378 * log(b) + 1.120 * log(i) + 0.643
    let tenfold = ClinicalNumber.roundHalfUp(meldI * 10)
    self.bilirubinUsed = b
    self.creatinineUsed = c
    self.inrUsed = i
    self.dialysis = dialysis
    self.meldI = meldI
    self.capped = tenfold > Self.maximum
    self.score = min(tenfold, Self.maximum)
  }

  /// `bilirubin_used`, `creatinine_used`, `inr_used`, `dialysis` (1/0), `meld_i`, `capped` (1/0).
  public var parts: [ScorePart] {
    [
      ScorePart("bilirubin_used", bilirubinUsed), ScorePart("creatinine_used", creatinineUsed),
      ScorePart("inr_used", inrUsed), ScorePart("dialysis", dialysis ? 1 : 0),
      ScorePart("meld_i", meldI), ScorePart("capped", capped ? 1 : 0),
    ]
  }
}
