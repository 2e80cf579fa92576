import Foundation

/// Student's t distribution: distribution function, density and quantile.
///
/// Source: P(T > t) = ½ · I_{ν/(ν+t²)}(ν/2, ½) for t ≥ 0 (Abramowitz & Stegun 26.7.1 with
/// 26.5.27), with `IncompleteBeta`. The quantile inverts the upper tail with Newton steps kept
/// inside a bisection bracket, so it converges for every ν > 0 (ν = 1, the Cauchy distribution,
/// included). Checked against table values: t(0.975; 1) = 12.7062047, t(0.975; 2) = 4.30265273,
/// t(0.975; 5) = 2.57058184, t(0.975; 10) = 2.22813885, t(0.975; 30) = 2.04227246,
/// t(0.975; 100) = 1.98397152.
public enum StudentT {
  /// P(T > t) for t ≥ 0, without cancellation in the far tail.
  static func upperTail(_ t: Double, degreesOfFreedom nu: Double) -> Double {
    let t2 = t * t
    return 0.5
      * IncompleteBeta.regularized(
        x: nu / (nu + t2), oneMinusX: t2 / (nu + t2), a: nu / 2, b: 0.5)
  }

  /// The distribution function P(T ≤ t).
  ///
  /// - Parameters:
  ///   - t: any real number (±infinity allowed).
  ///   - degreesOfFreedom: ν > 0 (need not be an integer).
  /// - Returns: a probability in [0, 1]; NaN when ν ≤ 0 or t is NaN. Never throws.
  public static func cdf(_ t: Double, degreesOfFreedom nu: Double) -> Double {
    guard nu > 0, !t.isNaN else { return .nan }
    if t.isInfinite { return t > 0 ? 1 : 0 }
    return t >= 0
      ? 1 - upperTail(t, degreesOfFreedom: nu) : upperTail(-t, degreesOfFreedom: nu)
  }

  /// The density of t with ν degrees of freedom at `t`; NaN when ν ≤ 0. Never throws.
  public static func pdf(_ t: Double, degreesOfFreedom nu: Double) -> Double {
    guard nu > 0 else { return .nan }
    let logDensity =
      lgamma((nu + 1) / 2) - lgamma(nu / 2) - 0.5 * log(nu * Double.pi)
      - (nu + 1) / 2 * log1p(t * t / nu)
    return exp(logDensity)
  }

  /// The quantile: the t with P(T ≤ t) = p.
  ///
  /// - Parameters:
  ///   - p: probability, strictly between 0 and 1 (0.975 for a two-sided 95% interval).
  ///   - degreesOfFreedom: ν > 0.
  /// - Returns: the quantile, accurate to about 1e-12 relative; NaN when p is outside (0, 1) or
  ///   ν ≤ 0. Never throws.
  public static func quantile(_ p: Double, degreesOfFreedom nu: Double) -> Double {
    guard nu > 0, p > 0, p < 1 else { return .nan }
    if p == 0.5 { return 0 }
    let q = p < 0.5 ? p : 1 - p  // the upper-tail probability to reach
    // Bracket: tail(lo) > q ≥ tail(hi).
    var lo = 0.0
    var hi = 1.0
    while upperTail(hi, degreesOfFreedom: nu) > q && hi < 1e300 {
      lo = hi
      hi *= 2
    }
    var t = (lo + hi) / 2
    for _ in 0..<500 {
      let f = upperTail(t, degreesOfFreedom: nu) - q
      if f == 0 { break }
      if f > 0 { lo = t } else { hi = t }
      var next = t + f / pdf(t, degreesOfFreedom: nu)
      if !(next > lo && next < hi) { next = (lo + hi) / 2 }
      if abs(next - t) <= 1e-15 * max(1, abs(t)) {
        t = next
        break
      }
      t = next
    }
    return p < 0.5 ? -t : t
  }
}
