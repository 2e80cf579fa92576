import Foundation

/// One validated laboratory value: what was entered, in which unit, and its canonical value.
///
/// Conversion happens exactly once, here (factors and ranges on `Analyte`, from SPEC §2 and
/// §4); the value as entered and its unit are kept so that nothing is silently altered.
/// Use the typed `LabValue` (`Bilirubin`, `Creatinine`, …) where the analyte is known at compile
/// time; `LabReading` serves code that loops over analytes.
public struct LabReading: Sendable, Hashable, CustomStringConvertible {
  /// Which measurement this is.
  public let analyte: Analyte
  /// The number as entered.
  public let entered: Double
  /// The unit it was entered in (the canonical unit for a bare number).
  public let enteredUnit: LabUnit
  /// The value in `analyte.canonicalUnit`, the one scores use.
  public let canonical: Double
  /// How many decimals the number was typed with (`1.50` → 2), nil when not typed as text
  /// (read from the database, built in code) or typed with an exponent. Messages print the
  /// entered value with this precision; it takes no part in equality.
  public let enteredDecimals: Int?

  public static func == (a: LabReading, b: LabReading) -> Bool {
    a.analyte == b.analyte && a.entered == b.entered && a.enteredUnit == b.enteredUnit
      && a.canonical == b.canonical
  }

  public func hash(into hasher: inout Hasher) {
    hasher.combine(analyte)
    hasher.combine(entered)
    hasher.combine(enteredUnit)
    hasher.combine(canonical)
  }

  /// Validates a value entered in a unit (nil: the canonical unit).
  ///
  /// - Throws: `RegistryError.refused(analyte.field, …)` when the value is NaN or infinite,
  ///   negative, in a unit the analyte does not accept (the message lists the accepted units),
  ///   or outside `analyte.plausibleRange` (the message gives the range).
  public init(
    _ analyte: Analyte, entered: Double, unit: LabUnit? = nil, enteredDecimals: Int? = nil
  ) throws {
    let field = analyte.field
    let unit = unit ?? analyte.canonicalUnit
    guard entered.isFinite else {
      throw RegistryError.refused(field, "\(analyte) must be a finite number (got \(entered))")
    }
    guard let canonical = analyte.canonicalValue(entered, unit: unit) else {
      throw RegistryError.refused(
        field,
        "unit \(unit) is not accepted for \(analyte); accepted units: "
          + analyte.acceptedUnits.map(\.description).joined(separator: ", "))
    }
    guard entered >= 0 else {
      throw RegistryError.refused(
        field,
        "\(analyte) must not be negative (got "
          + "\(ClinicalNumber.format(entered, exactDecimals: enteredDecimals))\(unit.suffix))")
    }
    let range = analyte.plausibleRange
    guard range.contains(canonical) else {
      let typed = ClinicalNumber.format(entered, exactDecimals: enteredDecimals)
      let shown =
        unit == analyte.canonicalUnit
        ? "\(typed)\(unit.suffix)"
        : "\(typed)\(unit.suffix) "
          + "(\(ClinicalNumber.format(canonical, apartFrom: [range.lowerBound, range.upperBound]))"
          + "\(analyte.canonicalUnit.suffix))"
      throw RegistryError.refused(
        field,
        "\(analyte) \(shown) is outside the plausible range "
          + "\(ClinicalNumber.format(range))\(analyte.canonicalUnit.suffix)")
    }
    self.analyte = analyte
    self.entered = entered
    self.enteredUnit = unit
    self.canonical = canonical
    self.enteredDecimals = enteredDecimals
  }

  /// Parses command-line text: a number with an optional unit, e.g. `1.2`, `85umol/L`,
  /// `85 µmol/L`, `3.1g/dL`, `31g/L`, `45mg/mmol`. A bare number is in the canonical unit.
  ///
  /// - Throws: `RegistryError.refused(analyte.field, …)` for text that is not a number, an
  ///   unknown unit (naming the accepted units), and every refusal of `init(_:entered:unit:)`.
  public init(_ analyte: Analyte, parsing text: String) throws {
    let field = analyte.field
    let accepted = analyte.acceptedUnits.map(\.description).joined(separator: ", ")
    guard let (number, unitText) = LabReading.split(text), let value = Double(number) else {
      throw RegistryError.refused(
        field,
        "'\(text)' is not a number with an optional unit for \(analyte) "
          + "(accepted units: \(accepted))")
    }
    var unit: LabUnit? = nil
    if !unitText.isEmpty {
      guard let u = LabUnit(text: unitText), u != .none else {
        throw RegistryError.refused(
          field, "unknown unit '\(unitText)' for \(analyte); accepted units: \(accepted)")
      }
      unit = u
    }
    try self.init(
      analyte, entered: value, unit: unit, enteredDecimals: LabReading.decimals(of: number))
  }

  /// The decimals typed in a plain number (`1.50` → 2, `85` → 0); nil with an exponent.
  static func decimals(of number: String) -> Int? {
    if number.contains(where: { $0 == "e" || $0 == "E" }) { return nil }
    guard let dot = number.firstIndex(of: ".") else { return 0 }
    return number.distance(from: number.index(after: dot), to: number.endIndex)
  }

  /// The entered value as typed (`1.50`), with its unit (`85 µmol/L`).
  public var enteredText: String {
    "\(ClinicalNumber.format(entered, exactDecimals: enteredDecimals))\(enteredUnit.suffix)"
  }

  /// As `description`, with the canonical value shown with enough decimals not to look equal
  /// to any of `limits` it differs from (`85.3 µmol/L (4.99 mg/dL)` against a limit of 5).
  public func description(apartFrom limits: [Double]) -> String {
    if enteredUnit == analyte.canonicalUnit { return enteredText }
    return "\(enteredText) (\(ClinicalNumber.format(canonical, apartFrom: limits))"
      + "\(analyte.canonicalUnit.suffix))"
  }

  /// `85 µmol/L (4.9708 mg/dL)`, or `1.2` for a value entered in the canonical unit.
  public var description: String {
    let first = enteredText
    if enteredUnit == analyte.canonicalUnit { return first }
    return "\(first) (\(ClinicalNumber.format(canonical))\(analyte.canonicalUnit.suffix))"
  }

  /// Splits `85 µmol/L` into the number text and the unit text; nil when it does not start
  /// with a number or the unit does not start with a letter.
  static func split(_ text: String) -> (String, String)? {
    let chars = Array(text.trimmingCharacters(in: .whitespaces))
    var i = 0
    func digits() -> Int {
      let start = i
      while i < chars.count, chars[i].isASCII, chars[i].isNumber { i += 1 }
      return i - start
    }
    if i < chars.count, chars[i] == "-" || chars[i] == "+" { i += 1 }
    var count = digits()
    if i < chars.count, chars[i] == "." {
      i += 1
      count += digits()
    }
    guard count > 0 else { return nil }
    if i < chars.count, chars[i] == "e" || chars[i] == "E" {
      var j = i + 1
      if j < chars.count, chars[j] == "-" || chars[j] == "+" { j += 1 }
      if j < chars.count, chars[j].isASCII, chars[j].isNumber {
        i = j
        _ = digits()
      }
    }
    let number = String(chars[..<i])
    let unit = String(chars[i...]).trimmingCharacters(in: .whitespaces)
    if let first = unit.first, !(first.isLetter || first == "\u{00B5}" || first == "\u{03BC}") {
      return nil
    }
    return (number, unit)
  }
}
