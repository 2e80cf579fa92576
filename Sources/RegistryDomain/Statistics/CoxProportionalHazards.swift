import Foundation

/// The Cox proportional-hazards model with one binary covariate (treated arm = 1, control = 0):
/// the hazard ratio of the treated arm against control with a Wald 95% interval.
///
/// Source: Cox DR, J R Stat Soc B 1972;34:187; ties by Efron (J Am Stat Assoc 1977;72:557), the
/// default of lifelines' `CoxPHFitter` and R's `coxph` (REFERENCE.md "Survival: estimability and
/// comparison"). At an event time with risk set R and d tied events D, Efron's partial
/// log-likelihood term is Σ_{i∈D} βxᵢ − Σ_{l=0}^{d−1} log(S₀(R) − (l/d)·S₀(D)),
/// S₀(A) = Σ_{j∈A} e^{βxⱼ}. β̂ maximises the sum (Newton–Raphson from β = 0, step halving when
/// the likelihood would drop, stopping when a step is below 1e-12); its standard error is
/// 1/√I(β̂) from the observed information; HR = e^β̂, interval e^{β̂ ± z·SE}, Wald p =
/// P(χ²₁ > (β̂/SE)²). Patients censored at an event time stay at risk for it.
public struct CoxProportionalHazards: Sendable, Hashable {
  /// log hazard ratio β̂.
  public let coefficient: Double
  /// Standard error of β̂.
  public let standardError: Double
  /// e^β̂: the hazard of the treated arm relative to control.
  public let hazardRatio: Double
  /// Lower Wald 95% bound of the hazard ratio.
  public let ciLow: Double
  /// Upper Wald 95% bound of the hazard ratio.
  public let ciHigh: Double
  /// Wald test p-value of β = 0.
  public let p: Double

  /// Fits the model.
  ///
  /// - Parameters:
  ///   - observations: one per patient, with its arm.
  ///   - z: normal quantile of the interval (default 95%).
  /// - Returns: nil when no finite estimate exists: an arm without patients or without events,
  ///   or a monotone likelihood (every event of one arm happens while nobody of the other arm
  ///   is at risk), or when Newton–Raphson does not converge in 100 steps. Never throws.
  public init?(_ observations: [SurvivalComparisonObservation], z: Double = StandardNormal.z975) {
    let table = TwoArmRiskTable(observations)
    guard table.treated > 0, table.control > 0 else { return nil }
    // A finite maximum needs an event of each arm with somebody of the other arm at risk.
    guard table.rows.contains(where: { $0.eventsTreated > 0 && $0.atRiskControl > 0 }),
      table.rows.contains(where: { $0.eventsControl > 0 && $0.atRiskTreated > 0 })
    else { return nil }
    var beta = 0.0
    var current = Self.evaluate(table, beta)
    var converged = false
    for _ in 0..<100 {
      guard current.information > 0 else { return nil }
      var step = current.score / current.information
      var next = Self.evaluate(table, beta + step)
      var halvings = 0
      while !(next.logLikelihood >= current.logLikelihood - 1e-12) && halvings < 60 {
        step /= 2
        next = Self.evaluate(table, beta + step)
        halvings += 1
      }
      beta += step
      current = next
      if abs(step) < 1e-12 {
        converged = true
        break
      }
    }
    guard converged, current.information > 0, beta.isFinite else { return nil }
    let se = 1 / current.information.squareRoot()
    coefficient = beta
    standardError = se
    hazardRatio = exp(beta)
    ciLow = exp(beta - z * se)
    ciHigh = exp(beta + z * se)
    p = ChiSquare.upperTailOneDF((beta / se) * (beta / se))
  }

  /// Efron partial log-likelihood, score and information at `beta`.
  static func evaluate(_ table: TwoArmRiskTable, _ beta: Double)
    -> (logLikelihood: Double, score: Double, information: Double)
  {
    let risk = exp(beta)
    var logLikelihood = 0.0
    var score = 0.0
    var information = 0.0
    for row in table.rows {
      let d = Double(row.events)
      // Sums over the risk set R and the tied events D (x is 0 or 1, so S₂ = S₁).
      let s0R = Double(row.atRiskControl) + Double(row.atRiskTreated) * risk
      let s1R = Double(row.atRiskTreated) * risk
      let s0D = Double(row.eventsControl) + Double(row.eventsTreated) * risk
      let s1D = Double(row.eventsTreated) * risk
      logLikelihood += beta * Double(row.eventsTreated)
      score += Double(row.eventsTreated)
      for l in 0..<row.events {
        let f = Double(l) / d
        let s0 = s0R - f * s0D
        let s1 = s1R - f * s1D
        let mean = s1 / s0
        logLikelihood -= log(s0)
        score -= mean
        information += mean - mean * mean
      }
    }
    return (logLikelihood, score, information)
  }
}
