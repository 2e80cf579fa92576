/// A change from baseline: value − baseline (SPEC §6 "changes from baseline").
///
/// The difference is cleared of binary noise below 1e-9, so 1.2 − 0.9 is reported as 0.3.
public struct ChangeFromBaseline: Sendable, Hashable {
  /// The baseline value.
  public let baseline: Double
  /// The value at the later visit.
  public let value: Double
  /// value − baseline (negative: a decrease).
  public let change: Double

  /// Computes value − baseline.
  public init(baseline: Double, value: Double) {
    self.baseline = baseline
    self.value = value
    self.change = ClinicalNumber.snap(value - baseline)
  }

  /// The change, or nil when either value is missing.
  public static func of(baseline: Double?, value: Double?) -> ChangeFromBaseline? {
    guard let baseline, let value else { return nil }
    return ChangeFromBaseline(baseline: baseline, value: value)
  }
}
