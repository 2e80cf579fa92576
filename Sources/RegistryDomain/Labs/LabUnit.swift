import Foundation

/// A unit in which a laboratory value may be entered (SPEC §2 units).
///
/// The raw value is the unit's canonical spelling. Input text is matched leniently
/// (`LabUnit(text:)`): case-insensitive, spaces ignored, `u`, `µ` (micro sign) and `μ`
/// (Greek mu) all mean micro.
public enum LabUnit: String, Sendable, Hashable, CaseIterable, Codable, CustomStringConvertible {
  /// Milligrams per decilitre (bilirubin, creatinine, C3, C4: the conventional unit).
  case milligramsPerDeciliter = "mg/dL"
  /// Micromoles per litre (SI bilirubin and creatinine).
  case micromolesPerLiter = "µmol/L"
  /// Grams per decilitre (albumin: the conventional unit).
  case gramsPerDeciliter = "g/dL"
  /// Grams per litre (SI albumin; C3 and C4 as many laboratories report them).
  case gramsPerLiter = "g/L"
  /// Millimoles per litre (sodium).
  case millimolesPerLiter = "mmol/L"
  /// Milliequivalents per litre (sodium as US laboratories print it; equal to mmol/L for a
  /// monovalent ion).
  case milliequivalentsPerLiter = "mEq/L"
  /// Grams of protein per gram of creatinine (UPCR: the conventional unit).
  case gramsPerGram = "g/g"
  /// Milligrams of protein per millimole of creatinine (SI UPCR).
  case milligramsPerMillimole = "mg/mmol"
  /// Milligrams of protein per gram of creatinine (UPCR as US laboratories print it).
  case milligramsPerGram = "mg/g"
  /// International units per millilitre (anti-dsDNA).
  case internationalUnitsPerMilliliter = "IU/mL"
  /// No unit (INR is a ratio).
  case none = ""

  /// Matches a unit as typed on the command line; nil when it is not one of the units.
  ///
  /// `85umol/L`, `85 µmol/L`, `85 μmol/l` and `85 mcmol/L` all give `.micromolesPerLiter`.
  public init?(text: String) {
    let key = LabUnit.key(text)
    guard let unit = LabUnit.allCases.first(where: { LabUnit.key($0.rawValue) == key }) else {
      return nil
    }
    self = unit
  }

  /// The unit's spelling, or "no unit" for `.none`.
  public var description: String { self == .none ? "no unit" : rawValue }

  /// The unit as it follows a number in a message: `" mg/dL"`, or nothing for `.none`.
  var suffix: String { self == .none ? "" : " \(rawValue)" }

  private static func key(_ text: String) -> String {
    var key = text.lowercased().filter { !$0.isWhitespace }
    key = key.replacingOccurrences(of: "\u{00B5}", with: "u")
    key = key.replacingOccurrences(of: "\u{03BC}", with: "u")
    if key.hasPrefix("mcmol") { key = "u" + key.dropFirst(2) }
    return key
  }
}
