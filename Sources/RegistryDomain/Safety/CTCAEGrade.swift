import Foundation

/// The severity grade of an adverse event, CTCAE v5.0 (REFERENCE.md "CTCAE v5.0 grades").
///
/// Grades 1–5: 1 mild; 2 moderate; 3 severe or medically significant; 4 life-threatening;
/// 5 death related to the AE. Severity only: seriousness (ICH E2A) is `Seriousness`.
public enum CTCAEGrade: Int, Sendable, Hashable, CaseIterable, Comparable, Codable,
  CustomStringConvertible
{
  case mild = 1
  case moderate = 2
  case severe = 3
  case lifeThreatening = 4
  case death = 5

  /// The field that names it in errors, in the domain's words (`FieldSpelling` spells it per edge).
  public static let field = "grade"

  /// The grade for 1–5; nil otherwise.
  public init?(_ grade: Int) { self.init(rawValue: grade) }

  /// Parses `--grade G` (1–5).
  ///
  /// - Throws: `RegistryError.refused("grade", …)` for anything but 1, 2, 3, 4 or 5.
  public static func parse(_ text: String) throws -> CTCAEGrade {
    guard let n = Int(text.trimmingCharacters(in: .whitespaces)), let grade = CTCAEGrade(n) else {
      throw RegistryError.refused(field, "CTCAE grade must be 1–5 (got '\(text)')")
    }
    return grade
  }

  /// The name of REFERENCE.md, e.g. "severe or medically significant".
  public var name: String {
    switch self {
    case .mild: "mild"
    case .moderate: "moderate"
    case .severe: "severe or medically significant"
    case .lifeThreatening: "life-threatening"
    case .death: "death related to the AE"
    }
  }

  public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }

  /// `grade 3 (severe or medically significant)`.
  public var description: String { "grade \(rawValue) (\(name))" }
}
