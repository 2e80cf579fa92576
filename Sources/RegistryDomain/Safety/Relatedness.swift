/// The investigator's assessment of an adverse event's relation to the MSC product (SPEC §2;
/// option `--relatedness`).
///
/// `possible`, `probable` and `definite` count as related (`isRelated`), the usual convention
/// for "related" AE tables.
public enum Relatedness: String, ClinicalCode, Comparable, CustomStringConvertible {
  case unrelated, unlikely, possible, probable, definite

  public static let codeName = "relatedness"
  /// The field that names it in errors, in the domain's words (`FieldSpelling` spells it per edge).
  public static let field = "relatedness"

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

extension Relatedness {
  /// SPEC §4: a relatedness other than `unrelated` needs an MSC infusion (a live one) on or
  /// before the onset; `unlikely` is a judgement about an exposure too, so it needs one as well.
  ///
  /// - Parameters:
  ///   - onset: the adverse event's onset.
  ///   - firstInfusion: the date of the patient's earliest live infusion, nil when none.
  ///   - studyID: for the message.
  /// - Throws: `RegistryError.refused("relatedness", …)` (exit 65).
  public func checkExposure(onset: CalendarDate, firstInfusion: CalendarDate?, studyID: String)
    throws
  {
    guard self != .unrelated else { return }
    if let firstInfusion, firstInfusion <= onset { return }
    let had =
      firstInfusion.map { "\(studyID)'s first MSC infusion is on \($0), after the onset \(onset)" }
      ?? "\(studyID) has no MSC infusion"
    throw RegistryError.refused(
      Self.field,
      "\(rawValue) needs an MSC infusion on or before the onset; \(had) (record it as unrelated)")
  }
}
