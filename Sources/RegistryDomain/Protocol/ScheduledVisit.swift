/// The days around a visit's target day on which its assessment may be dated
/// (`visits[].window: [before, after]`).
///
/// Day 0 is the enrollment date. `before` ≤ 0 ≤ `after`, so the window always contains the
/// visit's own day: `[-7, 7]` around day 28 allows trial days 21…35.
public struct VisitWindow: Sendable, Hashable {
  /// The visit's target trial day (≥ 0).
  public let day: Int
  /// Days allowed before the target day, ≤ 0.
  public let before: Int
  /// Days allowed after the target day, ≥ 0.
  public let after: Int

  /// Creates a window; the values are taken as given.
  public init(day: Int, before: Int, after: Int) {
    self.day = day
    self.before = before
    self.after = after
  }

  /// The first trial day inside the window (`day + before`).
  public var firstDay: Int { day + before }
  /// The last trial day inside the window (`day + after`).
  public var lastDay: Int { day + after }

  /// The earliest date an assessment may carry, for a patient enrolled on `enrolledOn`.
  public func earliest(enrolledOn: CalendarDate) -> CalendarDate {
    enrolledOn.adding(days: firstDay)
  }

  /// The latest date an assessment may carry, for a patient enrolled on `enrolledOn`.
  public func latest(enrolledOn: CalendarDate) -> CalendarDate {
    enrolledOn.adding(days: lastDay)
  }

  /// Whether trial day `trialDay` (days since enrollment) is inside the window, ends included.
  public func contains(trialDay: Int) -> Bool {
    (firstDay...lastDay).contains(trialDay)
  }

  /// Whether `date` is inside the window for a patient enrolled on `enrolledOn`, ends included.
  public func contains(_ date: CalendarDate, enrolledOn: CalendarDate) -> Bool {
    contains(trialDay: enrolledOn.days(until: date))
  }
}

/// A scheduled visit of the protocol (`visits[]`).
public struct ScheduledVisit: Sendable, Hashable {
  /// The visit code (`baseline`, `week4`); unique within the protocol.
  public let code: String
  /// Target trial day, ≥ 0; day 0 is the enrollment date (the baseline visit).
  public let day: Int
  /// Days allowed around `day`.
  public let window: VisitWindow

  /// Creates a visit with a window `[before, after]` around `day`.
  public init(code: String, day: Int, before: Int, after: Int) {
    self.code = code
    self.day = day
    self.window = VisitWindow(day: day, before: before, after: after)
  }
}
