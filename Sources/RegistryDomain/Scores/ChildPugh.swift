/// The Child-Pugh score and class (REFERENCE.md "Child-Pugh").
///
/// | points | 1 | 2 | 3 |
/// |---|---|---|---|
/// | bilirubin mg/dL | < 2 | 2–3 | > 3 |
/// | albumin g/dL | > 3.5 | 2.8–3.5 | < 2.8 |
/// | INR | < 1.7 | 1.7–2.3 | > 2.3 |
/// | ascites | none | mild | moderate–severe |
/// | encephalopathy | none | grade 1–2 | grade 3–4 |
///
/// Band edges belong to the 2-point band (bilirubin 2.0 and 3.0, albumin 2.8 and 3.5, INR 1.7
/// and 2.3 all give 2 points). Total 5–15; class A 5–6, B 7–9, C 10–15. Values are compared in
/// canonical units, so `51.3 µmol/L` bilirubin (exactly 3.0 mg/dL) gives 2 points.
public struct ChildPugh: ClinicalScore, Hashable {
  public static let instrument = "child_pugh"

  /// Total points, 5–15.
  public let score: Int
  /// Class A, B or C.
  public let classification: ChildPughClass
  /// Points for bilirubin.
  public let bilirubinPoints: Int
  /// Points for albumin.
  public let albuminPoints: Int
  /// Points for INR.
  public let inrPoints: Int
  /// Points for ascites.
  public let ascitesPoints: Int
  /// Points for encephalopathy.
  public let encephalopathyPoints: Int

  /// Computes Child-Pugh.
  ///
  /// - Throws: `RegistryError.refused` naming the first missing field (its message every missing option) among `--bilirubin`,
  ///   `--albumin`, `--inr`, `--ascites` and `--encephalopathy`.
  public init(
    bilirubin: Bilirubin?, albumin: Albumin?, inr: INR?, ascites: Ascites?,
    encephalopathy: Encephalopathy?
  ) throws {
    try ScoreInputs.check(
      "Child-Pugh",
      [
        ("bilirubin", bilirubin != nil), ("albumin", albumin != nil), ("inr", inr != nil),
        (Ascites.field, ascites != nil), (Encephalopathy.field, encephalopathy != nil),
      ])
    bilirubinPoints = Self.bilirubinPoints(mgPerDL: bilirubin!.canonical)
    albuminPoints = Self.albuminPoints(gPerDL: albumin!.canonical)
    inrPoints = Self.inrPoints(inr!.canonical)
    ascitesPoints = ascites!.points
    encephalopathyPoints = encephalopathy!.points
    score = bilirubinPoints + albuminPoints + inrPoints + ascitesPoints + encephalopathyPoints
    classification = ChildPughClass(points: score)
  }

  /// Bilirubin points: < 2 → 1, 2–3 → 2, > 3 → 3 (mg/dL).
  public static func bilirubinPoints(mgPerDL x: Double) -> Int { x < 2 ? 1 : x <= 3 ? 2 : 3 }
  /// Albumin points: > 3.5 → 1, 2.8–3.5 → 2, < 2.8 → 3 (g/dL).
  public static func albuminPoints(gPerDL x: Double) -> Int { x > 3.5 ? 1 : x >= 2.8 ? 2 : 3 }
  /// INR points: < 1.7 → 1, 1.7–2.3 → 2, > 2.3 → 3.
  public static func inrPoints(_ x: Double) -> Int { x < 1.7 ? 1 : x <= 2.3 ? 2 : 3 }

  /// The five point counts: `bilirubin_points`, `albumin_points`, `inr_points`,
  /// `ascites_points`, `encephalopathy_points`.
  public var parts: [ScorePart] {
    [
      ScorePart("bilirubin_points", Double(bilirubinPoints)),
      ScorePart("albumin_points", Double(albuminPoints)),
      ScorePart("inr_points", Double(inrPoints)),
      ScorePart("ascites_points", Double(ascitesPoints)),
      ScorePart("encephalopathy_points", Double(encephalopathyPoints)),
    ]
  }
}
