import Foundation

/// Formatting and rounding of numbers for clinical messages and scores (internal helpers).
enum ClinicalNumber {
  /// A number as a person writes it: `95`, `4.2`, `0.97` (at most `decimals` decimals, no
  /// trailing zeros).
  static func format(_ x: Double, decimals: Int = 4) -> String {
    guard x.isFinite else { return "\(x)" }
    var text = String(format: "%.\(decimals)f", x)
    if text.contains(".") {
      while text.hasSuffix("0") { text.removeLast() }
      if text.hasSuffix(".") { text.removeLast() }
    }
    return text == "-0" ? "0" : text
  }

  /// A number with exactly `exactDecimals` decimals (as it was typed: `1.50`); without them,
  /// as `format(_:decimals:)`.
  static func format(_ x: Double, exactDecimals: Int?) -> String {
    guard let d = exactDecimals, x.isFinite, (0...12).contains(d) else { return format(x) }
    let text = String(format: "%.\(d)f", x)
    return text.hasPrefix("-") && Double(text) == 0 ? String(text.dropFirst()) : text
  }

  /// A computed value (a unit conversion) with 2 decimals, or more (up to 9) when 2 would
  /// make it look equal to one of `limits` it differs from: `4.97`, and `4.9999` rather than
  /// `5` against a limit of 5.
  static func format(_ x: Double, apartFrom limits: [Double]) -> String {
    for decimals in 2...9 {
      let text = format(x, decimals: decimals)
      let shown = Double(text) ?? x
      if !limits.contains(where: { $0 != x && shown == $0 }) { return text }
    }
    return format(x, decimals: 9)
  }

  /// A closed range as `0.1–80`.
  static func format(_ range: ClosedRange<Double>) -> String {
    "\(format(range.lowerBound))–\(format(range.upperBound))"
  }

  /// Removes binary floating-point noise below 1e-9 (so `1.2 − 0.9` is `0.3`, and
  /// `51.3 / 17.1` is `3.0`), keeping every clinically meaningful digit.
  static func snap(_ x: Double) -> Double {
    guard x.isFinite, abs(x) < 1e6 else { return x }
    return (x * 1e9).rounded() / 1e9
  }

  /// Rounds half away from zero after `snap`, so an exact decimal tie such as 27.5 rounds
  /// up as it does on paper even when binary arithmetic produced 27.499999999999996.
  static func roundHalfUp(_ x: Double) -> Int {
    Int(snap(x).rounded(.toNearestOrAwayFromZero))
  }
}

/// Checks that every required input of a score is present (internal helper).
enum ScoreInputs {
  /// Throws one refusal naming every missing input (the first one as the field).
  ///
  /// The message lists them as the options that give them (`--bilirubin`), as every message of
  /// the registry names what to give; the field is the domain's word, spelled by each edge.
  ///
  /// - Parameter inputs: pairs of field name (`anti_dsdna`) and whether the value is present.
  static func check(_ instrument: String, _ inputs: [(field: String, present: Bool)]) throws {
    let missing = inputs.filter { !$0.present }.map(\.field)
    guard let first = missing.first else { return }
    let options = missing.map(FieldSpelling.option.callAsFunction)
    throw RegistryError.refused(
      first, "\(instrument) needs \(options.joined(separator: ", ")) (missing)")
  }
}
