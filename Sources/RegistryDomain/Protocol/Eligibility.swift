/// A bound on one measure (`eligibility.<measure>` in the protocol file).
public struct MeasureCriterion: Sendable, Hashable {
  /// The measure, in the registry's units (see `Measure`).
  public let measure: Measure
  /// Allowed values, ends included; at least one end is present.
  public let bounds: Bounds<Double>

  /// Creates a criterion; the values are taken as given.
  public init(measure: Measure, bounds: Bounds<Double>) {
    self.measure = measure
    self.bounds = bounds
  }
}

/// The eligibility criteria checked at enrollment (`eligibility` in the protocol file).
public struct Eligibility: Sendable, Hashable {
  /// Age at enrollment in whole years; nil when the protocol sets no age limit.
  public let ageYears: Bounds<Int>?
  /// Measure criteria, in the file's order.
  public let criteria: [MeasureCriterion]
  /// Whether signed consent must be recorded (default true).
  public let requireConsent: Bool

  /// Creates criteria; the values are taken as given.
  public init(ageYears: Bounds<Int>?, criteria: [MeasureCriterion], requireConsent: Bool) {
    self.ageYears = ageYears
    self.criteria = criteria
    self.requireConsent = requireConsent
  }

  /// The measures a candidate must bring to be checked, in the file's order.
  public var measuresNeeded: [Measure] { criteria.map(\.measure) }

  /// Every failed criterion of a candidate, each as `name: rule` (for the screening log).
  ///
  /// - Parameters:
  ///   - ageYears: age at enrollment in whole years.
  ///   - values: the candidate's measures in the registry's units; a needed measure that is
  ///     missing is a failure ("not measured").
  ///   - hasConsent: whether consent is recorded.
  /// - Returns: empty when eligible. Never throws.
  public func failures(ageYears age: Int, values: [Measure: Double], hasConsent: Bool) -> [String] {
    var failures: [String] = []
    if requireConsent && !hasConsent { failures.append("consent: not recorded") }
    if let ageYears, !ageYears.contains(age) {
      failures.append("age_years: \(age) is outside \(Self.describe(ageYears.map(Double.init)))")
    }
    for criterion in criteria {
      guard let value = values[criterion.measure] else {
        failures.append("\(criterion.measure.rawValue): not measured")
        continue
      }
      if !criterion.bounds.contains(value) {
        failures.append(
          "\(criterion.measure.rawValue): \(formatNumber(value)) is outside \(Self.describe(criterion.bounds))"
        )
      }
    }
    return failures
  }

  static func describe(_ bounds: Bounds<Double>) -> String {
    switch (bounds.min, bounds.max) {
    case (let lo?, let hi?): "\(formatNumber(lo))–\(formatNumber(hi))"
    case (let lo?, nil): "≥ \(formatNumber(lo))"
    case (nil, let hi?): "≤ \(formatNumber(hi))"
    case (nil, nil): "any value"
    }
  }
}

extension Bounds where Value == Int {
  func map(_ transform: (Int) -> Double) -> Bounds<Double> {
    Bounds<Double>(min: min.map(transform), max: max.map(transform))
  }
}

/// A number as protocol messages print it: integers without a decimal point, others as Swift
/// prints a Double (`0.5`, `500000`, `1.5e+20`).
func formatNumber(_ value: Double) -> String {
  if value.isFinite, value == value.rounded(), abs(value) < 1e15 {
    return String(Int(value))
  }
  return "\(value)"
}
