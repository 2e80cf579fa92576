import Foundation

/// A BILAG-2004 organ domain (REFERENCE.md "BILAG-2004": nine domains).
public enum BILAGDomain: String, ClinicalCode, CustomStringConvertible {
  case constitutional, mucocutaneous, neuropsychiatric, musculoskeletal, cardiorespiratory,
    gastrointestinal, ophthalmic, renal, hematological

  public static let codeName = "BILAG-2004 domain"

  /// The code.
  public var description: String { rawValue }
}

/// A BILAG-2004 domain grade, A (severe activity) to E (never involved) (REFERENCE.md).
public enum BILAGGrade: String, ClinicalCode, Comparable, CustomStringConvertible {
  case a = "A"
  case b = "B"
  case c = "C"
  case d = "D"
  case e = "E"

  public static let codeName = "BILAG-2004 grade"

  /// A < B < … < E in letter order (A is the most active).
  public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }

  /// The letter.
  public var description: String { rawValue }
}

/// The BILAG-2004 grades recorded at one visit (REFERENCE.md; option `--bilag`).
///
/// The registry records grades; it does not derive them from items. A record may grade only
/// some domains; a domain left out is "not recorded" (`grades[domain] == nil`).
public struct BILAG2004: Sendable, Hashable, CustomStringConvertible {
  /// The field that names the grades in errors, in the domain's words (`FieldSpelling` spells it per edge).
  public static let field = "bilag"

  /// The grade of each recorded domain.
  public let grades: [BILAGDomain: BILAGGrade]

  /// Wraps grades.
  public init(_ grades: [BILAGDomain: BILAGGrade]) { self.grades = grades }

  /// Parses `renal=A,mucocutaneous=C`.
  ///
  /// - Throws: `RegistryError.refused("bilag", …)` for an empty text, an item without `=`,
  ///   an unknown domain or grade, or a domain given twice.
  public init(parsing text: String) throws {
    let field = Self.field
    let trimmed = text.trimmingCharacters(in: .whitespaces)
    guard !trimmed.isEmpty else {
      throw RegistryError.refused(
        field, "no BILAG-2004 grades given (e.g. renal=A,mucocutaneous=C)")
    }
    var grades: [BILAGDomain: BILAGGrade] = [:]
    for item in trimmed.split(separator: ",", omittingEmptySubsequences: false) {
      let pair = item.split(separator: "=", omittingEmptySubsequences: false)
      guard pair.count == 2 else {
        throw RegistryError.refused(
          field, "'\(item.trimmingCharacters(in: .whitespaces))' is not DOMAIN=GRADE (e.g. renal=A)"
        )
      }
      let domain = try BILAGDomain.parse(String(pair[0]), field: field)
      let grade = try BILAGGrade.parse(String(pair[1]), field: field)
      guard grades[domain] == nil else {
        throw RegistryError.refused(field, "BILAG-2004 domain \(domain) is graded twice")
      }
      grades[domain] = grade
    }
    self.grades = grades
  }

  /// The grade of a domain, nil when not recorded.
  public subscript(domain: BILAGDomain) -> BILAGGrade? { grades[domain] }

  /// `renal=A,mucocutaneous=C`, domains in REFERENCE.md order.
  public var description: String {
    BILAGDomain.allCases.compactMap { d in grades[d].map { "\(d)=\($0)" } }
      .joined(separator: ",")
  }
}
