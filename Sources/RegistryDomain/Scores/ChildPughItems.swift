/// Ascites as graded for Child-Pugh (REFERENCE.md "Child-Pugh"; option `--ascites`).
///
/// Points: none 1, mild 2, moderate–severe 3.
public enum Ascites: String, ClinicalCode, CustomStringConvertible {
  case none
  case mild
  case moderateSevere = "moderate_severe"

  public static let codeName = "ascites grade"
  /// The field that names it in errors, in the domain's words (`FieldSpelling` spells it per edge).
  public static let field = "ascites"

  /// Child-Pugh points, 1–3.
  public var points: Int {
    switch self {
    case .none: 1
    case .mild: 2
    case .moderateSevere: 3
    }
  }

  /// The code.
  public var description: String { rawValue }
}

/// Hepatic encephalopathy as graded for Child-Pugh (REFERENCE.md "Child-Pugh"; option
/// `--encephalopathy`).
///
/// Points: none 1, grade 1–2 2, grade 3–4 3.
public enum Encephalopathy: String, ClinicalCode, CustomStringConvertible {
  case none
  case grade1To2 = "grade1_2"
  case grade3To4 = "grade3_4"

  public static let codeName = "encephalopathy grade"
  /// The field that names it in errors, in the domain's words (`FieldSpelling` spells it per edge).
  public static let field = "encephalopathy"

  /// Child-Pugh points, 1–3.
  public var points: Int {
    switch self {
    case .none: 1
    case .grade1To2: 2
    case .grade3To4: 3
    }
  }

  /// The code.
  public var description: String { rawValue }
}

/// The Child-Pugh class (REFERENCE.md): A 5–6, B 7–9, C 10–15 points.
public enum ChildPughClass: String, Sendable, Hashable, CaseIterable, Codable,
  CustomStringConvertible
{
  case a = "A"
  case b = "B"
  case c = "C"

  /// The class of a Child-Pugh total (5–15): A ≤ 6, B 7–9, C ≥ 10.
  public init(points: Int) {
    switch points {
    case ...6: self = .a
    case 7...9: self = .b
    default: self = .c
    }
  }

  /// `A`, `B` or `C`.
  public var description: String { rawValue }
}
