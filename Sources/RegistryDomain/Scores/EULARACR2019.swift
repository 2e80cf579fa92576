import Foundation

/// The 2019 EULAR/ACR classification of SLE (Aringer et al., Ann Rheum Dis 2019; REFERENCE.md).
///
/// - Entry criterion: ANA ≥ 1:80 ever, i.e. titer denominator ≥ 80. A missing titer means the
///   entry criterion is not met.
/// - Within each domain only the highest-weighted item counts (ties: the first in SPEC §7 order
///   is listed; the total is the same).
/// - Classified as SLE when the entry criterion is met, the total is ≥ 10, and at least one
///   clinical item counts. The total is computed (and reported) even without the entry
///   criterion, but such a patient is never classified.
/// - The total is at most 51 (the sum of the ten domain maxima).
public struct EULARACR2019: ClinicalScore, Hashable {
  public static let instrument = "eular_acr_2019"
  /// The field that names the items in errors, in the domain's words (`FieldSpelling` spells it per edge).
  public static let field = "eular_acr_items"
  /// The field that names the ANA titer in errors, in the domain's words (`FieldSpelling` spells it per edge).
  public static let anaTiterField = "ana_titer"
  /// The entry criterion: ANA titer denominator at least 80 (1:80).
  public static let entryTiter = 80
  /// The classification threshold (total ≥ 10).
  public static let threshold = 10
  /// Plausible ANA titer denominators (0 = negative; registry's choice).
  public static let titerRange: ClosedRange<Int> = 0...1_000_000
  /// The highest possible total: the sum of each domain's maximum weight (51).
  public static var maximumTotal: Int {
    EULARACRDomain.allCases.reduce(0) { $0 + $1.maximumWeight }
  }

  /// Every item present, each once, in SPEC §7 order.
  public let items: [EULARACRItem]
  /// The ANA titer denominator (160 for 1:160), or nil when not known.
  public let anaTiter: Int?
  /// Whether ANA ≥ 1:80.
  public let entryCriterionMet: Bool
  /// The items that count: the highest-weighted item of each domain present, in domain order.
  public let counted: [EULARACRItem]
  /// Sum of the weights of the counted items (0–51).
  public let score: Int
  /// Whether at least one counted item is clinical.
  public let hasClinicalCriterion: Bool
  /// Whether the patient is classified as SLE (`classificationFailure()` is nil).
  public var classified: Bool { classificationFailure() == nil }

  /// The total (same as `score`).
  public var total: Int { score }

  /// Classifies a set of items with an ANA titer denominator.
  ///
  /// - Throws: `RegistryError.refused("ana_titer", …)` for a titer outside 0–1,000,000.
  public init(items: some Sequence<EULARACRItem>, anaTiter: Int?) throws {
    if let anaTiter, !Self.titerRange.contains(anaTiter) {
      throw RegistryError.refused(
        Self.anaTiterField,
        "ANA titer 1:\(anaTiter) is outside the plausible range 1:0–1:1000000")
    }
    let present = Set(items)
    self.items = EULARACRItem.allCases.filter(present.contains)
    self.anaTiter = anaTiter
    self.entryCriterionMet = (anaTiter ?? 0) >= Self.entryTiter
    var counted: [EULARACRItem] = []
    for domain in EULARACRDomain.allCases {
      let inDomain = self.items.filter { $0.domain == domain }
      // max(by:) keeps the last of equal elements; pick the first of the highest explicitly.
      if let top = inDomain.map(\.weight).max(),
        let item = inDomain.first(where: { $0.weight == top })
      {
        counted.append(item)
      }
    }
    self.counted = counted
    self.score = counted.reduce(0) { $0 + $1.weight }
    self.hasClinicalCriterion = counted.contains(where: \.isClinical)
  }

  /// Why the patient is not classified with the total held to `total` (default: the published
  /// threshold, ≥ 10); nil when classified. The one rule behind both `classified` and an
  /// eligibility criterion `eular_acr_2019: {min: N}` (REFERENCE.md: "classification (entry
  /// criterion, a clinical criterion, and the total at or above the protocol's minimum)").
  ///
  /// Checked in order, the first failing part is named: `entry criterion not met (ANA 1:40 <
  /// 1:80)` (or `(ANA titer not recorded)`), `no clinical criterion`, then the total against
  /// the bounds (`8 < 10`, `52 > 40`).
  public func classificationFailure(total: Bounds<Double> = Bounds(min: Double(threshold)))
    -> String?
  {
    if !entryCriterionMet {
      let titer = anaTiter.map { "ANA 1:\($0) < 1:\(Self.entryTiter)" } ?? "ANA titer not recorded"
      return "entry criterion not met (\(titer))"
    }
    if !hasClinicalCriterion { return "no clinical criterion" }
    if let min = total.min, Double(score) < min { return "\(score) < \(formatNumber(min))" }
    if let max = total.max, Double(score) > max { return "\(score) > \(formatNumber(max))" }
    return nil
  }

  /// Parses `--eular-acr-items a,b,…` and `--ana-titer N` (nil: not given) and classifies.
  ///
  /// - Throws: `RegistryError.refused` naming `--eular-acr-items` or `--ana-titer`.
  public init(parsingItems items: String, anaTiter: String?) throws {
    let parsed = try EULARACRItem.parseList(items, field: Self.field)
    try self.init(items: parsed, anaTiter: try anaTiter.map(Self.parseANATiter))
  }

  /// Parses an ANA titer: the denominator (`160`) or the ratio (`1:160`).
  ///
  /// - Throws: `RegistryError.refused("ana_titer", …)` for anything else or a titer outside
  ///   0–1,000,000.
  public static func parseANATiter(_ text: String) throws -> Int {
    var t = text.trimmingCharacters(in: .whitespaces)
    if t.hasPrefix("1:") { t.removeFirst(2) }
    guard let value = Int(t), titerRange.contains(value) else {
      throw RegistryError.refused(
        anaTiterField,
        "'\(text)' is not an ANA titer (the denominator, e.g. 160 for 1:160, 0–1000000)")
    }
    return value
  }

  /// The counted items with their weights, then `ana_titer` (when known), `entry_criterion`,
  /// `clinical_criterion` and `classified` (1 or 0).
  public var parts: [ScorePart] {
    var parts = counted.map { ScorePart($0.rawValue, Double($0.weight)) }
    if let anaTiter { parts.append(ScorePart("ana_titer", Double(anaTiter))) }
    parts.append(ScorePart("entry_criterion", entryCriterionMet ? 1 : 0))
    parts.append(ScorePart("clinical_criterion", hasClinicalCriterion ? 1 : 0))
    parts.append(ScorePart("classified", classified ? 1 : 0))
    return parts
  }
}
