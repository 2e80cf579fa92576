/// One patient's follow-up in a two-arm survival comparison: the observation and whether the
/// patient belongs to the treated (MSC) arm (`treated`) or to the control arm.
public struct SurvivalComparisonObservation: Sendable, Hashable {
  /// Time to the event or to censoring (days, ≥ 0) and whether the event happened.
  public var observation: SurvivalObservation
  /// True for the MSC arm (covariate 1 of the Cox model), false for control (0).
  public var treated: Bool

  /// Creates an observation.
  public init(_ observation: SurvivalObservation, treated: Bool) {
    self.observation = observation
    self.treated = treated
  }

  /// Creates an observation from its parts.
  public init(time: Double, event: Bool, treated: Bool) {
    self.init(SurvivalObservation(time: time, event: event), treated: treated)
  }
}
