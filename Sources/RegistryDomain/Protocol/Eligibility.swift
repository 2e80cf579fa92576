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

  /// The first eligibility input a candidate lacks, as a refusal (exit 65) naming the missing
  /// option and the criterion: `--inr: required by eligibility criterion meld`. Nil when every
  /// criterion can be evaluated.
  ///
  /// SPEC §4: a screening that lacks a measure a criterion needs is refused, not written to
  /// the screening log as a screen failure (a lab not drawn is not an ineligible patient).
  public func missingInput(in measures: MeasureSet) -> RegistryError? {
    for criterion in criteria {
      let missing = criterion.measure.missingInputs(in: measures)
      guard let first = missing.first else { continue }
      let options = missing.map(FieldSpelling.option.callAsFunction).joined(separator: ", ")
      let all = missing.count > 1 ? " (missing: \(options))" : ""
      return RegistryError.refused(
        first,
        "required by eligibility criterion \(criterion.measure.rawValue)\(all); "
          + "the screening was not recorded")
    }
    return nil
  }

  /// Every failed criterion of a candidate, each as `name: rule` (for the screening log).
  ///
  /// - Parameters:
  ///   - ageYears: age at enrollment in whole years.
  ///   - sex: the candidate's sex (MELD 3.0).
  ///   - measures: the screening measures. A criterion whose inputs are missing is listed as
  ///     `not measured` here; enrollment refuses such a screening first (`missingInput(in:)`).
  ///   - hasConsent: whether consent is recorded.
  /// - Returns: empty when eligible. Never throws.
  ///
  /// Rules: a measure criterion holds when its value lies within the bounds, ends included.
  /// `eular_acr_2019` means classified by Aringer 2019 with the total in the bounds
  /// (`EULARACR2019.classificationFailure(total:)`, the same rule `score eular-acr` uses).
  /// `meld_3` is not applicable under age 12 (PELD applies; `MELD3.minimumAge`). Lab values
  /// are printed as entered, with their unit (`bilirubin: 85 µmol/L (4.97 mg/dL) is outside
  /// ≥ 5 mg/dL`).
  public func failures(ageYears age: Int, sex: Sex, measures: MeasureSet, hasConsent: Bool)
    -> [String]
  {
    var failures: [String] = []
    if requireConsent && !hasConsent { failures.append("consent: not recorded") }
    if let ageYears, !ageYears.contains(age) {
      failures.append("age_years: \(age) is outside \(Self.describe(ageYears.map(Double.init)))")
    }
    for criterion in criteria {
      if let failure = Self.failure(of: criterion, age: age, sex: sex, measures: measures) {
        failures.append("\(criterion.measure.rawValue): \(failure)")
      }
    }
    return failures
  }

  /// Why one criterion fails (without the `name: ` prefix), nil when it holds.
  static func failure(of criterion: MeasureCriterion, age: Int, sex: Sex, measures m: MeasureSet)
    -> String?
  {
    let bounds = criterion.bounds
    if !criterion.measure.missingInputs(in: m).isEmpty { return "not measured" }
    switch criterion.measure {
    case .eularACR2019:
      return m.eularAcr2019?.classificationFailure(total: bounds)
    case .meld3 where age < MELD3.minimumAge:
      return "not applicable at age \(age) (MELD 3.0 is used from age \(MELD3.minimumAge); "
        + "PELD applies below)"
    default:
      break
    }
    if let analyte = Analyte(rawValue: criterion.measure.rawValue),
      let reading = m.reading(of: analyte)
    {
      if bounds.contains(reading.canonical) { return nil }
      let limits = [bounds.min, bounds.max].compactMap { $0 }
      return "\(reading.description(apartFrom: limits)) is outside "
        + "\(describe(bounds))\(analyte.canonicalUnit.suffix)"
    }
    guard let value = m.value(ofMeasure: criterion.measure.rawValue, sex: sex, age: age) else {
      return "not measured"
    }
    if bounds.contains(value) { return nil }
    return "\(formatNumber(value)) is outside \(describe(bounds))"
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
public func formatNumber(_ value: Double) -> String {
  if value.isFinite, value == value.rounded(), abs(value) < 1e15 {
    return String(Int(value))
  }
  return "\(value)"
}
