/// The SLEDAI-2K disease-activity score (Gladman et al., J Rheumatol 2002;29:288).
///
/// Score = sum of the weights of the descriptors present, 0–105. Each descriptor counts once.
public struct SLEDAI2K: ClinicalScore, Hashable {
  public static let instrument = "sledai_2k"
  /// The option that takes the descriptors.
  public static let field = "sledai_descriptors"
  /// The highest possible score (all 24 descriptors).
  public static let maximum = 105

  /// The descriptors present, each once, in SPEC §7 order.
  public let descriptors: [SLEDAIDescriptor]
  /// Sum of the weights, 0–105.
  public let score: Int

  /// Scores a set of descriptors (repeats count once).
  public init(_ descriptors: some Sequence<SLEDAIDescriptor>) {
    let present = Set(descriptors)
    self.descriptors = SLEDAIDescriptor.allCases.filter(present.contains)
    self.score = self.descriptors.reduce(0) { $0 + $1.weight }
  }

  /// Parses `--sledai-descriptors a,b,…` (empty text: no descriptor, score 0) and scores it.
  ///
  /// - Throws: `RegistryError.refused("sledai_descriptors", …)` for an unknown code.
  public init(parsing text: String) throws {
    self.init(try SLEDAIDescriptor.parseList(text, field: Self.field))
  }

  /// One part per descriptor present: its code and weight.
  public var parts: [ScorePart] {
    descriptors.map { ScorePart($0.rawValue, Double($0.weight)) }
  }
}
