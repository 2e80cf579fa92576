import Foundation

/// The date rules of an assessment (SPEC §4 assessments): pure checks, no I/O.
public enum AssessmentTiming {
  /// Checks an assessment date against the visit's window and returns whether it is a
  /// protocol deviation (outside the window, accepted with a reason).
  ///
  /// Day 0 is the enrollment date; the window `[day + before, day + after]` includes both
  /// ends. A date before enrollment is accepted only inside the window (a baseline window such
  /// as `[-14, 0]` takes screening values); outside the window it is refused even with
  /// `--out-of-window`.
  /// - Throws: `RegistryError.refused("date", …)` for a date in the future, before
  ///   enrollment outside the window, or outside the window without `outOfWindow`;
  ///   `.refused("out_of_window", …)` when the flag is given for a date inside the window;
  ///   `.refused("reason", …)` for an out-of-window date without a reason.
  public static func isDeviation(
    date: CalendarDate, visit: ScheduledVisit, enrolledOn: CalendarDate, today: CalendarDate,
    outOfWindow: Bool, reason: String?
  ) throws -> Bool {
    guard date <= today else {
      throw RegistryError.refused("date", "\(date) is in the future (today is \(today))")
    }
    let window = visit.window
    let first = window.earliest(enrolledOn: enrolledOn)
    let last = window.latest(enrolledOn: enrolledOn)
    if window.contains(date, enrolledOn: enrolledOn) {
      if outOfWindow {
        throw RegistryError.refused(
          "out_of_window",
          "\(date) is inside the window of \(visit.code) (\(first) to \(last)); the flag is only for dates outside it"
        )
      }
      return false
    }
    guard date >= enrolledOn else {
      throw RegistryError.refused(
        "date",
        "\(date) is before the enrollment date \(enrolledOn) and outside the window of \(visit.code) (\(first) to \(last))"
      )
    }
    guard outOfWindow else {
      throw RegistryError.refused(
        "date",
        "\(date) is outside the window of \(visit.code) (\(first) to \(last), day \(window.firstDay) to \(window.lastDay)); to record a protocol deviation give --out-of-window --reason R"
      )
    }
    guard let reason, !reason.trimmingCharacters(in: .whitespaces).isEmpty else {
      throw RegistryError.refused(
        "reason", "an out-of-window assessment needs the reason for the protocol deviation")
    }
    return true
  }
}
