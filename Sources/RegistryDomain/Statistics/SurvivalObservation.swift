/// One patient's follow-up for a survival endpoint: time from day 0 (enrollment) and whether
/// the endpoint's event happened then (true) or the patient was censored then (false).
///
/// Time is in days (the registry's unit) but any non-negative, finite unit works as long as the
/// horizons use the same one.
public struct SurvivalObservation: Sendable, Hashable {
  /// Time from day 0 to the event or to censoring (last contact), ≥ 0.
  public var time: Double
  /// True when the event was observed at `time`; false when censored at `time`.
  public var event: Bool

  /// An observation with a fractional time.
  public init(time: Double, event: Bool) {
    self.time = time
    self.event = event
  }

  /// An observation in whole days, as the registry counts them.
  public init(days: Int, event: Bool) {
    self.init(time: Double(days), event: event)
  }
}
