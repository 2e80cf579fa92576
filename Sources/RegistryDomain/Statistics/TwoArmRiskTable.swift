/// The risk sets of a two-arm comparison at each distinct event time (internal to the log-rank
/// test and the Cox model): patients at risk (time ≥ t) and events at t, per arm.
struct TwoArmRiskTable {
  struct Row {
    var time: Double
    /// At risk in the treated arm and the control arm.
    var atRiskTreated: Int
    var atRiskControl: Int
    /// Events at `time` in each arm.
    var eventsTreated: Int
    var eventsControl: Int
    var atRisk: Int { atRiskTreated + atRiskControl }
    var events: Int { eventsTreated + eventsControl }
  }

  /// One row per distinct time with at least one event, ascending.
  let rows: [Row]
  /// Patients per arm.
  let treated: Int
  let control: Int

  /// Builds the table; censorings at an event time stay at risk for it (as lifelines counts).
  init(_ observations: [SurvivalComparisonObservation]) {
    let sorted = observations.sorted { $0.observation.time < $1.observation.time }
    var remainingTreated = sorted.filter(\.treated).count
    var remainingControl = sorted.count - remainingTreated
    treated = remainingTreated
    control = remainingControl
    var rows: [Row] = []
    var i = 0
    while i < sorted.count {
      let time = sorted[i].observation.time
      var row = Row(
        time: time, atRiskTreated: remainingTreated, atRiskControl: remainingControl,
        eventsTreated: 0, eventsControl: 0)
      while i < sorted.count && sorted[i].observation.time == time {
        let o = sorted[i]
        if o.treated {
          remainingTreated -= 1
          if o.observation.event { row.eventsTreated += 1 }
        } else {
          remainingControl -= 1
          if o.observation.event { row.eventsControl += 1 }
        }
        i += 1
      }
      if row.events > 0 { rows.append(row) }
    }
    self.rows = rows
  }
}
