/// The Kaplan–Meier estimate at one time: survival, its confidence interval and the number at
/// risk. Used both for report horizons and for the steps of a plotted curve.
public struct KaplanMeierPoint: Sendable, Hashable {
  /// The time (days) this point describes.
  public let time: Double
  /// S(time): the right-continuous step function, so events at `time` are already counted.
  public let survival: Double
  /// Lower confidence bound, in [0, 1].
  public let ciLow: Double
  /// Upper confidence bound, in [0, 1].
  public let ciHigh: Double
  /// Patients at risk at `time`: those whose event or censoring time is ≥ `time` (still under
  /// observation on that day, including those with an event or censoring on it), as R's
  /// `summary.survfit(times =)` counts `n.risk`.
  public let atRisk: Int
  /// Events observed exactly at `time` (0 for horizons between event times).
  public let events: Int
  /// Censorings exactly at `time`.
  public let censored: Int

  /// Creates a point; the values are taken as given.
  public init(
    time: Double, survival: Double, ciLow: Double, ciHigh: Double, atRisk: Int, events: Int = 0,
    censored: Int = 0
  ) {
    self.time = time
    self.survival = survival
    self.ciLow = ciLow
    self.ciHigh = ciHigh
    self.atRisk = atRisk
    self.events = events
    self.censored = censored
  }
}
