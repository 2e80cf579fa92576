import Foundation

/// n, mean, sample standard deviation and the t-based confidence interval of the mean, as the
/// cohort report prints changes from baseline (SPEC §6).
///
/// Source: the textbook interval mean ± t(1 − α/2; n − 1) · SD/√n with SD the sample standard
/// deviation (divisor n − 1), as `scipy.stats.t.interval` and statsmodels `DescrStatsW.tconfint_mean`
/// compute it. Mean and SD are computed in two passes for accuracy.
public struct SampleSummary: Sendable, Hashable {
  /// Number of values.
  public let n: Int
  /// Arithmetic mean; nil when n = 0.
  public let mean: Double?
  /// Sample standard deviation (divisor n − 1); nil when n < 2.
  public let standardDeviation: Double?
  /// Lower bound of the confidence interval of the mean; nil when n < 2.
  public let ciLow: Double?
  /// Upper bound of the confidence interval of the mean; nil when n < 2.
  public let ciHigh: Double?

  /// Summarises `values` (finite numbers in the measure's own unit; NaN propagates).
  ///
  /// - Parameters:
  ///   - values: the observations, for example each patient's change from baseline.
  ///   - level: two-sided confidence level, in (0, 1); default 0.95.
  /// - Never throws: with n < 2 there is no SD and no interval (nil), with n = 0 no mean either.
  public init(_ values: [Double], level: Double = 0.95) {
    n = values.count
    guard n > 0 else {
      mean = nil
      standardDeviation = nil
      ciLow = nil
      ciHigh = nil
      return
    }
    let m = values.reduce(0, +) / Double(n)
    mean = m
    guard n > 1 else {
      standardDeviation = nil
      ciLow = nil
      ciHigh = nil
      return
    }
    let sumSquares = values.reduce(0) { $0 + ($1 - m) * ($1 - m) }
    let sd = (sumSquares / Double(n - 1)).squareRoot()
    standardDeviation = sd
    let t = StudentT.quantile(1 - (1 - level) / 2, degreesOfFreedom: Double(n - 1))
    let half = t * sd / Double(n).squareRoot()
    ciLow = m - half
    ciHigh = m + half
  }
}
