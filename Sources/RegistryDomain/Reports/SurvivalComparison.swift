/// The comparison of a survival endpoint between the MSC arm(s) and the control arm(s) of a
/// protocol (SPEC §6; REFERENCE.md "Survival: estimability and comparison"): the log-rank test
/// and the Cox proportional-hazards hazard ratio of MSC versus control (Efron ties, Wald 95%
/// interval).
///
/// Every arm whose `receives_msc` is true is pooled as "MSC", every other arm as "control".
/// Computed over the whole cohort of the report (its site restriction and cut-off), whatever
/// the grouping. A figure that cannot be computed is nil (JSON `null`).
public struct SurvivalComparison: Sendable, Codable, Equatable {
  /// The survival endpoint's code.
  public var endpoint: String
  /// Arms pooled as MSC.
  public var mscArms: [String]
  /// Arms pooled as control.
  public var controlArms: [String]
  /// The log-rank test; nil when it cannot be computed (an arm without patients, no events).
  public var logRank: LogRank?
  /// The Cox hazard ratio; nil when no finite estimate exists (for example no events in an
  /// arm).
  public var hazardRatio: HazardRatio?

  /// Log-rank test figures.
  public struct LogRank: Sendable, Codable, Equatable {
    /// χ² statistic.
    public var chiSquare: Double
    /// Degrees of freedom (1).
    public var df: Int
    /// p-value.
    public var p: Double

    enum CodingKeys: String, CodingKey {
      case df, p
      case chiSquare = "chi_square"
    }
  }

  /// Cox proportional-hazards figures, MSC versus control.
  public struct HazardRatio: Sendable, Codable, Equatable {
    /// e^β̂.
    public var estimate: Double
    /// Lower Wald 95% bound.
    public var ciLow: Double
    /// Upper Wald 95% bound.
    public var ciHigh: Double
    /// Wald p-value of β = 0.
    public var p: Double
    /// Tie handling: `efron`.
    public var ties = "efron"

    enum CodingKeys: String, CodingKey {
      case estimate, p, ties
      case ciLow = "ci_low"
      case ciHigh = "ci_high"
    }
  }

  /// Computes the comparison from the two arms' observations.
  public init(
    endpoint: String, mscArms: [String], controlArms: [String],
    observations: [SurvivalComparisonObservation]
  ) {
    self.endpoint = endpoint
    self.mscArms = mscArms
    self.controlArms = controlArms
    logRank = LogRankTest(observations).map {
      LogRank(chiSquare: $0.chiSquare, df: $0.degreesOfFreedom, p: $0.p)
    }
    hazardRatio = CoxProportionalHazards(observations).map {
      HazardRatio(estimate: $0.hazardRatio, ciLow: $0.ciLow, ciHigh: $0.ciHigh, p: $0.p)
    }
  }

  enum CodingKeys: String, CodingKey {
    case endpoint
    case mscArms = "msc_arms"
    case controlArms = "control_arms"
    case logRank = "log_rank"
    case hazardRatio = "hazard_ratio"
  }
}
