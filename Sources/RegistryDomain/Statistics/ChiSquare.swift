import Foundation

/// Upper tail of the χ² distribution with one degree of freedom, the p-value of the log-rank
/// test and of a Wald test.
///
/// Source: for one degree of freedom χ² = Z² with Z standard normal, so
/// P(χ²₁ > x) = P(|Z| > √x) = erfc(√(x/2)) (Abramowitz & Stegun 26.4.4 with ν = 1); this is
/// what `scipy.stats.chi2.sf(x, 1)` computes, and lifelines' `logrank_test` reports.
public enum ChiSquare {
  /// P(χ²₁ > `x`): 1 at x ≤ 0, towards 0 as x grows; NaN for NaN. Never throws.
  public static func upperTailOneDF(_ x: Double) -> Double {
    guard !x.isNaN else { return .nan }
    guard x > 0 else { return 1 }
    return erfc((x / 2).squareRoot())
  }
}
