/// The investigator's assessment of an adverse event's relation to the MSC product (SPEC §2;
/// option `--relatedness`).
///
/// `possible`, `probable` and `definite` count as related (`isRelated`), the usual convention
/// for "related" AE tables.
public enum Relatedness: String, ClinicalCode, Comparable, CustomStringConvertible {
  case unrelated, unlikely, possible, probable, definite

  public static let codeName = "relatedness"
  /// The option that takes it.
  public static let option = "--relatedness"

  /// True for possible, probable and definite.
  public var isRelated: Bool {
    switch self {
    case .possible, .probable, .definite: true
    case .unrelated, .unlikely: false
    }
  }

  /// Ordered from unrelated to definite.
  public static func < (lhs: Self, rhs: Self) -> Bool {
    allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
  }

  /// The code.
  public var description: String { rawValue }
}
