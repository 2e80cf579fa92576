import Foundation

/// Dose per kg body weight in exact decimal arithmetic (issue 12; SPEC §4 "dose per kg within
/// the protocol's range").
///
/// Cells and weight are stored as binary floating point; each is read back as the decimal of
/// its 15 significant digits (`40.2`, `4.02e7`), exactly what PostgreSQL's `float8::numeric`
/// keeps, so that the domain and the database's infusion gate (migration 0010) and report
/// banding agree at every edge. Comparisons never divide: `cells ≥ bound × weight` is exact in
/// decimal arithmetic, so 4.02e7 cells for 40.2 kg is exactly 1.0×10⁶/kg, and a dose equal to
/// a protocol limit or a band edge is inside it (lower edges inclusive).
public enum DosePerKg {
  /// A stored number as the decimal of its 15 significant digits.
  public static func decimal(_ x: Double) -> Decimal {
    Decimal(string: String(format: "%.15g", x), locale: Locale(identifier: "en_US_POSIX"))
      ?? Decimal(x)
  }

  /// cells ÷ weight in decimal arithmetic (38 significant digits).
  public static func exact(cells: Double, weightKg: Double) -> Decimal {
    decimal(cells) / decimal(weightKg)
  }

  /// The dose as stored and reported: the double nearest to the exact quotient.
  public static func value(cells: Double, weightKg: Double) -> Double {
    double(exact(cells: cells, weightKg: weightKg))
  }

  /// Whether cells ÷ weight ≥ `bound`, exactly (cells ≥ bound × weight).
  public static func isAtLeast(cells: Double, weightKg: Double, _ bound: Double) -> Bool {
    decimal(cells) >= decimal(bound) * decimal(weightKg)
  }

  /// Whether cells ÷ weight ≤ `bound`, exactly (cells ≤ bound × weight).
  public static func isAtMost(cells: Double, weightKg: Double, _ bound: Double) -> Bool {
    decimal(cells) <= decimal(bound) * decimal(weightKg)
  }

  /// A decimal as the nearest double.
  static func double(_ d: Decimal) -> Double {
    Double(d.description) ?? NSDecimalNumber(decimal: d).doubleValue
  }

  /// A dose as text and HTML print it: `1.0×10⁶/kg`, `0.97×10⁶/kg`, `1.25×10⁶/kg` (in
  /// millions per kg, one or two decimals). When rounding would carry a dose across a band
  /// edge (`DoseBand.edges`) it is shown with more decimals, then cut, never rounded up into the
  /// next band (999,999.99 is `0.999999×10⁶/kg`, not `1.0×10⁶/kg`).
  public static func text(_ dose: Double) -> String {
    guard dose.isFinite, dose >= 0 else { return "\(dose)/kg" }
    let exact = decimal(dose)
    let millions = exact / 1_000_000
    let band = DoseBand.index(exact)
    for decimals in 2...6 {
      let shown = rounded(millions, decimals, .plain)
      if DoseBand.index(shown * 1_000_000) == band { return format(shown, decimals) + "×10⁶/kg" }
    }
    return format(rounded(millions, 6, .down), 6) + "×10⁶/kg"
  }

  /// A dose as JSON and CSV carry it: a plain number, no exponent (`967741.935483871`,
  /// `1000000`).
  public static func plain(_ dose: Double) -> String {
    guard dose.isFinite else { return "\(dose)" }
    var text = String(format: "%.9f", dose)
    while text.hasSuffix("0") { text.removeLast() }
    if text.hasSuffix(".") { text.removeLast() }
    return text
  }

  static func rounded(_ d: Decimal, _ scale: Int, _ mode: NSDecimalNumber.RoundingMode)
    -> Decimal
  {
    var value = d
    var result = Decimal()
    NSDecimalRound(&result, &value, scale, mode)
    return result
  }

  /// At least one decimal, at most `decimals`, trailing zeros beyond the first dropped.
  static func format(_ d: Decimal, _ decimals: Int) -> String {
    var text = String(format: "%.\(decimals)f", double(d))
    while text.hasSuffix("0"), !text.hasSuffix(".0") { text.removeLast() }
    return text
  }
}
