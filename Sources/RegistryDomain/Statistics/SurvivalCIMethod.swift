/// How a Kaplan–Meier confidence interval is built from Greenwood's variance (`--ci`, SPEC §5).
///
/// With S the estimate and V = Σ d/(n(n − d)) over event times up to t (Greenwood's sum without
/// the S² factor; terms with n = d are dropped, as lifelines drops them):
/// - `loglog`: lifelines' default "exponential Greenwood" interval (Kalbfleisch & Prentice),
///   exp(−exp(log(−log S) ∓ z·√V / log S)), always inside [0, 1].
/// - `plain`: the linear interval S ± z·S·√V clipped to [0, 1], as many trial papers print it.
/// Both give [1, 1] while S = 1 and [0, 0] once S = 0.
public enum SurvivalCIMethod: String, Sendable, Hashable, CaseIterable {
  /// Exponential Greenwood (complementary log-log), lifelines' `KaplanMeierFitter` default.
  case loglog
  /// Linear Greenwood, clipped to [0, 1].
  case plain
}
