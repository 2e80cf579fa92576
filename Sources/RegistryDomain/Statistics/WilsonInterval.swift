import Foundation

/// The Wilson score interval for a proportion: `k` responders of `n` patients.
///
/// Source: Wilson EB, J Am Stat Assoc 1927;22:209; the same formula as statsmodels
/// `proportion_confint(k, n, method="wilson")`:
/// centre = (p̂ + z²/2n) / (1 + z²/n), half-width = z / (1 + z²/n) · √(p̂(1 − p̂)/n + z²/4n²).
/// Bounds lie in [0, 1]; at k = 0 the lower bound is exactly 0 and at k = n the upper bound is
/// exactly 1 (the formula gives these values; rounding is removed). The interval always contains
/// the estimate k/n.
public struct WilsonInterval: Sendable, Hashable {
  /// Responders (successes), 0…`trials`.
  public let successes: Int
  /// Patients in the denominator, ≥ 1.
  public let trials: Int
  /// The point estimate k/n, in [0, 1].
  public let estimate: Double
  /// Lower bound, in [0, 1].
  public let low: Double
  /// Upper bound, in [0, 1].
  public let high: Double

  /// Computes the interval for `successes` of `trials` at the level given by `z`.
  ///
  /// - Parameters:
  ///   - successes: k, 0…n.
  ///   - trials: n.
  ///   - z: the normal quantile; the default 1.959963984540054 gives a two-sided 95% interval.
  /// - Returns: nil when `trials` is 0 or less (no patients: there is no proportion to estimate,
  ///   and reports print a dash), or when `successes` is outside 0…`trials`. Never throws.
  public init?(successes: Int, trials: Int, z: Double = StandardNormal.z975) {
    guard trials > 0, (0...trials).contains(successes) else { return nil }
    let n = Double(trials)
    let p = Double(successes) / n
    let z2 = z * z
    let denominator = 1 + z2 / n
    let centre = (p + z2 / (2 * n)) / denominator
    let half = z / denominator * (p * (1 - p) / n + z2 / (4 * n * n)).squareRoot()
    self.successes = successes
    self.trials = trials
    self.estimate = p
    self.low = successes == 0 ? 0 : min(p, max(0, centre - half))
    self.high = successes == trials ? 1 : max(p, min(1, centre + half))
  }
}
