/// Where an unassessed visit stands on a date (`mscreg visits due`).
public enum VisitDueState: String, Sendable, Hashable, CaseIterable, Codable {
  /// The window has passed without an assessment.
  case overdue
  /// The date is inside the window.
  case due
  /// The window opens within the look-ahead (`VisitDue.lookAheadDays`).
  case upcoming
}

/// A protocol visit of an active patient that has no live assessment yet, with its window.
///
/// JSON keys: `study_id`, `protocol`, `site`, `visit`, `day`, `target`, `window_start`,
/// `window_end`, `state`, `days` (overdue: days since the window closed; due: days left
/// including today; upcoming: days until the window opens).
public struct VisitDue: Sendable, Equatable, Codable {
  /// How far ahead `upcoming` looks: 14 days (a coordinator's next two weeks).
  public static let lookAheadDays = 14

  /// The patient's study ID.
  public let studyID: String
  /// Protocol code.
  public let protocolCode: String
  /// Site code.
  public let site: String
  /// Visit code.
  public let visit: String
  /// Target trial day.
  public let day: Int
  /// Target date (enrollment + day).
  public let target: CalendarDate
  /// First date inside the window.
  public let windowStart: CalendarDate
  /// Last date inside the window.
  public let windowEnd: CalendarDate
  /// Overdue, due or upcoming.
  public let state: VisitDueState
  /// Days overdue, days left, or days until the window opens (see the type's summary).
  public let days: Int

  /// Creates a value.
  public init(
    studyID: String, protocolCode: String, site: String, visit: String, day: Int,
    target: CalendarDate, windowStart: CalendarDate, windowEnd: CalendarDate,
    state: VisitDueState, days: Int
  ) {
    self.studyID = studyID
    self.protocolCode = protocolCode
    self.site = site
    self.visit = visit
    self.day = day
    self.target = target
    self.windowStart = windowStart
    self.windowEnd = windowEnd
    self.state = state
    self.days = days
  }

  enum CodingKeys: String, CodingKey {
    case site, visit, day, target, state, days
    case studyID = "study_id"
    case protocolCode = "protocol"
    case windowStart = "window_start"
    case windowEnd = "window_end"
  }

  /// Classifies an unassessed visit on `asOf`: `overdue` after the window's last day, `due`
  /// inside it (ends included), `upcoming` when the window opens within `lookAheadDays`
  /// days; nil when it opens later.
  public static func classify(
    _ visit: ScheduledVisit, enrolledOn: CalendarDate, asOf: CalendarDate,
    lookAheadDays: Int = lookAheadDays
  ) -> (state: VisitDueState, days: Int)? {
    let start = visit.window.earliest(enrolledOn: enrolledOn)
    let end = visit.window.latest(enrolledOn: enrolledOn)
    if asOf > end { return (.overdue, end.days(until: asOf)) }
    if asOf >= start { return (.due, asOf.days(until: end) + 1) }
    let until = asOf.days(until: start)
    return until <= lookAheadDays ? (.upcoming, until) : nil
  }

  /// The unassessed visits of one patient that are overdue, due or upcoming on `asOf`, in the
  /// protocol's order. `assessed` holds the visit codes with a live assessment.
  public static func visits(
    of patient: Patient, protocol trial: TrialProtocol, assessed: Set<String>,
    asOf: CalendarDate
  ) -> [VisitDue] {
    trial.visits.compactMap { visit in
      guard !assessed.contains(visit.code),
        let (state, days) = classify(visit, enrolledOn: patient.enrolledOn, asOf: asOf)
      else { return nil }
      return VisitDue(
        studyID: patient.studyID, protocolCode: patient.protocolCode, site: patient.site,
        visit: visit.code, day: visit.day, target: patient.enrolledOn.adding(days: visit.day),
        windowStart: visit.window.earliest(enrolledOn: patient.enrolledOn),
        windowEnd: visit.window.latest(enrolledOn: patient.enrolledOn), state: state, days: days)
    }
  }
}
