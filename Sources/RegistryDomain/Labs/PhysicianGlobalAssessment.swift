import Foundation

/// Physician global assessment of SLE activity on the 0–3 scale (SPEC §2, REFERENCE.md SRI-4).
///
/// Bounds 0–3 inclusive; no unit. Used by SRI-4 (worsening < 0.3).
public struct PhysicianGlobalAssessment: Sendable, Hashable, Comparable, CustomStringConvertible {
  /// The field that names it in errors, in the domain's words (`FieldSpelling` spells it per edge).
  public static let field = "pga"
  /// The scale, 0 (none) to 3 (severe).
  public static let range: ClosedRange<Double> = 0...3

  /// The assessment, 0–3.
  public let value: Double

  /// Validates a value.
  ///
  /// - Throws: `RegistryError.refused("pga", …)` for NaN, infinity or a value outside 0–3.
  public init(_ value: Double) throws {
    guard value.isFinite else {
      throw RegistryError.refused(
        Self.field, "physician global assessment must be a finite number (got \(value))")
    }
    guard Self.range.contains(value) else {
      throw RegistryError.refused(
        Self.field,
        "physician global assessment \(ClinicalNumber.format(value)) is outside the scale "
          + ClinicalNumber.format(Self.range))
    }
    self.value = value
  }

  /// Parses command-line text (`1.5`).
  ///
  /// - Throws: `RegistryError.refused("pga", …)` for text that is not a number, and as
  ///   `init(_:)`.
  public init(parsing text: String) throws {
    let trimmed = text.trimmingCharacters(in: .whitespaces)
    guard let (number, rest) = LabReading.split(trimmed), rest.isEmpty,
      let value = Double(number)
    else {
      throw RegistryError.refused(
        Self.field, "'\(text)' is not a number (physician global assessment, 0–3)")
    }
    try self.init(value)
  }

  public static func < (lhs: Self, rhs: Self) -> Bool { lhs.value < rhs.value }

  /// The value as written, e.g. `1.5`.
  public var description: String { ClinicalNumber.format(value) }
}
