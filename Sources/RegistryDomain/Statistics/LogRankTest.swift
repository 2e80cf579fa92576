/// The log-rank test comparing the survival of two arms (Mantel–Haenszel χ² with 1 df).
///
/// Source: Mantel N, Cancer Chemother Rep 1966;50:163; REFERENCE.md "Survival: estimability
/// and comparison". At each distinct event time t with n patients at risk (n₁ in the treated
/// arm), d events (d₁ treated): E₁ = d·n₁/n and V = d·(n₁/n)·(1 − n₁/n)·(n − d)/(n − 1)
/// (0 when n = 1). χ² = (O₁ − E₁)² / ΣV with O₁ = Σd₁, one degree of freedom, p = P(χ²₁ > χ²).
/// Patients censored at an event time are still at risk for it. These are the figures of
/// lifelines' `logrank_test` (`test_statistic`, `p_value`).
public struct LogRankTest: Sendable, Hashable {
  /// The χ² statistic.
  public let chiSquare: Double
  /// Degrees of freedom: 1.
  public let degreesOfFreedom: Int
  /// P(χ²₁ > `chiSquare`).
  public let p: Double
  /// Observed events in the treated arm.
  public let observedTreated: Int
  /// Expected events in the treated arm under equal hazards.
  public let expectedTreated: Double

  /// Runs the test.
  ///
  /// - Returns: nil when the test cannot be computed: an arm without patients, no event at
  ///   all, or a variance of 0 (no event time with patients of both arms at risk). Never throws.
  public init?(_ observations: [SurvivalComparisonObservation]) {
    let table = TwoArmRiskTable(observations)
    guard table.treated > 0, table.control > 0, !table.rows.isEmpty else { return nil }
    var observed = 0
    var expected = 0.0
    var variance = 0.0
    for row in table.rows {
      let n = Double(row.atRisk)
      let d = Double(row.events)
      let share = Double(row.atRiskTreated) / n
      observed += row.eventsTreated
      expected += d * share
      if row.atRisk > 1 {
        variance += d * share * (1 - share) * (n - d) / (n - 1)
      }
    }
    guard variance > 0 else { return nil }
    let difference = Double(observed) - expected
    chiSquare = difference * difference / variance
    degreesOfFreedom = 1
    p = ChiSquare.upperTailOneDF(chiSquare)
    observedTreated = observed
    expectedTreated = expected
  }
}
