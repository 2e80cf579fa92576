/// Constants of the standard normal distribution used by the registry's 95% intervals.
///
/// Source: the 0.975 quantile of N(0, 1), as `scipy.stats.norm.ppf(0.975)` and lifelines'
/// `inv_normal_cdf(0.975)` print it, so that Wilson and Kaplan–Meier intervals agree with
/// statsmodels and lifelines to the last digit.
public enum StandardNormal {
  /// z such that P(Z ≤ z) = 0.975: 1.959963984540054. Two-sided 95% intervals use ±z.
  public static let z975: Double = 1.959963984540054
}
