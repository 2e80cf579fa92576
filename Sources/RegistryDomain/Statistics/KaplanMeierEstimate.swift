import Foundation

/// The Kaplan–Meier product-limit estimate of a survival function with Greenwood confidence
/// intervals, matching lifelines' `KaplanMeierFitter` (0.30).
///
/// Conventions (each chosen to agree with lifelines and R `survival`):
/// - Ties: at a time with both events and censorings, the censored patients are still at risk
///   for those events (events come before censorings): n(t) counts every time ≥ t.
/// - S(t) = Π_{tᵢ ≤ t} (1 − dᵢ/nᵢ) is right-continuous: S at an event time already includes
///   that time's events; before the first event S = 1. Between observed times the last value
///   holds (lifelines `survival_function_at_times`).
/// - Variance: Greenwood's V(t) = Σ_{tᵢ ≤ t, nᵢ > dᵢ} dᵢ/(nᵢ(nᵢ − dᵢ)), without S²;
///   see `SurvivalCIMethod` for the two intervals built from it.
/// - Median: the smallest observed time with S(t) ≤ 0.5 (lifelines `median_survival_time_`);
///   nil (lifelines: infinity) when S stays above 0.5.
public struct KaplanMeierEstimate: Sendable {
  /// One distinct observed time with its counts and running estimates.
  struct Row: Sendable {
    var time: Double
    var atRisk: Int
    var events: Int
    var censored: Int
    var survival: Double
    var greenwood: Double
  }

  /// Number of observations the estimate was built from.
  public let observationCount: Int
  /// Observation times, sorted ascending (for at-risk counts).
  let sortedTimes: [Double]
  /// Distinct observed times, ascending.
  let rows: [Row]

  /// Builds the estimate.
  ///
  /// - Parameter observations: one per patient; times ≥ 0 and finite; may be empty.
  /// - Throws: `RegistryError` of kind `.refused` on field `time` when a time is negative, NaN
  ///   or infinite (an event before enrollment is a data error, not a statistic).
  public init(_ observations: [SurvivalObservation]) throws(RegistryError) {
    for o in observations where !(o.time.isFinite && o.time >= 0) {
      throw RegistryError.refused("time", "survival time must be finite and ≥ 0, got \(o.time)")
    }
    observationCount = observations.count
    let sorted = observations.sorted { $0.time < $1.time }
    sortedTimes = sorted.map(\.time)
    var rows: [Row] = []
    var survival = 1.0
    var greenwood = 0.0
    var index = 0
    while index < sorted.count {
      let time = sorted[index].time
      let atRisk = sorted.count - index
      var events = 0
      var censored = 0
      while index < sorted.count && sorted[index].time == time {
        if sorted[index].event { events += 1 } else { censored += 1 }
        index += 1
      }
      if events > 0 {
        survival *= 1 - Double(events) / Double(atRisk)
        if atRisk > events {
          greenwood += Double(events) / (Double(atRisk) * Double(atRisk - events))
        }
      }
      rows.append(
        Row(
          time: time, atRisk: atRisk, events: events, censored: censored, survival: survival,
          greenwood: greenwood))
    }
    self.rows = rows
  }

  /// Patients at risk at `time`: observations with time ≥ `time` (see `KaplanMeierPoint.atRisk`).
  public func atRisk(at time: Double) -> Int {
    // First index with sortedTimes[i] >= time.
    var lo = 0
    var hi = sortedTimes.count
    while lo < hi {
      let mid = (lo + hi) / 2
      if sortedTimes[mid] < time { lo = mid + 1 } else { hi = mid }
    }
    return sortedTimes.count - lo
  }

  /// Index of the last row with time ≤ `time`, nil when `time` precedes every observation.
  private func rowIndex(atOrBefore time: Double) -> Int? {
    var lo = 0
    var hi = rows.count
    while lo < hi {
      let mid = (lo + hi) / 2
      if rows[mid].time <= time { lo = mid + 1 } else { hi = mid }
    }
    return lo == 0 ? nil : lo - 1
  }

  /// S(`time`), the step function (1 before the first event).
  ///
  /// - Returns: nil when there are no observations.
  public func survival(at time: Double) -> Double? {
    guard observationCount > 0 else { return nil }
    return rowIndex(atOrBefore: time).map { rows[$0].survival } ?? 1
  }

  /// Survival, confidence interval and number at risk at a horizon (for example day 168).
  ///
  /// - Parameters:
  ///   - time: the horizon, in the observations' unit (days).
  ///   - method: `loglog` (default, lifelines) or `plain`.
  ///   - z: normal quantile of the two-sided level; default 1.959963984540054 (95%).
  /// - Returns: nil when there are no observations; `events`/`censored` count only those
  ///   exactly at `time`. Never throws.
  public func point(
    at time: Double, method: SurvivalCIMethod = .loglog, z: Double = StandardNormal.z975
  ) -> KaplanMeierPoint? {
    guard observationCount > 0 else { return nil }
    let row = rowIndex(atOrBefore: time).map { rows[$0] }
    let survival = row?.survival ?? 1
    let greenwood = row?.greenwood ?? 0
    let (low, high) = Self.interval(
      survival: survival, greenwood: greenwood, method: method, z: z)
    let exact = row.map { $0.time == time } ?? false
    return KaplanMeierPoint(
      time: time, survival: survival, ciLow: low, ciHigh: high, atRisk: atRisk(at: time),
      events: exact ? row!.events : 0, censored: exact ? row!.censored : 0)
  }

  /// `point(at:method:z:)` for each horizon, in the given order; empty when there are no
  /// observations.
  public func points(
    at times: [Double], method: SurvivalCIMethod = .loglog, z: Double = StandardNormal.z975
  ) -> [KaplanMeierPoint] {
    times.compactMap { point(at: $0, method: method, z: z) }
  }

  /// The whole step curve for plotting: a start point at time 0 (S = 1, everyone at risk) unless
  /// an observation is at time 0, then one point per distinct observed time (event or
  /// censoring) with S after that time's events, its interval, the number at risk just before
  /// it, and the events and censorings at it. Empty when there are no observations.
  public func curve(method: SurvivalCIMethod = .loglog, z: Double = StandardNormal.z975)
    -> [KaplanMeierPoint]
  {
    guard let first = rows.first else { return [] }
    var points: [KaplanMeierPoint] = []
    if first.time > 0 {
      points.append(
        KaplanMeierPoint(time: 0, survival: 1, ciLow: 1, ciHigh: 1, atRisk: observationCount))
    }
    for row in rows {
      let (low, high) = Self.interval(
        survival: row.survival, greenwood: row.greenwood, method: method, z: z)
      points.append(
        KaplanMeierPoint(
          time: row.time, survival: row.survival, ciLow: low, ciHigh: high, atRisk: row.atRisk,
          events: row.events, censored: row.censored))
    }
    return points
  }

  /// Median survival time: the smallest observed time with S(t) ≤ 0.5 (a tolerance of 1e-12
  /// absorbs rounding of products that are exactly one half); nil when not reached.
  public var medianSurvival: Double? {
    rows.first { $0.survival <= 0.5 + 1e-12 }?.time
  }

  /// The last observed time (event or censoring); nil without observations.
  public var lastObservedTime: Double? { rows.last?.time }

  /// Whether S(`time`) is estimable (REFERENCE.md "Survival: estimability and comparison").
  ///
  /// Not estimable when `time` lies beyond the last follow-up of every patient still at risk,
  /// i.e. after the last observed time, unless the curve has reached 0 (then S stays 0 and is
  /// known). Reporting the last value carried forward there would claim a follow-up nobody had.
  /// False when there are no observations. Never throws.
  public func isEstimable(at time: Double) -> Bool {
    guard let last = rows.last else { return false }
    return time <= last.time || last.survival <= 0
  }

  /// The 95% confidence interval of the median survival time: where the pointwise confidence
  /// band crosses 0.5 (Brookmeyer–Crowley style), computed exactly as lifelines'
  /// `median_survival_times(kmf.confidence_interval_)` does on each band column.
  ///
  /// For one band (lower or upper) over the curve's times (`curve(method:)`, time 0 included):
  /// nil (lifelines: infinity) when the band's last value is above 0.5; otherwise the time at
  /// the index numpy's `searchsorted(-band, -0.5)` returns, i.e. the binary search for the first
  /// value ≤ 0.5 (on a band that is not monotone this is a crossing found by bisection, as in
  /// lifelines). The lower band gives the interval's lower end, the upper band its upper end.
  /// Both nil without observations. Never throws.
  public func medianInterval(
    method: SurvivalCIMethod = .loglog, z: Double = StandardNormal.z975
  ) -> (low: Double?, high: Double?) {
    let points = curve(method: method, z: z)
    func crossing(_ band: [Double]) -> Double? {
      guard let last = band.last, last <= 0.5 else { return nil }
      var lo = 0
      var hi = band.count
      while lo < hi {
        let mid = (lo + hi) / 2
        if -band[mid] < -0.5 { lo = mid + 1 } else { hi = mid }
      }
      return points[lo].time
    }
    return (crossing(points.map(\.ciLow)), crossing(points.map(\.ciHigh)))
  }

  /// The confidence interval for an estimate `survival` with Greenwood sum `greenwood`.
  ///
  /// Follows lifelines `KaplanMeierFitter._bounds` for `loglog`, including its edge cases:
  /// S = 1 gives [1, 1] and S = 0 gives [0, 0].
  static func interval(survival s: Double, greenwood v: Double, method: SurvivalCIMethod, z: Double)
    -> (low: Double, high: Double)
  {
    if s >= 1 { return (1, 1) }
    if s <= 0 { return (0, 0) }
    let sd = v.squareRoot()
    switch method {
    case .loglog:
      let logS = log(s)
      let logMinusLogS = log(-logS)
      let low = exp(-exp(logMinusLogS - z * sd / logS))
      let high = exp(-exp(logMinusLogS + z * sd / logS))
      return (low, high)
    case .plain:
      return (max(0, s - z * s * sd), min(1, s + z * s * sd))
    }
  }
}
