import Foundation

/// A coded value with a fixed list of spellings (SPEC §7 and §5), parsed from command-line text.
///
/// Parsing is exact (after trimming spaces): the raw values are the contract. A refusal names
/// the option (`field`) and lists every accepted code.
public protocol ClinicalCode: RawRepresentable, CaseIterable, Sendable, Hashable, Codable
where RawValue == String {
  /// What one code is called in messages, e.g. "SLEDAI-2K descriptor".
  static var codeName: String { get }
}

extension ClinicalCode {
  /// Every accepted spelling, in declaration order, joined with ", ".
  public static var acceptedCodes: String {
    allCases.map(\.rawValue).joined(separator: ", ")
  }

  /// Parses one code.
  ///
  /// - Throws: `RegistryError.refused(field, …)` for an unknown code, listing the accepted ones.
  public static func parse(_ text: String, field: String) throws -> Self {
    let code = text.trimmingCharacters(in: .whitespaces)
    guard let value = Self(rawValue: code) else {
      throw RegistryError.refused(
        field, "unknown \(codeName) '\(code)'; accepted: \(acceptedCodes)")
    }
    return value
  }

  /// Parses a comma-separated list of codes (`a,b,c`); an empty text is an empty list.
  ///
  /// The result keeps the order of first appearance; a repeated code is kept once (repeating
  /// a code changes nothing).
  /// - Throws: `RegistryError.refused(field, …)` for an empty item or an unknown code.
  public static func parseList(_ text: String, field: String) throws -> [Self] {
    let trimmed = text.trimmingCharacters(in: .whitespaces)
    if trimmed.isEmpty { return [] }
    var result: [Self] = []
    for item in trimmed.split(separator: ",", omittingEmptySubsequences: false) {
      let code = item.trimmingCharacters(in: .whitespaces)
      guard !code.isEmpty else {
        throw RegistryError.refused(field, "empty \(codeName) in the list '\(trimmed)'")
      }
      let value = try parse(code, field: field)
      if !result.contains(value) { result.append(value) }
    }
    return result
  }
}
